/** Queries on jobs, their targets and their log. */
import type { Job, JobDetail, JobKind, JobLogLine, JobState, JobTarget, LogLevel, RemoteFailure } from '../../../shared/contract';
import { redactDeep, redactSecrets } from '../../../shared/redact';
import type { Db } from '../db/open';

interface JobRow {
  id: number;
  kind: JobKind;
  title: string;
  state: JobState;
  args: string;
  current: number;
  total: number;
  summary: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

interface TargetRow {
  job_id: number;
  target: string;
  host_id: number | null;
  state: JobTarget['state'];
  step: string | null;
  current: number;
  total: number;
  failure: string | null;
  updated_at: number;
}

function rowToJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    state: r.state,
    current: r.current,
    total: r.total,
    summary: r.summary,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

function rowToTarget(r: TargetRow): JobTarget {
  return {
    target: r.target,
    hostId: r.host_id,
    state: r.state,
    step: r.step,
    current: r.current,
    total: r.total,
    failure: r.failure ? (JSON.parse(r.failure) as RemoteFailure) : null,
    updatedAt: r.updated_at,
  };
}

export function insertJob(db: Db, kind: JobKind, title: string, args: unknown, now = Date.now(), owner: string | null = null): number {
  const info = db
    .prepare(`INSERT INTO jobs (kind, title, state, args, created_at, owner) VALUES (?, ?, 'queued', ?, ?, ?)`)
    .run(kind, title, JSON.stringify(args ?? null), now, owner);
  return Number(info.lastInsertRowid);
}

export function getJob(db: Db, id: number): Job | undefined {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  return row && rowToJob(row);
}

export function getJobDetail(db: Db, id: number): JobDetail | undefined {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  if (!row) return undefined;
  return { ...rowToJob(row), args: JSON.parse(row.args) as unknown, targets: listTargets(db, id) };
}

export function listJobs(db: Db, limit: number): Job[] {
  return (db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit) as JobRow[]).map(rowToJob);
}

export function listTargets(db: Db, jobId: number): JobTarget[] {
  return (db.prepare('SELECT * FROM job_targets WHERE job_id = ? ORDER BY rowid').all(jobId) as TargetRow[]).map(
    rowToTarget,
  );
}

export function updateJob(
  db: Db,
  id: number,
  patch: Partial<Pick<Job, 'state' | 'current' | 'total' | 'summary' | 'error' | 'startedAt' | 'finishedAt'>>,
): void {
  db.prepare(
    `UPDATE jobs SET
       state = COALESCE(@state, state),
       current = COALESCE(@current, current),
       total = COALESCE(@total, total),
       summary = COALESCE(@summary, summary),
       error = COALESCE(@error, error),
       started_at = COALESCE(@startedAt, started_at),
       finished_at = COALESCE(@finishedAt, finished_at)
     WHERE id = @id`,
  ).run({
    id,
    state: patch.state ?? null,
    current: patch.current ?? null,
    total: patch.total ?? null,
    summary: patch.summary ?? null,
    error: patch.error == null ? null : redactSecrets(patch.error),
    startedAt: patch.startedAt ?? null,
    finishedAt: patch.finishedAt ?? null,
  });
}

export function upsertTarget(db: Db, jobId: number, t: JobTarget): void {
  db.prepare(
    `INSERT INTO job_targets (job_id, target, host_id, state, step, current, total, failure, updated_at)
     VALUES (@jobId, @target, @hostId, @state, @step, @current, @total, @failure, @updatedAt)
     ON CONFLICT (job_id, target) DO UPDATE SET host_id = excluded.host_id, state = excluded.state,
       step = excluded.step, current = excluded.current, total = excluded.total, failure = excluded.failure,
       updated_at = excluded.updated_at`,
  ).run({ jobId, ...t, failure: t.failure ? JSON.stringify(redactDeep(t.failure)) : null });
}

/** Log lines, job errors and failures quote commands and their output: credentials in them are hidden (shared/redact). */
export function insertLogLine(
  db: Db,
  jobId: number,
  level: LogLevel,
  message: string,
  target: string | null,
  now = Date.now(),
): JobLogLine {
  const info = db
    .prepare('INSERT INTO job_events (job_id, ts, level, target, message) VALUES (?, ?, ?, ?, ?)')
    .run(jobId, now, level, target, redactSecrets(message));
  return { id: Number(info.lastInsertRowid), jobId, ts: now, level, target, message: redactSecrets(message) };
}

export function listLogLines(db: Db, jobId: number, afterId: number, limit = 2000): JobLogLine[] {
  const rows = db
    .prepare('SELECT id, job_id, ts, level, target, message FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?')
    .all(jobId, afterId, limit) as { id: number; job_id: number; ts: number; level: LogLevel; target: string | null; message: string }[];
  return rows.map((r) => ({ id: r.id, jobId: r.job_id, ts: r.ts, level: r.level, target: r.target, message: r.message }));
}

/**
 * Start-up recovery: a job still marked queued or running whose process died becomes `interrupted`, and so do
 * its unfinished targets, which keep the step they had reached. A job of a process that still runs (the app
 * while the command line or the headless host starts on the same folder) is left alone.
 */
export function markInterrupted(db: Db, now = Date.now(), alive: (owner: string) => boolean = () => false): number[] {
  return db.transaction(() => {
    const ids = (db.prepare(`SELECT id, owner FROM jobs WHERE state IN ('queued','running')`).all() as { id: number; owner: string | null }[])
      .filter((r) => r.owner === null || !alive(r.owner))
      .map((r) => r.id);
    for (const id of ids) interruptJob(db, id, 'Patchwell stopped while this job was running', now);
    return ids;
  })();
}

/** Marks one job and its unfinished targets interrupted, each target keeping the step it had reached. */
export function interruptJob(db: Db, id: number, reason: string, now = Date.now()): void {
  db.transaction(() => {
    db.prepare(`UPDATE jobs SET state = 'interrupted', finished_at = ?, error = COALESCE(error, ?) WHERE id = ?`).run(now, reason, id);
    db.prepare(`UPDATE job_targets SET state = 'interrupted', updated_at = ? WHERE job_id = ? AND state IN ('pending','running')`).run(now, id);
    insertLogLine(db, id, 'warn', `${reason}; each machine keeps the step it had reached.`, null, now);
  })();
}
