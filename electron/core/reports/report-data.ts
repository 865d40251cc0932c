/**
 * What a report says, collected from SQLite for a period: the executive summary (compliance, KEV exposure,
 * mean time to remediate, exposure of each critical finding), each machine, deployments with the approvals
 * they carried out, rollbacks, and the audit trail. Plain `(db, period)` queries; the HTML, CSV and JSON are
 * all rendered from this one object, whose SHA-256 the report states.
 */
import { createHash } from 'node:crypto';
import { verifyAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { findingReasons, isCriticalFinding, isFinding, type FindingReason } from '../intel/finding';
import { scoreOpenUpdates, scoreUpdatesOpenDuring } from '../intel/open-update-scores';
import { collectAudit, collectDeployments, type AuditLine, type DeploymentLine } from './report-trail';
import type { OutcomeMetrics, RiskBand } from '../../../shared/contract';
import { collectOutcomes, fixStats } from './outcome-metrics';

export interface ReportPeriod {
  from: number;
  to: number;
}

export interface MachineLine {
  id: number;
  name: string;
  address: string;
  os: string;
  criticality: string;
  lastAssessedAt: number | null;
  pending: number;
  /** Open updates that are findings (intel/finding.ts): KEV-listed, high or critical risk, or from a security source. */
  findings: number;
  kev: number;
  rebootRequired: boolean;
  /** Compliant ("patched") when assessed with no open finding, whatever repository its updates come from. */
  status: 'patched' | 'open findings' | 'not assessed';
}

export interface Finding {
  host: string;
  package: string;
  installedVersion: string | null;
  fixedIn: string;
  cves: string[];
  kev: boolean;
  urgency: string | null;
  /** Its risk score and band, as it stood when fixed or at the end of the period. */
  score: number;
  band: RiskBand;
  reasons: FindingReason[];
  openedAt: number;
  resolvedAt: number | null;
  /** Days the machine was exposed within the report's knowledge: detection to fix (or to the period's end). */
  exposureDays: number;
}

export type { AuditLine, DeploymentItemLine, DeploymentLine } from './report-trail';

export interface ReportData {
  title: string;
  generatedAt: number;
  period: ReportPeriod;
  appVersion: string;
  summary: {
    machines: number;
    assessed: number;
    fullyPatched: number;
    /** Percent of assessed machines with no open finding; null when none is assessed. */
    compliancePct: number | null;
    openUpdates: number;
    openFindings: number;
    kevFindings: number;
    kevMachines: number;
    /** Mean days from detection to fix of the findings fixed in the period; null when none was. */
    mttrDays: number | null;
    fixedInPeriod: number;
    deployments: number;
    rollbacks: number;
  };
  machines: MachineLine[];
  critical: Finding[];
  deployments: DeploymentLine[];
  /** Outcome metrics of the period (first-time success, deployment time, detection to fix, KEV exposure, rollbacks). */
  outcomes: OutcomeMetrics;
  audit: AuditLine[];
  /**
   * The chain as Verify sees it (truncation included, against audit-head.log); `head` and `rows` in a report
   * kept elsewhere are themselves a record a later truncation cannot reach.
   */
  auditChain: { ok: boolean; rows: number; head: string; firstBrokenId: number | null; reason: string | null };
}

const DAY = 86_400_000;
const round1 = (n: number): number => Math.round(n * 10) / 10;

export function collectReport(db: Db, period: ReportPeriod, options: { title?: string; appVersion?: string; now?: number } = {}): ReportData {
  const now = options.now ?? Date.now();
  const hosts = db
    .prepare(
      `SELECT h.id, coalesce(h.display_name, h.hostname, h.address) AS name, h.address, coalesce(h.os_name, '') || coalesce(' ' || h.os_version, '') AS os,
              h.criticality, h.last_assessed_at, h.reboot_required,
              (SELECT count(*) FROM pending_updates u WHERE u.host_id = h.id AND u.resolved_at IS NULL) AS pending
       FROM hosts h ORDER BY name COLLATE NOCASE, h.id`,
    )
    .all() as { id: number; name: string; address: string; os: string; criticality: string; last_assessed_at: number | null; reboot_required: number | null; pending: number }[];
  // Findings and KEV exposure from the open updates as the Patches page scores them, never from the repository alone.
  const open = new Map<number, { findings: number; kev: number }>();
  for (const u of scoreOpenUpdates(db, now)) {
    const o = open.get(u.hostId) ?? { findings: 0, kev: 0 };
    if (isFinding(u)) o.findings++;
    if (u.kevCves.length) o.kev++;
    open.set(u.hostId, o);
  }
  const machines: MachineLine[] = hosts.map((h) => {
    const o = open.get(h.id) ?? { findings: 0, kev: 0 };
    return {
      id: h.id,
      name: h.name,
      address: h.address,
      os: h.os.trim() || 'unknown',
      criticality: h.criticality,
      lastAssessedAt: h.last_assessed_at,
      pending: h.pending,
      findings: o.findings,
      kev: o.kev,
      rebootRequired: h.reboot_required === 1,
      status: h.last_assessed_at === null ? 'not assessed' : o.findings === 0 ? 'patched' : 'open findings',
    };
  });
  const assessed = machines.filter((m) => m.status !== 'not assessed');
  const fullyPatched = assessed.filter((m) => m.status === 'patched').length;

  const during = scoreUpdatesOpenDuring(db, period, now).filter(isFinding);
  const fixed = during.filter((u) => u.resolvedAt !== null && u.resolvedAt >= period.from && u.resolvedAt <= period.to);
  const mttr = fixStats(fixed.map((u) => u.resolvedAt! - u.detectedAt)).meanDays;

  // Critical findings: known exploited or scored high or critical, open at some time in the period, from any repository.
  const critical: Finding[] = during
    .filter(isCriticalFinding)
    .map((u) => ({
      host: u.hostLabel,
      package: u.package,
      installedVersion: u.installedVersion,
      fixedIn: u.candidateVersion,
      cves: u.cveList ? u.cveList.split(',') : [],
      kev: u.kevCves.length > 0,
      urgency: u.urgency,
      score: u.score,
      band: u.band,
      reasons: findingReasons(u),
      openedAt: u.detectedAt,
      resolvedAt: u.resolvedAt,
      exposureDays: round1(((u.resolvedAt ?? Math.min(period.to, now)) - u.detectedAt) / DAY),
    }))
    .sort((a, b) => Number(b.kev) - Number(a.kev) || a.openedAt - b.openedAt);

  const deployments = collectDeployments(db, period);
  const audit = collectAudit(db, period);
  const chain = verifyAudit(db);

  return {
    title: options.title ?? 'Patch compliance report',
    generatedAt: now,
    period,
    appVersion: options.appVersion ?? '0.0.0-dev',
    summary: {
      machines: machines.length,
      assessed: assessed.length,
      fullyPatched,
      compliancePct: assessed.length ? round1((fullyPatched / assessed.length) * 100) : null,
      openUpdates: machines.reduce((n, m) => n + m.pending, 0),
      openFindings: machines.reduce((n, m) => n + m.findings, 0),
      kevFindings: machines.reduce((n, m) => n + m.kev, 0),
      kevMachines: machines.filter((m) => m.kev > 0).length,
      mttrDays: mttr,
      fixedInPeriod: fixed.length,
      deployments: deployments.filter((d) => d.rollbackOf === null).length,
      rollbacks: deployments.filter((d) => d.rollbackOf !== null).length,
    },
    machines,
    critical,
    deployments,
    outcomes: collectOutcomes(db, period, now, during),
    audit,
    auditChain: { ok: chain.ok, rows: chain.rows, head: chain.head, firstBrokenId: chain.firstBrokenId, reason: chain.reason },
  };
}

/** Machines in the executive part's chart of open findings per machine. */
export const TOP_MACHINES = 12;

/**
 * What the executive part shows, in the executive summary PDF and at the head of the full report alike: the
 * summary figures, the machines with the most open findings, and the period's outcomes. The summary collects it on
 * its own (report-summary.ts); the full report derives it from its data (executiveOf); a test holds them equal.
 */
export interface ExecutiveFigures {
  summary: ReportData['summary'];
  /** Machines with open findings, the most first (ties in the machines' order), at most TOP_MACHINES. */
  topMachines: { label: string; value: number }[];
  /** The period's outcomes; kevExposure.findings holds only the first rows shown (longest exposure first). */
  outcomes: OutcomeMetrics;
  /** How many known-exploited findings were open in the period, listed or not. */
  kevExposureCount: number;
}

/** The executive summary's own data: summary.json, whose SHA-256 the summary states. */
export interface SummaryData {
  title: string;
  generatedAt: number;
  period: ReportPeriod;
  appVersion: string;
  executive: ExecutiveFigures;
  auditChain: ReportData['auditChain'];
}

/** The executive part of the full report's data, with the first `kevRows` known-exploited findings listed. */
export function executiveOf(data: ReportData, kevRows: number): ExecutiveFigures {
  return {
    summary: data.summary,
    topMachines: topByFindings(data.machines.map((m) => ({ label: m.name, value: m.findings }))),
    outcomes: { ...data.outcomes, kevExposure: { ...data.outcomes.kevExposure, findings: data.outcomes.kevExposure.findings.slice(0, kevRows) } },
    kevExposureCount: data.outcomes.kevExposure.findings.length,
  };
}

/** Machines (in the report's machine order) with findings, the most first; a stable sort keeps ties in that order. */
export function topByFindings(machines: readonly { label: string; value: number }[]): { label: string; value: number }[] {
  return machines.filter((m) => m.value > 0).sort((a, b) => b.value - a.value).slice(0, TOP_MACHINES);
}

/** JSON with object keys sorted at every level: the same data always gives the same bytes, so the same hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The SHA-256 a report or its executive summary states: of its data as canonical JSON. */
export function dataHash(data: ReportData | SummaryData): string {
  return createHash('sha256').update(canonicalJson(data)).digest('hex');
}

/**
 * Audit details as a report prints them: credentials hidden even in rows written before appendAudit hid them
 * (a health-check command with a password). Parsed and re-serialised, so hiding never breaks the JSON.
 */
