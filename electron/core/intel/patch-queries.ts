/**
 * The Patches page's data: every open update on every machine with the intelligence about its CVEs,
 * read in three set-based queries (no per-row lookups) so it stays fast at fleet scale.
 */
import type { Criticality } from '../../../shared/contract';
import type { Db } from '../db/open';
import { blockedPackages } from './policy-queries';

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
  // Machine facts once per machine rather than once per update row.
  const hosts = new Map<number, { label: string; criticality: Criticality; openPorts: number[]; rebootRequired: boolean }>();
  for (const h of db
    .prepare('SELECT id, COALESCE(display_name, hostname, address) AS label, criticality, open_ports, reboot_required FROM hosts')
    .all() as { id: number; label: string; criticality: Criticality; open_ports: string; reboot_required: number | null }[]) {
    hosts.set(h.id, { label: h.label, criticality: h.criticality, openPorts: JSON.parse(h.open_ports) as number[], rebootRequired: h.reboot_required === 1 });
  }
  const approved = new Set(
    (db.prepare(`SELECT host_id, package, arch, to_version FROM approvals WHERE state = 'approved'`).all() as { host_id: number; package: string; arch: string; to_version: string }[]).map(
      (a) => `${a.host_id}\u0000${a.package}\u0000${a.arch}\u0000${a.to_version}`,
    ),
  );
  const rows = db
    .prepare(
      `SELECT id, host_id, package, arch, installed_version, candidate_version, is_security, urgency, detected_at
       FROM pending_updates WHERE resolved_at IS NULL`,
    )
    .raw()
    .all() as [number, number, string, string, string | null, string, number, string | null, number][];
  const out: OpenUpdateRow[] = [];
  for (const [id, hostId, pkg, arch, installed, candidate, security, urgency, detectedAt] of rows) {
    const h = hosts.get(hostId);
    if (!h) continue;
    out.push({
      id,
      hostId,
      hostLabel: h.label,
      criticality: h.criticality,
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
    });
  }
  return out;
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
