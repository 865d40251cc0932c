/**
 * Running schedules. A tick every minute (and one at start-up) runs each schedule whose time has come. A run
 * missed while Patchwell was not running is made once at the next start, however many were missed: an
 * assessment, a feed refresh or a report a few hours late is still worth having. Deployments are not schedules:
 * a machine that missed its maintenance window waits for the next one (deploy-job). While schedules are paused,
 * what falls due is recorded as skipped, so resuming does not start a burst of catch-up runs.
 */
import type { ScheduleOutcome } from '../../../shared/contract';
import { assessJob } from '../assess/assess-job';
import { startFeedRefresh } from '../intel/feed-refresh';
import { firstContactsNeeded } from '../machines/first-contact';
import { appendAudit } from '../audit/audit-log';
import { downloadState, feedSourcesFor } from '../intel/feed-download';
import { listHosts } from '../machines/machine-queries';
import type { CoreServices } from '../services';
import { getSettings } from '../settings';
import { dueRun, localZone, previousRun } from './next-run';
import { startScheduledReport } from './report-run';
import { listScheduleRecords, recordRun, type ScheduleRecord } from './schedule-queries';

export interface RunResult {
  jobId: number | null;
  outcome: ScheduleOutcome;
  message: string;
}

export interface ScheduleClock {
  now(): number;
  /** The zone of schedules that name none (tests pin it). */
  zone?: string;
}

const systemClock: ScheduleClock = { now: () => Date.now() };

const MINUTE = 60_000;
const FIVE_YEARS = 5 * 365 * 86_400_000;

const zoneOf = (r: ScheduleRecord, clock: ScheduleClock): string => r.timezone ?? clock.zone ?? localZone();

/** Starts what one schedule does; never throws for a reason the user can fix (that is the run's outcome). */
function start(s: CoreServices, r: ScheduleRecord, now: number, clock: ScheduleClock, dueAt: number | undefined): RunResult {
  switch (r.kind) {
    case 'assessment': {
      const tag = r.options.tag ?? null;
      const tagged = listHosts(s.db).filter((h) => tag === null || h.tags.includes(tag));
      if (tagged.length === 0) return { jobId: null, outcome: 'skipped', message: tag ? `No machine is tagged ${tag}` : 'No machines to assess' };
      if (s.vault.status().locked) return { jobId: null, outcome: 'failed', message: 'The credential vault is locked: unlock it so schedules can reach the machines' };
      // Nobody is there to allow a first contact: machines never contacted wait for the user's own assessment.
      const firstContacts = new Set(firstContactsNeeded(tagged, (h) => s.vault.resolveFor(h)).map((m) => m.id));
      const hosts = tagged.filter((h) => !firstContacts.has(h.id));
      const leftOut = firstContacts.size > 0
        ? `${firstContacts.size} machine${firstContacts.size === 1 ? '' : 's'} never contacted left out: assess ${firstContacts.size === 1 ? 'it' : 'them'} once from the Machines page to allow the first contact`
        : '';
      if (hosts.length === 0) return { jobId: null, outcome: 'skipped', message: leftOut };
      const settings = getSettings(s.db);
      const jobId = s.jobs.start(
        'assess',
        `${r.name}: assess ${hosts.length === 1 ? hosts[0]!.address : `${hosts.length} machines`}`,
        { ids: hosts.map((h) => h.id), refresh: settings.refreshPackageLists, schedule: r.id },
        assessJob(s, hosts, { refresh: settings.refreshPackageLists, concurrency: settings.maxConcurrentHosts }),
      );
      return { jobId, outcome: 'running', message: `Assessing ${hosts.length} machine${hosts.length === 1 ? '' : 's'}${tag ? ` tagged ${tag}` : ''}${leftOut ? `; ${leftOut}` : ''}` };
    }
    case 'feeds': {
      if (!downloadState(s.db, s.feedSources ?? feedSourcesFor(s.db)).allowed) {
        return { jobId: null, outcome: 'skipped', message: 'Downloading feeds is off (Settings → Vulnerability feeds)' };
      }
      try {
        return { jobId: startFeedRefresh(s, { actor: 'system' }), outcome: 'running', message: 'Downloading feeds' };
      } catch (err) {
        // A refresh already running, or downloads switched off meanwhile: the run says so.
        return { jobId: null, outcome: 'failed', message: err instanceof Error ? err.message : String(err) };
      }
    }
    case 'report': {
      const folder = r.options.folder;
      if (!folder) return { jobId: null, outcome: 'failed', message: 'No folder set for this report' };
      const from = Math.max(r.lastRunAt ?? previousRun(r, zoneOf(r, clock), dueAt ?? now) ?? now - 30 * 86_400_000, now - FIVE_YEARS);
      const jobId = startScheduledReport(s, { id: r.id, name: r.name, folder }, { from: Math.min(from, now - MINUTE), to: now });
      return { jobId, outcome: 'running', message: `Report since ${new Date(from).toISOString().slice(0, 16).replace('T', ' ')} UTC` };
    }
  }
}

/** Runs one schedule now, records and audits the run. */
export function runSchedule(
  s: CoreServices,
  r: ScheduleRecord,
  now: number,
  why: { actor: 'system' | 'user'; note?: string; dueAt?: number },
  clock: ScheduleClock = systemClock,
): RunResult {
  let result: RunResult;
  try {
    result = start(s, r, now, clock, why.dueAt);
  } catch (err) {
    result = { jobId: null, outcome: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
  const message = why.note ? `${result.message}. ${why.note}` : result.message;
  s.db.transaction(() => {
    recordRun(s.db, r.id, { at: now, jobId: result.jobId, outcome: result.outcome, message });
    appendAudit(s.db, {
      actor: why.actor,
      action: 'schedule.run',
      targetType: 'schedule',
      targetId: r.id,
      details: { name: r.name, kind: r.kind, jobId: result.jobId, outcome: result.outcome, message },
    }, now);
  })();
  s.events.emit('schedules/changed', {});
  return { ...result, message };
}

const when = (t: number, zone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(t));

/** Runs every schedule that is due at `now` (skips them while paused); returns the jobs started. */
export function runDueSchedules(s: CoreServices, clock: ScheduleClock = systemClock): number[] {
  const now = clock.now();
  const paused = getSettings(s.db).schedulesPaused;
  const jobs: number[] = [];
  for (const r of listScheduleRecords(s.db)) {
    const zone = zoneOf(r, clock);
    const due = dueRun(r, zone, now);
    if (!due) continue;
    if (paused) {
      recordRun(s.db, r.id, { at: now, jobId: null, outcome: 'skipped', message: `Not run at ${when(due.at, zone)}: schedules were paused` });
      s.events.emit('schedules/changed', {});
      continue;
    }
    // More than a couple of ticks late: Patchwell (or the computer) was not running at the time.
    const late = now - due.at > 2 * MINUTE;
    const note = late
      ? `Caught up: due ${when(due.at, zone)}${due.missed > 0 ? ` (and ${due.missed} more time${due.missed === 1 ? '' : 's'} since)` : ''} while Patchwell was not running; run once now`
      : undefined;
    const res = runSchedule(s, r, now, { actor: 'system', dueAt: due.at, ...(note ? { note } : {}) }, clock);
    if (res.jobId !== null) jobs.push(res.jobId);
  }
  return jobs;
}

/** Checks the schedules now and then every minute; returns the stop function. */
export function startSchedules(s: CoreServices, clock: ScheduleClock = systemClock, everyMs = MINUTE): () => void {
  const tick = (): void => {
    try {
      runDueSchedules(s, clock);
    } catch (err) {
      // A broken schedule row must not stop the core; the next tick tries again. Say so where it can be read.
      console.error(`Schedules: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
