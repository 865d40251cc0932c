/** Scans, their results, and how a result merges into the inventory. */
import type { FingerprintView, Host, OsGuessView, Scan, ScanResult } from '../../../shared/contract';
import type { Db } from '../db/open';
import { findHostByAddress } from '../machines/machine-queries';

interface ScanRow {
  id: number;
  job_id: number | null;
  include_text: string;
  exclude_text: string;
  ports: string;
  address_count: number;
  status: Scan['status'];
  found: number;
  new_count: number;
  changed_count: number;
  missing_count: number;
  started_at: number;
  finished_at: number | null;
}

interface ResultRow {
  scan_id: number;
  address: string;
  host_id: number | null;
  change: ScanResult['change'];
  changes: string;
  hostnames: string;
  open_ports: string;
  fingerprints: string;
  os_guess: string | null;
  mac: string | null;
  vendor: string | null;
  responded_at: number | null;
}

const toScan = (r: ScanRow): Scan => ({
  id: r.id,
  jobId: r.job_id,
  include: r.include_text,
  exclude: r.exclude_text,
  ports: JSON.parse(r.ports) as number[],
  addressCount: r.address_count,
  status: r.status,
  found: r.found,
  newCount: r.new_count,
  changedCount: r.changed_count,
  missingCount: r.missing_count,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

const toResult = (r: ResultRow): ScanResult => ({
  scanId: r.scan_id,
  address: r.address,
  hostId: r.host_id,
  change: r.change,
  changes: JSON.parse(r.changes) as string[],
  hostnames: JSON.parse(r.hostnames) as string[],
  openPorts: JSON.parse(r.open_ports) as number[],
  fingerprints: JSON.parse(r.fingerprints) as FingerprintView[],
  osGuess: r.os_guess ? (JSON.parse(r.os_guess) as OsGuessView) : null,
  mac: r.mac,
  vendor: r.vendor,
  respondedAt: r.responded_at,
});

export function insertScan(
  db: Db,
  s: { jobId: number; include: string; exclude: string; ports: number[]; addressCount: number },
  now = Date.now(),
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO scans (job_id, include_text, exclude_text, ports, address_count, status, started_at)
         VALUES (?, ?, ?, ?, ?, 'running', ?)`,
      )
      .run(s.jobId, s.include, s.exclude, JSON.stringify(s.ports), s.addressCount, now).lastInsertRowid,
  );
}

export function finishScan(db: Db, id: number, status: Scan['status'], now = Date.now()): void {
  db.prepare(
    `UPDATE scans SET status = @status, finished_at = @now,
       found = (SELECT count(*) FROM scan_results WHERE scan_id = @id AND change != 'missing'),
       new_count = (SELECT count(*) FROM scan_results WHERE scan_id = @id AND change = 'new'),
       changed_count = (SELECT count(*) FROM scan_results WHERE scan_id = @id AND change = 'changed'),
       missing_count = (SELECT count(*) FROM scan_results WHERE scan_id = @id AND change = 'missing')
     WHERE id = @id`,
  ).run({ id, status, now });
}

/** Scans left running by a process that died are shown as interrupted, like their jobs. */
/** Scans left running by a dead process (a live one's scans go on). */
export function markScansInterrupted(db: Db, now = Date.now(), alive: (owner: string) => boolean = () => false): void {
  const rows = db.prepare(`SELECT s.id, j.owner FROM scans s LEFT JOIN jobs j ON j.id = s.job_id WHERE s.status = 'running'`).all() as { id: number; owner: string | null }[];
  const mark = db.prepare(`UPDATE scans SET status = 'interrupted', finished_at = ? WHERE id = ?`);
  for (const r of rows) if (r.owner === null || !alive(r.owner)) mark.run(now, r.id);
}

export function listScans(db: Db, limit = 20): Scan[] {
  return (db.prepare('SELECT * FROM scans ORDER BY id DESC LIMIT ?').all(limit) as ScanRow[]).map(toScan);
}

export function getScan(db: Db, id: number): Scan | undefined {
  const r = db.prepare('SELECT * FROM scans WHERE id = ?').get(id) as ScanRow | undefined;
  return r && toScan(r);
}

export function scanForJob(db: Db, jobId: number): Scan | undefined {
  const r = db.prepare('SELECT * FROM scans WHERE job_id = ?').get(jobId) as ScanRow | undefined;
  return r && toScan(r);
}

export function listResults(db: Db, scanId: number): ScanResult[] {
  return (db.prepare('SELECT * FROM scan_results WHERE scan_id = ? ORDER BY rowid').all(scanId) as ResultRow[]).map(toResult);
}

export function insertResult(db: Db, r: ScanResult): void {
  db.prepare(
    `INSERT OR REPLACE INTO scan_results (scan_id, address, host_id, change, changes, hostnames, open_ports, fingerprints,
       os_guess, mac, vendor, responded_at)
     VALUES (@scanId, @address, @hostId, @change, @changes, @hostnames, @openPorts, @fingerprints, @osGuess, @mac, @vendor, @respondedAt)`,
  ).run({
    ...r,
    changes: JSON.stringify(r.changes),
    hostnames: JSON.stringify(r.hostnames),
    openPorts: JSON.stringify(r.openPorts),
    fingerprints: JSON.stringify(r.fingerprints),
    osGuess: r.osGuess ? JSON.stringify(r.osGuess) : null,
  });
}

/** What differs between what the inventory knew and what the scan saw. */
export function describeChanges(host: Host, seen: Pick<ScanResult, 'openPorts' | 'osGuess' | 'mac'>): string[] {
  const changes: string[] = [];
  const before = [...host.openPorts].sort((a, b) => a - b).join(',');
  const after = [...seen.openPorts].sort((a, b) => a - b).join(',');
  // A machine never scanned before has no port list to compare with.
  if (host.openPorts.length > 0 && before !== after) changes.push(`open ports ${before || 'none'} → ${after || 'none'}`);
  if (seen.osGuess && seen.osGuess.family !== 'unknown' && host.osFamily !== 'unknown' && host.osFamily !== seen.osGuess.family) {
    changes.push(`OS ${host.osFamily} → ${seen.osGuess.family}`);
  }
  if (host.mac && seen.mac && host.mac !== seen.mac) changes.push(`MAC ${host.mac} → ${seen.mac}`);
  return changes;
}

/**
 * Merges what a scan saw into a known machine: seen now, its ports and fingerprint. The OS family is
 * filled in when unknown, never overwritten (the user or an assessment knows better than a guess).
 */
export function mergeIntoHost(db: Db, host: Host, r: ScanResult, scanId: number, now = Date.now()): void {
  db.prepare(
    `UPDATE hosts SET reachability = 'up', last_seen = @now, first_seen = COALESCE(first_seen, @now),
       open_ports = @openPorts, fingerprints = @fingerprints, os_guess = @osGuess,
       mac = COALESCE(@mac, mac), vendor = COALESCE(@vendor, vendor),
       hostname = COALESCE(hostname, @hostname),
       os_family = CASE WHEN os_family = 'unknown' AND @family IS NOT NULL THEN @family ELSE os_family END,
       os_name = COALESCE(os_name, @distro), os_version = COALESCE(os_version, @version),
       last_scan_id = @scanId, updated_at = @now
     WHERE id = @id`,
  ).run({
    id: host.id,
    now,
    scanId,
    openPorts: JSON.stringify(r.openPorts),
    fingerprints: JSON.stringify(r.fingerprints),
    osGuess: r.osGuess ? JSON.stringify(r.osGuess) : null,
    mac: r.mac,
    vendor: r.vendor,
    hostname: r.hostnames[0] ?? null,
    family: r.osGuess && r.osGuess.family !== 'unknown' && r.osGuess.confidence >= 0.5 ? r.osGuess.family : null,
    distro: r.osGuess?.distro ?? null,
    version: r.osGuess?.version ?? null,
  });
}

export function markHostMissing(db: Db, hostId: number, scanId: number, now = Date.now()): void {
  db.prepare(`UPDATE hosts SET reachability = 'down', last_scan_id = ?, updated_at = ? WHERE id = ?`).run(scanId, now, hostId);
}

/** A machine just added from a scan keeps what the scan saw: fingerprints, OS guess, MAC and vendor. */
export function recordScanFacts(db: Db, hostId: number, r: ScanResult, scanId: number, guess: OsGuessView | null): void {
  db.prepare(
    `UPDATE hosts SET fingerprints = ?, os_guess = ?, mac = ?, vendor = ?, os_name = ?, os_version = ?, last_scan_id = ? WHERE id = ?`,
  ).run(JSON.stringify(r.fingerprints), r.osGuess ? JSON.stringify(r.osGuess) : null, r.mac, r.vendor, guess?.distro ?? null, guess?.version ?? null, scanId, hostId);
}

/** Links a scan's result to the machine it became, so the scan's page shows it as in the inventory. */
export function linkResultToHost(db: Db, scanId: number, address: string, hostId: number): void {
  db.prepare('UPDATE scan_results SET host_id = ? WHERE scan_id = ? AND address = ?').run(hostId, scanId, address);
}

export { findHostByAddress };
