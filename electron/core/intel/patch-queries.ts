/**
 * The Patches page's data: every open update on every machine with the intelligence about its CVEs,
 * read in three set-based queries (no per-row lookups) so it stays fast at fleet scale.
 */
import type { Criticality } from '../../../shared/contract';
import type { Db } from '../db/open';
import { hostProfiles } from '../machines/machine-profile';
import { blockedPackages } from './policy-queries';
import { normalizeSeverity, type CveIntel } from './risk-score';

export interface OpenUpdateRow {
  id: number;
  hostId: number;
  hostLabel: string;
  criticality: Criticality;
  exposed: boolean;
  openPorts: number[];
  rebootRequired: boolean;
  package: string;
  arch: string;
  installedVersion: string | null;
  candidateVersion: string;
  isSecurity: boolean;
  urgency: string | null;
  detectedAt: number;
  approved: boolean;
  /** The update's CVE ids, sorted and comma-joined (pending_updates.cve_list), or null when it names none. */
  cveList: string | null;
  /** When it was fixed; null while open (always null in listOpenUpdateRows without a period). */
  resolvedAt: number | null;
}

/** A time window: updates open at any moment of it, fixed since or not (a report's period). */
export interface OpenDuring {
  from: number;
  to: number;
}

const OPEN_NOW = 'resolved_at IS NULL';
const OPEN_DURING = 'detected_at <= @to AND (resolved_at IS NULL OR resolved_at >= @from)';

export interface CveFacts {
  kev: { dateAdded: string; dueDate: string | null; ransomware: boolean } | null;
  epss: { score: number; percentile: number } | null;
  /** The highest CVSS base score OSV or Microsoft gives, with its source. */
  cvss: { score: number; version: string; source: string } | null;
  /** The highest severity the Debian tracker, Ubuntu (OSV) or Microsoft gives. */
  vendorSeverity: { label: string; source: string } | null;
  /** The earliest publication of a fix (OSV advisory, Microsoft's monthly release). */
  fixPublished: { at: number; source: string } | null;
}

/** Every open update, or with `during` every update open at some time in that window. */
export function listOpenUpdateRows(db: Db, during?: OpenDuring): OpenUpdateRow[] {
  // Machine facts once per machine rather than once per update row.
  const hosts = new Map<number, { label: string; criticality: Criticality; exposed: boolean; openPorts: number[]; rebootRequired: boolean }>();
  const profiles = hostProfiles(db);
  for (const h of db.prepare('SELECT id, COALESCE(display_name, hostname, address) AS label, reboot_required FROM hosts').all() as {
    id: number;
    label: string;
    reboot_required: number | null;
  }[]) {
    const p = profiles.get(h.id)!;
    hosts.set(h.id, { label: h.label, criticality: p.criticality, exposed: p.exposed, openPorts: p.openPorts, rebootRequired: h.reboot_required === 1 });
  }
  const approved = new Set(
    (db.prepare(`SELECT host_id, package, arch, to_version FROM approvals WHERE state = 'approved'`).all() as { host_id: number; package: string; arch: string; to_version: string }[]).map(
      (a) => `${a.host_id}\u0000${a.package}\u0000${a.arch}\u0000${a.to_version}`,
    ),
  );
  const stmt = db
    .prepare(
      `SELECT id, host_id, package, arch, installed_version, candidate_version, is_security, urgency, detected_at, cve_list, resolved_at
       FROM pending_updates WHERE ${during ? OPEN_DURING : OPEN_NOW}`,
    )
    .raw();
  const rows = (during ? stmt.all(during) : stmt.all()) as [number, number, string, string, string | null, string, number, string | null, number, string | null, number | null][];
  const out: OpenUpdateRow[] = [];
  for (const [id, hostId, pkg, arch, installed, candidate, security, urgency, detectedAt, cveList, resolvedAt] of rows) {
    const h = hosts.get(hostId);
    if (!h) continue;
    out.push({
      id,
      hostId,
      hostLabel: h.label,
      criticality: h.criticality,
      exposed: h.exposed,
      openPorts: h.openPorts,
      rebootRequired: h.rebootRequired,
      package: pkg,
      arch,
      installedVersion: installed,
      candidateVersion: candidate,
      isSecurity: security === 1,
      urgency,
      detectedAt,
      approved: approved.has(`${hostId}\u0000${pkg}\u0000${arch}\u0000${candidate}`),
      cveList,
      resolvedAt,
    });
  }
  return out;
}

const OPEN_CVES = `SELECT DISTINCT a.cve_id FROM advisories a JOIN pending_updates u ON u.id = a.pending_update_id WHERE u.resolved_at IS NULL`;
const CVES_OPEN_DURING = `SELECT DISTINCT a.cve_id FROM advisories a JOIN pending_updates u ON u.id = a.pending_update_id
  WHERE u.detected_at <= @to AND (u.resolved_at IS NULL OR u.resolved_at >= @from)`;
const TRACKER_RANK = `CASE t.urgency WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 WHEN 'unimportant' THEN 1 END`;
const TRACKER_LABEL = ['', 'low', 'medium', 'high'] as const;
const OSV_SEVERITY_RANK = `CASE o.vendor_severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 WHEN 'negligible' THEN 1 ELSE 0 END`;

/**
 * What the feeds say about every CVE an open update fixes (or, with `during`, one open in that window): KEV and EPSS, the highest CVSS base score (OSV,
 * Microsoft), the highest vendor severity (Debian tracker over all releases, Ubuntu's priority, Microsoft) and
 * the earliest fix publication. SQLite's bare columns beside max()/min() come from the row that holds the extreme.
 */
export function intelForOpenCves(db: Db, during?: OpenDuring): Map<string, CveFacts> {
  return readIntel(db, during ? CVES_OPEN_DURING : OPEN_CVES, during ? [during] : []);
}

/** The same facts for the given CVE ids only (one update's, for its detail view), open or not. */
export function intelForCves(db: Db, cveIds: readonly string[]): Map<string, CveFacts> {
  if (cveIds.length === 0) return new Map();
  return readIntel(db, 'SELECT DISTINCT value AS cve_id FROM json_each(?)', [JSON.stringify(cveIds)]);
}

function readIntel(db: Db, cveSource: string, params: unknown[]): Map<string, CveFacts> {
  const out = new Map<string, CveFacts>();
  // One pass over the open CVEs; each feed is read through its index on cve_id (no whole-table aggregates).
  const stmt = db
    .prepare(
      `WITH c AS MATERIALIZED (${cveSource})
       SELECT c.cve_id, k.date_added, k.due_date, k.ransomware, e.score, e.percentile,
         (SELECT o.cvss_score || ' ' || o.cvss_version || ' ' || o.advisory_id FROM osv_fixes o
           WHERE o.cve_id = c.cve_id AND o.cvss_score IS NOT NULL ORDER BY o.cvss_score DESC LIMIT 1) AS osv_cvss,
         (SELECT o.published_at || ' ' || o.advisory_id FROM osv_fixes o
           WHERE o.cve_id = c.cve_id AND o.fixed_version IS NOT NULL ORDER BY o.published_at LIMIT 1) AS osv_fix,
         (SELECT max(${TRACKER_RANK}) FROM debian_tracker t WHERE t.cve_id = c.cve_id) AS tracker_rank,
         (SELECT o.vendor_severity || ' ' || o.advisory_id FROM osv_fixes o
           WHERE o.cve_id = c.cve_id AND o.vendor_severity IS NOT NULL ORDER BY ${OSV_SEVERITY_RANK} DESC, o.advisory_id LIMIT 1) AS osv_severity,
         m.severity AS msrc_severity, m.cvss_base AS msrc_cvss, m.published_at AS msrc_published
       FROM c
       LEFT JOIN kev k ON k.cve_id = c.cve_id
       LEFT JOIN epss e ON e.cve_id = c.cve_id
       LEFT JOIN msrc_cves m ON m.cve_id = c.cve_id`,
    )
    .raw();
  const rows = stmt.all(...params) as [
    cve: string,
    dateAdded: string | null,
    dueDate: string | null,
    ransomware: number | null,
    epss: number | null,
    percentile: number | null,
    osvCvss: string | null,
    osvFix: string | null,
    trackerRank: number | null,
    osvSeverity: string | null,
    msrcSeverity: string | null,
    msrcCvss: number | null,
    msrcPublished: number | null,
  ][];
  for (const [cve, dateAdded, dueDate, ransomware, epss, percentile, osvCvss, osvFix, trackerRank, osvSeverity, msrcSeverity, msrcCvss, msrcPublished] of rows) {
    const f: CveFacts = {
      kev: dateAdded !== null ? { dateAdded, dueDate, ransomware: ransomware === 1 } : null,
      epss: epss !== null && percentile !== null ? { score: epss, percentile } : null,
      cvss: null,
      vendorSeverity: trackerRank ? { label: TRACKER_LABEL[trackerRank]!, source: 'Debian security tracker' } : null,
      fixPublished: null,
    };
    if (osvCvss) {
      const [score, version, source] = osvCvss.split(' ');
      f.cvss = { score: Number(score), version: version!, source: source! };
    }
    if (osvFix) {
      const [at, source] = osvFix.split(' ');
      f.fixPublished = { at: Number(at), source: source! };
    }
    if (osvSeverity) {
      const [label, advisory] = osvSeverity.split(' ');
      if (!f.vendorSeverity || normalizeSeverity(label!).level > normalizeSeverity(f.vendorSeverity.label).level) f.vendorSeverity = { label: label!, source: `Ubuntu, ${advisory!}` };
    }
    if (msrcCvss !== null && (!f.cvss || msrcCvss > f.cvss.score)) f.cvss = { score: msrcCvss, version: '3.x', source: 'Microsoft' };
    if (msrcSeverity && (!f.vendorSeverity || normalizeSeverity(msrcSeverity).level > normalizeSeverity(f.vendorSeverity.label).level)) {
      f.vendorSeverity = { label: msrcSeverity, source: 'Microsoft' };
    }
    if (msrcPublished !== null && (!f.fixPublished || msrcPublished < f.fixPublished.at)) f.fixPublished = { at: msrcPublished, source: 'Microsoft' };
    out.set(cve, f);
  }
  return out;
}

/** A CVE's facts in the shape the risk score takes. */
export function cveIntelOf(cveId: string, f: CveFacts | undefined): CveIntel {
  if (!f) return { cveId };
  return {
    cveId,
    ...(f.kev ? { kev: f.kev } : {}),
    ...(f.epss ? { epss: f.epss } : {}),
    ...(f.cvss ? { cvss: f.cvss } : {}),
    ...(f.vendorSeverity ? { vendorSeverity: f.vendorSeverity } : {}),
    ...(f.fixPublished ? { fixPublished: f.fixPublished } : {}),
  };
}

export interface ApprovalRequest {
  package: string;
  candidateVersion: string;
  /** Limit to these machines; all machines with this update otherwise. */
  hostIds?: number[];
}

/** An approval asked for a package the block list forbids on that machine; nothing was approved. */
export class ApprovalBlockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalBlockedError';
  }
}

/**
 * Records approvals of exact versions; returns the rows approved (already-approved ones are skipped).
 * If any requested update is blocked by policy on its machine, the whole request is refused before anything
 * is written, naming the package, the machine and the reason.
 */
export function approveUpdates(db: Db, requests: readonly ApprovalRequest[], by: string, now = Date.now()): { hostId: number; package: string; from: string | null; to: string }[] {
  const find = db.prepare(
    `SELECT host_id, package, arch, installed_version, candidate_version FROM pending_updates
     WHERE resolved_at IS NULL AND package = ? AND candidate_version = ?`,
  );
  const insert = db.prepare(
    `INSERT OR IGNORE INTO approvals (host_id, package, arch, from_version, to_version, approved_by, approved_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  type Row = { host_id: number; package: string; arch: string; installed_version: string | null; candidate_version: string };
  const wanted: Row[] = [];
  for (const r of requests) {
    for (const u of find.all(r.package, r.candidateVersion) as Row[]) if (!r.hostIds || r.hostIds.includes(u.host_id)) wanted.push(u);
  }
  const blocksByHost = new Map<number, Map<string, string>>();
  const refused: string[] = [];
  for (const u of wanted) {
    let blocks = blocksByHost.get(u.host_id);
    if (!blocks) blocksByHost.set(u.host_id, (blocks = blockedPackages(db, u.host_id)));
    const reason = blocks.get(u.package);
    if (reason) refused.push(`${u.package} on machine ${u.host_id} (${reason})`);
  }
  if (refused.length) throw new ApprovalBlockedError(`Blocked by policy, nothing was approved: ${refused.join(', ')}`);
  const approved: { hostId: number; package: string; from: string | null; to: string }[] = [];
  for (const u of wanted) {
    const info = insert.run(u.host_id, u.package, u.arch, u.installed_version, u.candidate_version, by, now);
    if (info.changes > 0) approved.push({ hostId: u.host_id, package: u.package, from: u.installed_version, to: u.candidate_version });
  }
  return approved;
}
