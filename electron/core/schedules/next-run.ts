/**
 * When schedules run: croner reads the expression in the schedule's zone. Pure over epoch milliseconds (the
 * caller passes `now`), so tests pin any instant.
 */
import { Cron } from 'croner';
import { isTimeZone } from '../deploy/window';

export interface Timed {
  cron: string;
  timezone: string | null;
  enabled: boolean;
  createdAt: number;
  /** The last edit (enabling one counts): a schedule changed starts afresh, what it missed before is not made up. */
  updatedAt: number;
  lastRunAt: number | null;
}

/** The zone of the computer running Patchwell, for schedules that name none. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function cronOf(expression: string, zone: string): Cron {
  // paused: the object only computes times; the scheduler's own tick decides when to run.
  return new Cron(expression, { timezone: zone, paused: true });
}

/** Why the expression or zone cannot be used, or null. Only five fields (no seconds, no years). */
export function cronProblem(expression: string, zone: string | null): string | null {
  if (zone !== null && !isTimeZone(zone)) return `Unknown time zone ${zone}: use an IANA zone such as Europe/Berlin`;
  if (expression.trim().split(/\s+/).length !== 5) return 'Give five fields: minute hour day-of-month month day-of-week';
  try {
    const c = cronOf(expression, zone ?? 'UTC');
    if (c.nextRun(new Date(0)) === null) return 'This expression never runs';
    return null;
  } catch (err) {
    return `Not a valid schedule: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The next `count` run times after `now` (none while disabled). */
export function nextRuns(s: Timed, zone: string, now: number, count = 3): number[] {
  if (!s.enabled) return [];
  return cronOf(s.cron, zone).nextRuns(count, new Date(now)).map((d) => d.getTime());
}

/**
 * The run that is due at `now`: the first scheduled time after the schedule's last run, creation or edit (the
 * latest) that is not in the future; null when none is. `missed` counts the scheduled times after that one that have also
 * passed (the computer was off or Patchwell closed): they are not run again, one run catches up for all.
 */
export function dueRun(s: Timed, zone: string, now: number): { at: number; missed: number } | null {
  if (!s.enabled) return null;
  const c = cronOf(s.cron, zone);
  const first = c.nextRun(new Date(Math.max(s.lastRunAt ?? s.createdAt, s.updatedAt)));
  if (!first || first.getTime() > now) return null;
  let missed = 0;
  let t: Date | null = first;
  // Bounded: a minute-by-minute expression left for a month would otherwise count forty thousand times.
  while (missed < 1000) {
    t = c.nextRun(t);
    if (!t || t.getTime() > now) break;
    missed++;
  }
  return { at: first.getTime(), missed };
}

/** The scheduled time before `at` (what a report's period starts from when the schedule never ran); null if none. */
export function previousRun(s: Pick<Timed, 'cron'>, zone: string, at: number): number | null {
  const [before] = cronOf(s.cron, zone).previousRuns(1, new Date(at));
  return before ? before.getTime() : null;
}
