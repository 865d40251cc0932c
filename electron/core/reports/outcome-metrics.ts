/**
 * Outcome metrics of a period: how often deployments succeed the first time, how long a machine takes, how long
 * findings wait for their fix, how long every known-exploited finding stayed open, and why machines were rolled
 * back. Read from the deployments, the open/fixed updates and fleet memory; the period and "now" come from the
 * caller (the report's period, the Dashboard's clock), never from this module. Each figure carries the sentence
 * that says how it is computed, shown beside it wherever it is printed.
 */
import type { OutcomeMetrics } from '../../../shared/contract';
import type { Db } from '../db/open';
import { isFinding } from '../intel/finding';
import { scoreUpdatesOpenDuring, type ScoredUpdate } from '../intel/open-update-scores';

export interface Period {
  from: number;
  to: number;
}

const DAY = 86_400_000;
const round1 = (n: number): number => Math.round(n * 10) / 10;

export const HOW = {
  firstTimeSuccess:
    'Machines a deployment finished on in the period (rollbacks themselves not counted); a machine counts as a first-time success when every such deployment succeeded on it, was not rolled back since, and was not a retry (the same version deployed to the same machine by an earlier deployment).',
  deployTime:
    'For each machine of each deployment finished in the period: from the start of its first step (preflight) to its end, whatever the outcome. Median of these times (the mean of the two middle ones when their number is even) and the slowest.',
  detectionToFix:
    'Findings (known-exploited, high or critical risk, or from a security source) fixed in the period: days from the assessment that first found the update missing to the one (or the deployment) that found it installed. Mean and 90th percentile (nearest rank); known-exploited (KEV) findings also on their own.',
  kevExposure:
    'Every finding on CISA’s Known Exploited Vulnerabilities list open at some time in the period: days from detection to its fix, or to the end of the period (or now) while still open.',
  rollbacksByCause:
    'Machines rolled back in the period, automatically after a failed install, verification or health check, or by hand; one per machine and deployment, by the cause fleet memory recorded.',
} as const;

/** The median: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile by nearest rank: the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

const mean = (values: readonly number[]): number | null => (values.length ? values.reduce((n, v) => n + v, 0) / values.length : null);

/**
 * Mean and 90th percentile in days of detection-to-fix times given in milliseconds. The mean divides the
 * milliseconds' integer sum, exact in any order, so the executive summary's own collection (report-summary.ts),
 * which reads the times in another order, gives the very same figure.
 */
export function fixStats(ms: readonly number[]): { count: number; meanDays: number | null; p90Days: number | null } {
  const m = mean(ms);
  const p = percentile(ms, 90);
  return { count: ms.length, meanDays: m === null ? null : round1(m / DAY), p90Days: p === null ? null : round1(p / DAY) };
}

interface TargetRow {
  deployment_id: number;
  host_id: number;
  label: string;
  state: string;
  started_at: number | null;
  finished_at: number;
  retry: number;
}

/**
 * `findingsDuring` is scoreUpdatesOpenDuring(db, period, now) filtered by isFinding, when the caller has it already:
 * a report scores the year's updates once (scoring 60,000 of them is most of the report's query time).
 */
export function collectOutcomes(db: Db, period: Period, now: number, findingsDuring?: readonly ScoredUpdate[]): OutcomeMetrics {
  const during = findingsDuring ?? scoreUpdatesOpenDuring(db, period, now).filter(isFinding);
  const fixed = during.filter((u) => u.resolvedAt !== null && u.resolvedAt >= period.from && u.resolvedAt <= period.to);
  const fixMs = (us: typeof fixed): number[] => us.map((u) => u.resolvedAt! - u.detectedAt);
  const kevFindings = sortKevExposure(during
    .filter((u) => u.kevCves.length > 0)
    .map((u) => kevExposureLine({ host: u.hostLabel, package: u.package, fixedIn: u.candidateVersion, cves: [...u.kevCves], detectedAt: u.detectedAt, resolvedAt: u.resolvedAt }, period, now)));
  return {
    period: { from: period.from, to: period.to },
    ...deploymentOutcomes(db, period),
    detectionToFix: { all: fixStats(fixMs(fixed)), kev: fixStats(fixMs(fixed.filter((u) => u.kevCves.length > 0))), how: HOW.detectionToFix },
    kevExposure: { findings: kevFindings, totalDays: kevTotalDays(kevFindings), how: HOW.kevExposure },
  };
}

type KevExposureLine = OutcomeMetrics['kevExposure']['findings'][number];

/** A known-exploited finding's exposure in the period: to its fix, or to the period's end (or now) while open. */
export function kevExposureLine(
  u: { host: string; package: string; fixedIn: string; cves: string[]; detectedAt: number; resolvedAt: number | null },
  period: Period,
  now: number,
): KevExposureLine {
  const end = Math.min(period.to, now);
  const resolvedAt = u.resolvedAt !== null && u.resolvedAt <= end ? u.resolvedAt : null;
  return { host: u.host, package: u.package, fixedIn: u.fixedIn, cves: u.cves, openedAt: u.detectedAt, resolvedAt, days: round1(Math.max(0, (resolvedAt ?? end) - u.detectedAt) / DAY) };
}

/** Longest exposure first; the order is total, so two collections of the same findings list them alike. */
export function sortKevExposure(lines: KevExposureLine[]): KevExposureLine[] {
  return lines.sort((a, b) => b.days - a.days || a.host.localeCompare(b.host) || a.package.localeCompare(b.package) ||
    a.openedAt - b.openedAt || a.fixedIn.localeCompare(b.fixedIn) || a.cves.join(',').localeCompare(b.cves.join(',')));
}

/** The sum of the exposures in tenths of days, as integers: the same total whatever order they are added in. */
export function kevTotalDays(lines: readonly KevExposureLine[]): number {
  return lines.reduce((n, f) => n + Math.round(f.days * 10), 0) / 10;
}

/**
 * The figures read from the deployments and fleet memory alone (first-time success, deployment time, rollbacks by
 * cause): the executive summary reads them as they are, without the year's scored updates.
 */
export function deploymentOutcomes(db: Db, period: Period): Pick<OutcomeMetrics, 'firstTimeSuccess' | 'deployTime' | 'rollbacksByCause'> {
  // Machines of deployments (not rollbacks) that finished in the period with an outcome; `retry` when an earlier
  // deployment already carried one of its versions to the same machine.
  const targets = db
    .prepare(
      `SELECT t.deployment_id, t.host_id, coalesce(h.display_name, h.hostname, h.address) AS label, t.state, t.started_at, t.finished_at,
         EXISTS (SELECT 1 FROM deployment_items i JOIN deployment_items p ON p.host_id = i.host_id AND p.package = i.package AND p.to_version = i.to_version
                 JOIN deployments pd ON pd.id = p.deployment_id
                 WHERE i.deployment_id = t.deployment_id AND i.host_id = t.host_id AND p.deployment_id < t.deployment_id AND pd.rollback_of IS NULL) AS retry
       FROM deployment_targets t JOIN deployments d ON d.id = t.deployment_id JOIN hosts h ON h.id = t.host_id
       WHERE d.rollback_of IS NULL AND t.finished_at IS NOT NULL AND t.finished_at >= ? AND t.finished_at <= ?
         AND t.state IN ('succeeded','failed','rolled-back','rollback-failed')
       ORDER BY t.finished_at`,
    )
    .all(period.from, period.to) as TargetRow[];

  const byMachine = new Map<number, boolean>();
  for (const t of targets) byMachine.set(t.host_id, (byMachine.get(t.host_id) ?? true) && t.state === 'succeeded' && t.retry === 0);
  const firstTime = [...byMachine.values()].filter(Boolean).length;

  const timed = targets.filter((t) => t.started_at !== null && t.finished_at >= t.started_at);
  const seconds = timed.map((t) => (t.finished_at - t.started_at!) / 1000);
  const slowest = timed.reduce<TargetRow | null>((worst, t) => (!worst || t.finished_at - t.started_at! > worst.finished_at - worst.started_at! ? t : worst), null);

  const causes = db
    .prepare(
      `SELECT cause, count(*) AS n FROM (
         SELECT DISTINCT deployment_id, host_id, host_label, event, cause FROM version_events
         WHERE event IN ('rolled-back','rolled-back-by-hand','rollback-failed') AND at >= ? AND at <= ?)
       GROUP BY cause ORDER BY n DESC, cause`,
    )
    .all(period.from, period.to) as { cause: string; n: number }[];

  const med = median(seconds);
  return {
    firstTimeSuccess: {
      machines: byMachine.size,
      firstTime,
      pct: byMachine.size ? round1((firstTime / byMachine.size) * 100) : null,
      how: HOW.firstTimeSuccess,
    },
    deployTime: {
      machines: timed.length,
      medianSeconds: med === null ? null : round1(med),
      slowest: slowest ? { hostLabel: slowest.label, seconds: round1((slowest.finished_at - slowest.started_at!) / 1000), deploymentId: slowest.deployment_id } : null,
      how: HOW.deployTime,
    },
    rollbacksByCause: { total: causes.reduce((n, c) => n + c.n, 0), causes: causes.map((c) => ({ cause: c.cause, count: c.n })), how: HOW.rollbacksByCause },
  };
}

/** Seconds as people read a duration: "42 s", "3 min 5 s", "1 h 2 min". */
export function formatSeconds(s: number | null): string {
  if (s === null) return 'n/a';
  if (s < 60) return `${round1(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
