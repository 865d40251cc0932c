/**
 * The executive summary's own collection: only what its pages show (counts, compliance, the machines with the most
 * findings, the period's outcomes and its worst known-exploited exposures), counted by SQLite, so the summary is
 * printed before the full report's data (a year of scored updates, every deployment line, the audit trail) is
 * read at all. The figures must equal the full report's executive part (executiveOf in report-data.ts):
 * report-summary.test.ts collects both from one fixture and compares them.
 *
 * Most updates need no risk score to know whether they are findings: one from a security source or fixing a
 * known-exploited CVE always is, and one that neither comes from a security source nor names a CVE never scores
 * high (checked against the formula itself below). Only the rest, those naming CVEs from an ordinary repository,
 * are scored, each as the full report scores it.
 */
import { verifyAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { cveIntelOf, intelForCves } from '../intel/patch-queries';
import { scoreUpdate } from '../intel/risk-score';
import { hostProfiles } from '../machines/machine-profile';
import { deploymentOutcomes, fixStats, HOW, kevExposureLine, kevTotalDays, sortKevExposure } from './outcome-metrics';
import { topByFindings, type ExecutiveFigures, type ReportPeriod, type SummaryData } from './report-data';

const DAY = 86_400_000;
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Whether its CVEs include one on the KEV list (pending_updates.cve_list is kept from advisories). */
const KEV = 'EXISTS (SELECT 1 FROM advisories a JOIN kev k ON k.cve_id = a.cve_id WHERE a.pending_update_id = u.id)';
const DURING = 'u.detected_at <= @to AND (u.resolved_at IS NULL OR u.resolved_at >= @from)';

/**
 * Whether an update neither from a security source nor naming a CVE can ever be a finding (score high): asked of
 * the formula with everything else at its worst, so a change to the formula makes the summary score those too
 * rather than silently disagree with the full report.
 */
function plainUpdatesCanBeFindings(): boolean {
  const worst = scoreUpdate({
    package: 'any',
    cves: [],
    vendorSeverity: 'critical',
    isSecurity: false,
    detectedAt: 0,
    machine: { criticality: 'critical', exposed: true, listeningServices: [80, 443, 3389, 445, 5985, 5986] },
    now: 1000 * 7 * DAY,
  });
  return worst.band === 'high' || worst.band === 'critical';
}

/** Updates whose being a finding depends on their score: not from a security source, no KEV CVE. */
function undecided(): string {
  return `u.is_security = 0 AND NOT ${KEV}${plainUpdatesCanBeFindings() ? '' : ' AND u.cve_list IS NOT NULL'}`;
}

interface UndecidedRow {
  host_id: number;
  package: string;
  urgency: string | null;
  detected_at: number;
  resolved_at: number | null;
  cve_list: string | null;
}

/** Which of `rows` score high or critical when scored at `scoredAt(row)`, exactly as open-update-scores.ts scores them. */
function scoredFindings(db: Db, rows: readonly UndecidedRow[], scoredAt: (r: UndecidedRow) => number): UndecidedRow[] {
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.flatMap((r) => (r.cve_list ? r.cve_list.split(',') : [])))];
  const intel = intelForCves(db, ids);
  const profiles = hostProfiles(db);
  return rows.filter((r) => {
    const p = profiles.get(r.host_id)!;
    const { band } = scoreUpdate({
      package: r.package,
      cves: (r.cve_list ? r.cve_list.split(',') : []).map((id) => cveIntelOf(id, intel.get(id))),
      vendorSeverity: r.urgency,
      isSecurity: r.cve_list !== null,
      detectedAt: r.detected_at,
      machine: { criticality: p.criticality, exposed: p.exposed, listeningServices: p.openPorts },
      now: scoredAt(r),
    });
    return band === 'high' || band === 'critical';
  });
}

/** Each machine's open updates and findings now, in the full report's machine order. */
function machineCounts(db: Db, now: number): { id: number; name: string; assessed: boolean; pending: number; findings: number; kev: number }[] {
  const rows = db
    .prepare(
      `WITH o AS (SELECT u.host_id, u.is_security, ${KEV} AS kev FROM pending_updates u WHERE u.resolved_at IS NULL)
       SELECT h.id, coalesce(h.display_name, h.hostname, h.address) AS name, h.last_assessed_at IS NOT NULL AS assessed,
         count(o.host_id) AS pending, coalesce(sum(o.is_security = 1 OR o.kev), 0) AS findings, coalesce(sum(o.kev), 0) AS kev
       FROM hosts h LEFT JOIN o ON o.host_id = h.id GROUP BY h.id ORDER BY name COLLATE NOCASE, h.id`,
    )
    .all() as { id: number; name: string; assessed: number; pending: number; findings: number; kev: number }[];
  const scored = scoredFindings(
    db,
    db.prepare(`SELECT u.host_id, u.package, u.urgency, u.detected_at, u.resolved_at, u.cve_list FROM pending_updates u WHERE u.resolved_at IS NULL AND ${undecided()}`).all() as UndecidedRow[],
    () => now,
  );
  const more = new Map<number, number>();
  for (const r of scored) more.set(r.host_id, (more.get(r.host_id) ?? 0) + 1);
  return rows.map((r) => ({ ...r, assessed: r.assessed === 1, findings: r.findings + (more.get(r.id) ?? 0) }));
}

/** Detection-to-fix times (ms) of the findings fixed in the period, all and known-exploited. */
function fixTimes(db: Db, period: ReportPeriod, now: number): { all: number[]; kev: number[] } {
  const fixedIn = `${DURING} AND u.resolved_at <= @to`;
  const sure = db
    .prepare(`SELECT u.resolved_at - u.detected_at, ${KEV} FROM pending_updates u WHERE ${fixedIn} AND (u.is_security = 1 OR ${KEV})`)
    .raw()
    .all(period) as [number, number][];
  const scored = scoredFindings(
    db,
    db.prepare(`SELECT u.host_id, u.package, u.urgency, u.detected_at, u.resolved_at, u.cve_list FROM pending_updates u WHERE ${fixedIn} AND ${undecided()}`).all(period) as UndecidedRow[],
    (r) => Math.min(r.resolved_at!, period.to, now),
  );
  return { all: [...sure.map(([ms]) => ms), ...scored.map((r) => r.resolved_at! - r.detected_at)], kev: sure.filter(([, kev]) => kev === 1).map(([ms]) => ms) };
}

/** Every known-exploited finding open in the period, longest exposure first: `shown` of them, their number and total. */
function kevExposure(db: Db, period: ReportPeriod, now: number, shown: number): { findings: ReturnType<typeof sortKevExposure>; count: number; totalDays: number } {
  const rows = db
    .prepare(
      `SELECT coalesce(h.display_name, h.hostname, h.address) AS host, u.package, u.candidate_version AS fixedIn, u.detected_at AS detectedAt, u.resolved_at AS resolvedAt,
         (SELECT group_concat(cve_id, ',') FROM (SELECT a.cve_id FROM advisories a JOIN kev k ON k.cve_id = a.cve_id WHERE a.pending_update_id = u.id ORDER BY a.cve_id)) AS cves
       FROM pending_updates u JOIN hosts h ON h.id = u.host_id WHERE ${DURING} AND ${KEV}`,
    )
    .all(period) as { host: string; package: string; fixedIn: string; detectedAt: number; resolvedAt: number | null; cves: string }[];
  const lines = sortKevExposure(rows.map((r) => kevExposureLine({ ...r, cves: r.cves.split(',') }, period, now)));
  return { findings: lines.slice(0, shown), count: lines.length, totalDays: kevTotalDays(lines) };
}

/** The executive figures of `period`, with the first `kevRows` known-exploited findings listed. */
export function collectExecutive(db: Db, period: ReportPeriod, now: number, kevRows: number): ExecutiveFigures {
  const machines = machineCounts(db, now);
  const assessed = machines.filter((m) => m.assessed);
  const fullyPatched = assessed.filter((m) => m.findings === 0).length;
  const fixes = fixTimes(db, period, now);
  const kev = kevExposure(db, period, now, kevRows);
  const deployments = db
    .prepare('SELECT coalesce(sum(rollback_of IS NULL), 0) AS deployments, coalesce(sum(rollback_of IS NOT NULL), 0) AS rollbacks FROM deployments WHERE created_at BETWEEN ? AND ?')
    .get(period.from, period.to) as { deployments: number; rollbacks: number };
  const sum = (pick: (m: (typeof machines)[number]) => number): number => machines.reduce((n, m) => n + pick(m), 0);
  return {
    summary: {
      machines: machines.length,
      assessed: assessed.length,
      fullyPatched,
      compliancePct: assessed.length ? round1((fullyPatched / assessed.length) * 100) : null,
      openUpdates: sum((m) => m.pending),
      openFindings: sum((m) => m.findings),
      kevFindings: sum((m) => m.kev),
      kevMachines: machines.filter((m) => m.kev > 0).length,
      mttrDays: fixStats(fixes.all).meanDays,
      fixedInPeriod: fixes.all.length,
      deployments: deployments.deployments,
      rollbacks: deployments.rollbacks,
    },
    topMachines: topByFindings(machines.map((m) => ({ label: m.name, value: m.findings }))),
    outcomes: {
      period: { from: period.from, to: period.to },
      ...deploymentOutcomes(db, period),
      detectionToFix: { all: fixStats(fixes.all), kev: fixStats(fixes.kev), how: HOW.detectionToFix },
      kevExposure: { findings: kev.findings, totalDays: kev.totalDays, how: HOW.kevExposure },
    },
    kevExposureCount: kev.count,
  };
}

/** The executive summary's data: its figures and the audit chain as Verify sees it. */
export function collectSummary(db: Db, period: ReportPeriod, kevRows: number, options: { title?: string; appVersion?: string; now?: number } = {}): SummaryData {
  const now = options.now ?? Date.now();
  const chain = verifyAudit(db);
  return {
    title: options.title ?? 'Patch compliance report',
    generatedAt: now,
    period,
    appVersion: options.appVersion ?? '0.0.0-dev',
    executive: collectExecutive(db, period, now, kevRows),
    auditChain: { ok: chain.ok, rows: chain.rows, head: chain.head, firstBrokenId: chain.firstBrokenId, reason: chain.reason },
  };
}
