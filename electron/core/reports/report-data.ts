/**
 * What a report says, collected from SQLite for a period: the executive summary (compliance, KEV exposure,
 * mean time to remediate, exposure of each critical finding), each machine, deployments with the approvals
 * they carried out, rollbacks, and the audit trail. Plain `(db, period)` queries; the HTML, CSV and JSON are
 * all rendered from this one object, whose SHA-256 the report states.
 */
import { createHash } from 'node:crypto';
import { verifyAudit } from '../audit/audit-log';
import { redactDeep, redactSecrets } from '../../../shared/redact';
import type { Db } from '../db/open';

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
  security: number;
  kev: number;
  rebootRequired: boolean;
  status: 'patched' | 'missing security updates' | 'not assessed';
}

export interface Finding {
  host: string;
  package: string;
  installedVersion: string | null;
  fixedIn: string;
  cves: string[];
  kev: boolean;
  urgency: string | null;
  openedAt: number;
  resolvedAt: number | null;
  /** Days the machine was exposed within the report's knowledge: detection to fix (or to the period's end). */
  exposureDays: number;
}

export interface DeploymentLine {
  id: number;
  title: string;
  state: string;
  createdAt: number;
  finishedAt: number | null;
  createdBy: string;
  machines: number;
  succeeded: number;
  rolledBack: number;
  failed: number;
  rollbackOf: number | null;
  items: { host: string; package: string; from: string | null; to: string; result: string | null; state: string; approvedBy: string | null; approvedAt: number | null }[];
}

export interface AuditLine {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  details: string;
}

export interface ReportData {
  title: string;
  generatedAt: number;
  period: ReportPeriod;
  appVersion: string;
  summary: {
    machines: number;
    assessed: number;
    fullyPatched: number;
    /** Percent of assessed machines with no open security update; null when none is assessed. */
    compliancePct: number | null;
    openUpdates: number;
    openSecurity: number;
    kevFindings: number;
    kevMachines: number;
    /** Mean days from detection to fix of the security updates fixed in the period; null when none was. */
    mttrDays: number | null;
    fixedInPeriod: number;
    deployments: number;
    rollbacks: number;
  };
  machines: MachineLine[];
  critical: Finding[];
  deployments: DeploymentLine[];
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
              (SELECT count(*) FROM pending_updates u WHERE u.host_id = h.id AND u.resolved_at IS NULL) AS pending,
              (SELECT count(*) FROM pending_updates u WHERE u.host_id = h.id AND u.resolved_at IS NULL AND u.is_security = 1) AS security,
              (SELECT count(DISTINCT u.id) FROM pending_updates u JOIN advisories a ON a.pending_update_id = u.id JOIN kev k ON k.cve_id = a.cve_id
                 WHERE u.host_id = h.id AND u.resolved_at IS NULL) AS kev
       FROM hosts h ORDER BY name COLLATE NOCASE`,
    )
    .all() as { id: number; name: string; address: string; os: string; criticality: string; last_assessed_at: number | null; reboot_required: number | null; pending: number; security: number; kev: number }[];
  const machines: MachineLine[] = hosts.map((h) => ({
    id: h.id,
    name: h.name,
    address: h.address,
    os: h.os.trim() || 'unknown',
    criticality: h.criticality,
    lastAssessedAt: h.last_assessed_at,
    pending: h.pending,
    security: h.security,
    kev: h.kev,
    rebootRequired: h.reboot_required === 1,
    status: h.last_assessed_at === null ? 'not assessed' : h.security === 0 ? 'patched' : 'missing security updates',
  }));
  const assessed = machines.filter((m) => m.status !== 'not assessed');
  const fullyPatched = assessed.filter((m) => m.status === 'patched').length;

  const fixed = db
    .prepare('SELECT detected_at, resolved_at FROM pending_updates WHERE is_security = 1 AND resolved_at BETWEEN ? AND ?')
    .all(period.from, period.to) as { detected_at: number; resolved_at: number }[];
  const mttr = fixed.length ? fixed.reduce((n, f) => n + (f.resolved_at - f.detected_at), 0) / fixed.length / DAY : null;

  // Critical findings: security updates fixing a known-exploited CVE or of high urgency, open at some time in the period.
  const rows = db
    .prepare(
      `SELECT u.id, coalesce(h.display_name, h.hostname, h.address) AS host, u.package, u.installed_version, u.candidate_version, u.urgency,
              u.detected_at, u.resolved_at, group_concat(a.cve_id) AS cves, max(k.cve_id IS NOT NULL) AS kev
       FROM pending_updates u JOIN hosts h ON h.id = u.host_id
       LEFT JOIN advisories a ON a.pending_update_id = u.id LEFT JOIN kev k ON k.cve_id = a.cve_id
       WHERE u.is_security = 1 AND u.detected_at <= ? AND (u.resolved_at IS NULL OR u.resolved_at >= ?)
       GROUP BY u.id
       HAVING kev = 1 OR lower(coalesce(u.urgency, '')) IN ('high', 'critical', 'emergency', 'important')
       ORDER BY kev DESC, u.detected_at`,
    )
    .all(period.to, period.from) as {
    host: string; package: string; installed_version: string | null; candidate_version: string; urgency: string | null;
    detected_at: number; resolved_at: number | null; cves: string | null; kev: number;
  }[];
  const critical: Finding[] = rows.map((r) => ({
    host: r.host,
    package: r.package,
    installedVersion: r.installed_version,
    fixedIn: r.candidate_version,
    cves: r.cves ? [...new Set(r.cves.split(','))].sort() : [],
    kev: r.kev === 1,
    urgency: r.urgency,
    openedAt: r.detected_at,
    resolvedAt: r.resolved_at,
    exposureDays: round1(((r.resolved_at ?? Math.min(period.to, now)) - r.detected_at) / DAY),
  }));

  const deps = db
    .prepare('SELECT id, title, state, created_at, finished_at, created_by, rollback_of FROM deployments WHERE created_at BETWEEN ? AND ? ORDER BY id')
    .all(period.from, period.to) as { id: number; title: string; state: string; created_at: number; finished_at: number | null; created_by: string; rollback_of: number | null }[];
  const targetCounts = db.prepare('SELECT state, count(*) AS n FROM deployment_targets WHERE deployment_id = ? GROUP BY state');
  const items = db.prepare(
    `SELECT coalesce(h.display_name, h.hostname, h.address) AS host, i.package, i.from_version, i.to_version, i.result_version, i.state,
            a.approved_by, a.approved_at
     FROM deployment_items i JOIN hosts h ON h.id = i.host_id LEFT JOIN approvals a ON a.id = i.approval_id
     WHERE i.deployment_id = ? ORDER BY host, i.package`,
  );
  const deployments: DeploymentLine[] = deps.map((d) => {
    const counts = new Map((targetCounts.all(d.id) as { state: string; n: number }[]).map((c) => [c.state, c.n]));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    return {
      id: d.id,
      title: d.title,
      state: d.state,
      createdAt: d.created_at,
      finishedAt: d.finished_at,
      createdBy: d.created_by,
      machines: total,
      succeeded: counts.get('succeeded') ?? 0,
      rolledBack: counts.get('rolled-back') ?? 0,
      failed: (counts.get('failed') ?? 0) + (counts.get('rollback-failed') ?? 0),
      rollbackOf: d.rollback_of,
      items: (items.all(d.id) as { host: string; package: string; from_version: string | null; to_version: string; result_version: string | null; state: string; approved_by: string | null; approved_at: number | null }[]).map((i) => ({
        host: i.host, package: i.package, from: i.from_version, to: i.to_version, result: i.result_version, state: i.state, approvedBy: i.approved_by, approvedAt: i.approved_at,
      })),
    };
  });

  const audit = (
    db.prepare('SELECT id, ts, actor, action, target_type, target_id, details FROM audit_log WHERE ts BETWEEN ? AND ? ORDER BY id').all(period.from, period.to) as {
      id: number; ts: number; actor: string; action: string; target_type: string | null; target_id: string | null; details: string;
    }[]
  ).map((a) => ({ id: a.id, ts: a.ts, actor: a.actor, action: a.action, target: a.target_type ? `${a.target_type} ${a.target_id ?? ''}`.trim() : '', details: reportDetails(a.details) }));
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
      openSecurity: machines.reduce((n, m) => n + m.security, 0),
      kevFindings: machines.reduce((n, m) => n + m.kev, 0),
      kevMachines: machines.filter((m) => m.kev > 0).length,
      mttrDays: mttr === null ? null : round1(mttr),
      fixedInPeriod: fixed.length,
      deployments: deployments.filter((d) => d.rollbackOf === null).length,
      rollbacks: deployments.filter((d) => d.rollbackOf !== null).length,
    },
    machines,
    critical,
    deployments,
    audit,
    auditChain: { ok: chain.ok, rows: chain.rows, head: chain.head, firstBrokenId: chain.firstBrokenId, reason: chain.reason },
  };
}

/** JSON with object keys sorted at every level: the same data always gives the same bytes, so the same hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function dataHash(data: ReportData): string {
  return createHash('sha256').update(canonicalJson(data)).digest('hex');
}

/**
 * Audit details as a report prints them: credentials hidden even in rows written before appendAudit hid them
 * (a health-check command with a password). Parsed and re-serialised, so hiding never breaks the JSON.
 */
function reportDetails(details: string): string {
  try {
    return JSON.stringify(redactDeep(JSON.parse(details) as unknown));
  } catch {
    return redactSecrets(details);
  }
}
