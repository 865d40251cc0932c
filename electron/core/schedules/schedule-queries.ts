/** Schedules in SQLite: what each one runs and when it last ran, with the job that run started. */
import type { JobState, ScheduleInput, ScheduleKind, ScheduleOptions, ScheduleOutcome } from '../../../shared/contract';
import type { Db } from '../db/open';

export interface ScheduleRecord {
  id: number;
  kind: ScheduleKind;
  name: string;
  cron: string;
  timezone: string | null;
  enabled: boolean;
  options: ScheduleOptions;
  createdAt: number;
  updatedAt: number;
  lastRunAt: number | null;
  lastJobId: number | null;
  lastOutcome: ScheduleOutcome | null;
  lastMessage: string | null;
}

interface Row {
  id: number;
  kind: ScheduleKind;
  name: string;
  cron: string;
  timezone: string | null;
  enabled: number;
  options: string;
  created_at: number;
  updated_at: number;
  last_run_at: number | null;
  last_job_id: number | null;
  last_outcome: ScheduleOutcome | null;
  last_message: string | null;
  job_state: JobState | null;
  job_summary: string | null;
  job_error: string | null;
}

// The last run's outcome is the job's own state while the job row exists, so it is never stale.
const SELECT = `SELECT s.*, j.state AS job_state, j.summary AS job_summary, j.error AS job_error
  FROM schedules s LEFT JOIN jobs j ON j.id = s.last_job_id`;

function toRecord(r: Row): ScheduleRecord {
  const jobOutcome: ScheduleOutcome | null = r.job_state === null ? null : r.job_state === 'queued' ? 'running' : r.job_state;
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    cron: r.cron,
    timezone: r.timezone,
    enabled: r.enabled === 1,
    options: JSON.parse(r.options) as ScheduleOptions,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastRunAt: r.last_run_at,
    lastJobId: r.last_job_id,
    lastOutcome: jobOutcome ?? r.last_outcome,
    lastMessage: r.job_state !== null && r.job_state !== 'running' && r.job_state !== 'queued' ? (r.job_error ?? r.job_summary ?? r.last_message) : r.last_message,
  };
}

export function listScheduleRecords(db: Db): ScheduleRecord[] {
  return (db.prepare(`${SELECT} ORDER BY s.kind, s.name, s.id`).all() as Row[]).map(toRecord);
}

export function getScheduleRecord(db: Db, id: number): ScheduleRecord | undefined {
  const r = db.prepare(`${SELECT} WHERE s.id = ?`).get(id) as Row | undefined;
  return r && toRecord(r);
}

/** Inserts (no id) or replaces a schedule's definition; its run history stays. Returns the id. */
export function putSchedule(db: Db, input: ScheduleInput, now: number): number {
  const values = {
    kind: input.kind,
    name: input.name,
    cron: input.cron,
    timezone: input.timezone,
    enabled: input.enabled ? 1 : 0,
    options: JSON.stringify(input.options),
    now,
  };
  if (input.id === undefined) {
    const info = db
      .prepare('INSERT INTO schedules (kind, name, cron, timezone, enabled, options, created_at, updated_at) VALUES (@kind, @name, @cron, @timezone, @enabled, @options, @now, @now)')
      .run(values);
    return Number(info.lastInsertRowid);
  }
  db.prepare('UPDATE schedules SET kind = @kind, name = @name, cron = @cron, timezone = @timezone, enabled = @enabled, options = @options, updated_at = @now WHERE id = @id').run({ ...values, id: input.id });
  return input.id;
}

export function deleteSchedule(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM schedules WHERE id = ?').run(id).changes > 0;
}

/** Records a run: the job it started (outcome followed from the job), or why none was started. */
export function recordRun(db: Db, id: number, run: { at: number; jobId: number | null; outcome: ScheduleOutcome; message: string }): void {
  db.prepare('UPDATE schedules SET last_run_at = ?, last_job_id = ?, last_outcome = ?, last_message = ? WHERE id = ?').run(run.at, run.jobId, run.outcome, run.message, id);
}
