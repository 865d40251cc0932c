/**
 * The schedules the user manages: listed with their words and next runs, saved after checking, removed, run now,
 * all paused. Every change and every run is audited. Handlers only validate and delegate here.
 */
import { AppError, type ScheduleInput, type SchedulesState, type ScheduleView } from '../../../shared/contract';
import { describeCron } from '../../../shared/cron-words';
import { appendAudit } from '../audit/audit-log';
import { downloadState, feedSourcesFor } from '../intel/feed-download';
import type { CoreServices } from '../services';
import { getSettings, updateSettings } from '../settings';
import { cronProblem, localZone, nextRuns } from './next-run';
import { folderProblem } from './report-run';
import { deleteSchedule, getScheduleRecord, listScheduleRecords, putSchedule, type ScheduleRecord } from './schedule-queries';
import { runSchedule, type RunResult, type ScheduleClock } from './schedule-runner';

function view(r: ScheduleRecord, now: number, zone: string): ScheduleView {
  const { lastRunAt, lastJobId, lastOutcome, lastMessage, createdAt, updatedAt, ...input } = r;
  return {
    ...input,
    description: describeCron(r.cron),
    zone,
    nextRuns: nextRuns(r, zone, now),
    lastRunAt,
    lastJobId,
    lastOutcome,
    lastMessage,
    createdAt,
    updatedAt,
  };
}

export function schedulesState(s: CoreServices, now: number, clock?: Pick<ScheduleClock, 'zone'>): SchedulesState {
  const fallback = clock?.zone ?? localZone();
  return {
    schedules: listScheduleRecords(s.db).map((r) => view(r, now, r.timezone ?? fallback)),
    paused: getSettings(s.db).schedulesPaused,
    downloadsAllowed: downloadState(s.db, s.feedSources ?? feedSourcesFor(s.db)).allowed,
  };
}

/** Refuses what cannot run: a bad expression or zone, a report without a usable folder, an unknown id. */
function check(s: CoreServices, input: ScheduleInput): void {
  if (input.id !== undefined && !getScheduleRecord(s.db, input.id)) throw new AppError('not-found', `No schedule ${input.id}`);
  const problem = cronProblem(input.cron, input.timezone);
  if (problem) throw new AppError('bad-request', problem, { [problem.startsWith('Unknown time zone') ? 'timezone' : 'cron']: problem });
  if (input.kind === 'report') {
    const folder = input.options.folder;
    const bad = folder ? folderProblem(folder) : 'Choose the folder the report is written to';
    if (bad) throw new AppError('bad-request', bad, { folder: bad });
  }
}

/** Keeps only the options of the schedule's kind, so a kind changed in the form leaves nothing stale behind. */
function optionsFor(input: ScheduleInput): ScheduleInput['options'] {
  if (input.kind === 'assessment') return { tag: input.options.tag ?? null };
  if (input.kind === 'report') return { folder: input.options.folder! };
  return {};
}

export function saveSchedule(s: CoreServices, input: ScheduleInput, now: number): SchedulesState {
  check(s, input);
  const clean = { ...input, options: optionsFor(input) };
  s.db.transaction(() => {
    const id = putSchedule(s.db, clean, now);
    const { id: _id, ...details } = clean;
    appendAudit(s.db, { actor: 'user', action: input.id === undefined ? 'schedule.create' : 'schedule.update', targetType: 'schedule', targetId: id, details }, now);
  })();
  s.events.emit('schedules/changed', {});
  return schedulesState(s, now);
}

export function removeSchedule(s: CoreServices, id: number, now: number): SchedulesState {
  const r = getScheduleRecord(s.db, id);
  if (!r) throw new AppError('not-found', `No schedule ${id}`);
  s.db.transaction(() => {
    deleteSchedule(s.db, id);
    appendAudit(s.db, { actor: 'user', action: 'schedule.delete', targetType: 'schedule', targetId: id, details: { name: r.name, kind: r.kind, cron: r.cron } }, now);
  })();
  s.events.emit('schedules/changed', {});
  return schedulesState(s, now);
}

/** Runs a schedule at once, paused or disabled alike: the user asked for it. */
export function runScheduleNow(s: CoreServices, id: number, now: number): RunResult {
  const r = getScheduleRecord(s.db, id);
  if (!r) throw new AppError('not-found', `No schedule ${id}`);
  return runSchedule(s, r, now, { actor: 'user', note: 'Run by hand' });
}

export function pauseSchedules(s: CoreServices, paused: boolean, now: number): SchedulesState {
  s.db.transaction(() => {
    updateSettings(s.db, { schedulesPaused: paused }, now);
    appendAudit(s.db, { actor: 'user', action: paused ? 'schedules.pause' : 'schedules.resume' }, now);
  })();
  s.events.emit('schedules/changed', {});
  return schedulesState(s, now);
}

/**
 * Allowing feed downloads gives a daily refresh unless one exists: the intelligence then stays current while
 * nobody watches (#17 item 8). It is an ordinary schedule, shown and editable on the Schedules view.
 */
export function ensureDailyFeedRefresh(s: CoreServices, now: number): void {
  if (listScheduleRecords(s.db).some((r) => r.kind === 'feeds')) return;
  saveSchedule(s, { kind: 'feeds', name: 'Daily feed refresh', cron: '30 5 * * *', timezone: null, enabled: true, options: {} }, now);
}
