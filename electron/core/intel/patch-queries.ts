/**
 * The Patches page's data: every open update on every machine with the intelligence about its CVEs,
 * read in three set-based queries (no per-row lookups) so it stays fast at fleet scale.
 */
import type { Criticality } from '../../../shared/contract';
import type { Db } from '../db/open';

export interface OpenUpdateRow {
  id: number;
  hostId: number;
  hostLabel: string;
  criticality: Criticality;
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
}

export interface CveFacts {
  kev: { dateAdded: string; dueDate: string | null; ransomware: boolean } | null;
  epss: { score: number; percentile: number } | null;
}

export function listOpenUpdateRows(db: Db): OpenUpdateRow[] {
  const rows = db
    .prepare(
      `SELECT u.id, u.host_id, COALESCE(h.display_name, h.hostname, h.address) AS label, h.criticality, h.open_ports,
              h.reboot_required, u.package, u.arch, u.installed_version, u.candidate_version, u.is_security, u.urgency,
              u.detected_at,
              EXISTS (SELECT 1 FROM approvals a WHERE a.host_id = u.host_id AND a.package = u.package AND a.arch = u.arch
                      AND a.to_version = u.candidate_version AND a.state = 'approved') AS approved
       FROM pending_updates u JOIN hosts h ON h.id = u.host_id
       WHERE u.resolved_at IS NULL`,
    )
    .all() as {
    id: number;
    host_id: number;
    label: string;
    criticality: Criticality;
    open_ports: string;
    reboot_required: number | null;
    package: string;
    arch: string;
    installed_version: string | null;
    candidate_version: string;
    is_security: number;
    urgency: string | null;
    detected_at: number;
    approved: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    hostId: r.host_id,
    hostLabel: r.label,
    criticality: r.criticality,
    openPorts: JSON.parse(r.open_ports) as number[],
    rebootRequired: r.reboot_required === 1,
    package: r.package,
    arch: r.arch,
    installedVersion: r.installed_version,
    candidateVersion: r.candidate_version,
    isSecurity: r.is_security === 1,
    urgency: r.urgency,
    detectedAt: r.detected_at,
    approved: r.approved === 1,
  }));
}

/** CVE ids of every open update, keyed by pending update id. */
export function cvesByUpdate(db: Db): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const rows = db
    .prepare(
      `SELECT a.pending_update_id AS id, a.cve_id FROM advisories a
       JOIN pending_updates u ON u.id = a.pending_update_id WHERE u.resolved_at IS NULL`,
    )
    .all() as { id: number; cve_id: string }[];
  for (const r of rows) {
    const list = out.get(r.id);
    if (list) list.push(r.cve_id);
    else out.set(r.id, [r.cve_id]);
  }
  return out;
}

/** KEV and EPSS facts for every CVE that an open update fixes. */
export function intelForOpenCves(db: Db): Map<string, CveFacts> {
  const out = new Map<string, CveFacts>();
  const rows = db
    .prepare(
      `SELECT c.cve_id, k.date_added, k.due_date, k.ransomware, e.score, e.percentile
       FROM (SELECT DISTINCT a.cve_id FROM advisories a JOIN pending_updates u ON u.id = a.pending_update_id
             WHERE u.resolved_at IS NULL) c
       LEFT JOIN kev k ON k.cve_id = c.cve_id
       LEFT JOIN epss e ON e.cve_id = c.cve_id`,
    )
    .all() as { cve_id: string; date_added: string | null; due_date: string | null; ransomware: number | null; score: number | null; percentile: number | null }[];
  for (const r of rows) {
    out.set(r.cve_id, {
      kev: r.date_added !== null ? { dateAdded: r.date_added, dueDate: r.due_date, ransomware: r.ransomware === 1 } : null,
      epss: r.score !== null && r.percentile !== null ? { score: r.score, percentile: r.percentile } : null,
    });
  }
  return out;
}

export interface ApprovalRequest {
  package: string;
  candidateVersion: string;
  /** Limit to these machines; all machines with this update otherwise. */
  hostIds?: number[];
}

/** Records approvals of exact versions; returns the rows approved (already-approved ones are skipped). */
export function approveUpdates(db: Db, requests: readonly ApprovalRequest[], by: string, now = Date.now()): { hostId: number; package: string; from: string | null; to: string }[] {
  const find = db.prepare(
    `SELECT host_id, package, arch, installed_version, candidate_version FROM pending_updates
     WHERE resolved_at IS NULL AND package = ? AND candidate_version = ?`,
  );
  const insert = db.prepare(
    `INSERT OR IGNORE INTO approvals (host_id, package, arch, from_version, to_version, approved_by, approved_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const approved: { hostId: number; package: string; from: string | null; to: string }[] = [];
  for (const r of requests) {
    const rows = find.all(r.package, r.candidateVersion) as { host_id: number; package: string; arch: string; installed_version: string | null; candidate_version: string }[];
    for (const u of rows) {
      if (r.hostIds && !r.hostIds.includes(u.host_id)) continue;
      const info = insert.run(u.host_id, u.package, u.arch, u.installed_version, u.candidate_version, by, now);
      if (info.changes > 0) approved.push({ hostId: u.host_id, package: u.package, from: u.installed_version, to: u.candidate_version });
    }
  }
  return approved;
}
