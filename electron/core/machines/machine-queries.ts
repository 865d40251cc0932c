/** Queries on the hosts table. Values are always bound; column names come from the allowlist below. */
import type { Criticality, Host, HostInput, OsFamily } from '../../../shared/contract';
import type { Db } from '../db/open';

interface HostRow {
  id: number;
  address: string;
  hostname: string | null;
  display_name: string | null;
  os_family: OsFamily;
  os_name: string | null;
  os_version: string | null;
  kernel: string | null;
  tags: string;
  criticality: Criticality;
  exposed: number;
  ssh_port: number;
  transport: 'ssh' | 'winrm';
  winrm_port: number | null;
  winrm_https: number;
  winrm_cert: string | null;
  credential_id: number | null;
  ssh_host_key: string | null;
  open_ports: string;
  reachability: Host['reachability'];
  source: Host['source'];
  notes: string;
  first_seen: number | null;
  last_seen: number | null;
  created_at: number;
  updated_at: number;
  pending_host_key: string | null;
  pending_winrm_cert: string | null;
  contact_allowed_at: number | null;
  platform: string | null;
  arch: string | null;
  uptime_seconds: number | null;
  reboot_required: number | null;
  reboot_reasons: string;
  health: string | null;
  last_assessed_at: number | null;
  last_error: string | null;
  mac: string | null;
  vendor: string | null;
  fingerprints: string;
  os_guess: string | null;
  pending_count: number;
  security_count: number;
}

export function rowToHost(r: HostRow): Host {
  return {
    id: r.id,
    address: r.address,
    hostname: r.hostname,
    displayName: r.display_name,
    osFamily: r.os_family,
    osName: r.os_name,
    osVersion: r.os_version,
    kernel: r.kernel,
    tags: JSON.parse(r.tags) as string[],
    criticality: r.criticality,
    exposed: r.exposed === 1,
    sshPort: r.ssh_port,
    transport: r.transport,
    winrmPort: r.winrm_port,
    winrmHttps: r.winrm_https === 1,
    winrmCert: r.winrm_cert,
    credentialId: r.credential_id,
    sshHostKey: r.ssh_host_key,
    openPorts: JSON.parse(r.open_ports) as number[],
    reachability: r.reachability,
    source: r.source,
    notes: r.notes,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    pendingHostKey: r.pending_host_key,
    pendingWinrmCert: r.pending_winrm_cert,
    contactAllowedAt: r.contact_allowed_at,
    platform: r.platform,
    arch: r.arch,
    uptimeSeconds: r.uptime_seconds,
    rebootRequired: r.reboot_required === null ? null : r.reboot_required === 1,
    rebootReasons: JSON.parse(r.reboot_reasons) as string[],
    health: r.health ? (JSON.parse(r.health) as Host['health']) : null,
    lastAssessedAt: r.last_assessed_at,
    lastError: r.last_error ? (JSON.parse(r.last_error) as Host['lastError']) : null,
    mac: r.mac,
    vendor: r.vendor,
    fingerprints: JSON.parse(r.fingerprints) as Host['fingerprints'],
    osGuess: r.os_guess ? (JSON.parse(r.os_guess) as Host['osGuess']) : null,
    pendingCount: r.pending_count,
    securityCount: r.security_count,
  };
}

/** The host columns plus its open update counts (served by the partial index on open updates). */
const SELECT_HOST = `SELECT h.*,
  (SELECT count(*) FROM pending_updates u WHERE u.host_id = h.id AND u.resolved_at IS NULL) AS pending_count,
  (SELECT count(*) FROM pending_updates u WHERE u.host_id = h.id AND u.resolved_at IS NULL AND u.is_security = 1) AS security_count
  FROM hosts h`;

export function listHosts(db: Db): Host[] {
  return (db.prepare(`${SELECT_HOST} ORDER BY h.address COLLATE NOCASE`).all() as HostRow[]).map(rowToHost);
}

export function getHost(db: Db, id: number): Host | undefined {
  const row = db.prepare(`${SELECT_HOST} WHERE h.id = ?`).get(id) as HostRow | undefined;
  return row && rowToHost(row);
}

export function findHostByAddress(db: Db, address: string): Host | undefined {
  const row = db.prepare(`${SELECT_HOST} WHERE h.address = ? COLLATE NOCASE`).get(address) as HostRow | undefined;
  return row && rowToHost(row);
}

export function insertHost(
  db: Db,
  input: HostInput & { source?: Host['source']; openPorts?: number[]; reachability?: Host['reachability'] },
  now = Date.now(),
): Host {
  const info = db
    .prepare(
      `INSERT INTO hosts (address, hostname, display_name, os_family, tags, criticality, exposed, ssh_port, transport, winrm_port, winrm_https, notes, source,
                          open_ports, reachability, first_seen, last_seen, created_at, updated_at)
       VALUES (@address, @hostname, @displayName, @osFamily, @tags, @criticality, @exposed, @sshPort, @transport, @winrmPort, @winrmHttps, @notes, @source,
               @openPorts, @reachability, @seen, @seen, @now, @now)`,
    )
    .run({
      address: input.address,
      hostname: input.hostname ?? null,
      displayName: input.displayName ?? null,
      osFamily: input.osFamily ?? 'unknown',
      tags: JSON.stringify(input.tags ?? []),
      criticality: input.criticality ?? 'normal',
      exposed: input.exposed ? 1 : 0,
      sshPort: input.sshPort ?? 22,
      transport: input.transport ?? 'ssh',
      winrmPort: input.winrmPort ?? null,
      winrmHttps: input.winrmHttps ? 1 : 0,
      notes: input.notes ?? '',
      source: input.source ?? 'manual',
      openPorts: JSON.stringify(input.openPorts ?? []),
      reachability: input.reachability ?? 'unknown',
      seen: input.reachability === 'up' ? now : null,
      now,
    });
  return getHost(db, Number(info.lastInsertRowid))!;
}

/** Maps an editable field to its column; anything not listed here cannot be written by an update. */
const editableColumns = {
  address: 'address',
  hostname: 'hostname',
  displayName: 'display_name',
  osFamily: 'os_family',
  tags: 'tags',
  criticality: 'criticality',
  exposed: 'exposed',
  sshPort: 'ssh_port',
  transport: 'transport',
  winrmPort: 'winrm_port',
  winrmHttps: 'winrm_https',
  notes: 'notes',
} as const satisfies Record<keyof HostInput, string>;

export function updateHost(db: Db, id: number, patch: Partial<HostInput>, now = Date.now()): Host | undefined {
  const sets: string[] = [];
  const values: Record<string, unknown> = { id, now };
  for (const [key, column] of Object.entries(editableColumns) as [keyof HostInput, string][]) {
    if (!(key in patch) || patch[key] === undefined) continue;
    sets.push(`${column} = @${key}`);
    const value = patch[key];
    values[key] = key === 'tags' ? JSON.stringify(value) : typeof value === 'boolean' ? (value ? 1 : 0) : (value ?? null);
  }
  if (sets.length > 0) db.prepare(`UPDATE hosts SET ${sets.join(', ')}, updated_at = @now WHERE id = @id`).run(values);
  return getHost(db, id);
}

/** Records what a reachability check or scan saw. */
export function recordReachability(db: Db, id: number, up: boolean, openPorts: number[] | null, now = Date.now()): void {
  db.prepare(
    `UPDATE hosts SET reachability = @state,
       last_seen = CASE WHEN @up THEN @now ELSE last_seen END,
       first_seen = COALESCE(first_seen, CASE WHEN @up THEN @now END),
       open_ports = COALESCE(@ports, open_ports),
       updated_at = @now
     WHERE id = @id`,
  ).run({ id, up: up ? 1 : 0, state: up ? 'up' : 'down', now, ports: openPorts ? JSON.stringify(openPorts) : null });
}

/**
 * Pins `fingerprint` only when the machine has no pinned key, and returns the key pinned afterwards: the given
 * one, or the one another connection pinned first (two first contacts at once must not both win).
 */
export function pinFirstHostKey(db: Db, id: number, fingerprint: string, now = Date.now()): { pinned: string | null; changed: boolean } {
  const info = db.prepare('UPDATE hosts SET ssh_host_key = ?, pending_host_key = NULL, updated_at = ? WHERE id = ? AND ssh_host_key IS NULL').run(fingerprint, now, id);
  const row = db.prepare('SELECT ssh_host_key FROM hosts WHERE id = ?').get(id) as { ssh_host_key: string | null } | undefined;
  return { pinned: row?.ssh_host_key ?? null, changed: info.changes > 0 };
}

/** Pins `fingerprint` whatever was pinned: only for a key the user accepted. */
export function pinHostKey(db: Db, id: number, fingerprint: string, now = Date.now()): void {
  db.prepare('UPDATE hosts SET ssh_host_key = ?, pending_host_key = NULL, updated_at = ? WHERE id = ?').run(fingerprint, now, id);
}

export function recordPendingHostKey(db: Db, id: number, fingerprint: string, now = Date.now()): void {
  db.prepare('UPDATE hosts SET pending_host_key = ?, updated_at = ? WHERE id = ?').run(fingerprint, now, id);
}

export function setHostCredential(db: Db, ids: readonly number[], credentialId: number | null, now = Date.now()): void {
  const stmt = db.prepare('UPDATE hosts SET credential_id = ?, updated_at = ? WHERE id = ?');
  for (const id of ids) stmt.run(credentialId, now, id);
}

export function recordHostError(db: Db, id: number, failure: Host['lastError'], now = Date.now()): void {
  db.prepare('UPDATE hosts SET last_error = ?, updated_at = ? WHERE id = ?').run(failure ? JSON.stringify(failure) : null, now, id);
}

export function deleteHosts(db: Db, ids: readonly number[]): number {
  const del = db.prepare('DELETE FROM hosts WHERE id = ?');
  let n = 0;
  for (const id of ids) n += del.run(id).changes;
  return n;
}

/** Pins `sha256` only where no certificate is pinned yet; returns the certificate pinned now and whether this call set it. */
export function pinFirstWinrmCert(db: Db, id: number, sha256: string, now = Date.now()): { pinned: string | null; changed: boolean } {
  const info = db.prepare('UPDATE hosts SET winrm_cert = ?, pending_winrm_cert = NULL, updated_at = ? WHERE id = ? AND winrm_cert IS NULL').run(sha256, now, id);
  const row = db.prepare('SELECT winrm_cert FROM hosts WHERE id = ?').get(id) as { winrm_cert: string | null } | undefined;
  return { pinned: row?.winrm_cert ?? null, changed: info.changes > 0 };
}

/** Pins `sha256` whatever was pinned: only for a certificate the user accepted. */
export function pinWinrmCert(db: Db, id: number, sha256: string, now = Date.now()): void {
  db.prepare('UPDATE hosts SET winrm_cert = ?, pending_winrm_cert = NULL, updated_at = ? WHERE id = ?').run(sha256, now, id);
}

export function recordPendingWinrmCert(db: Db, id: number, sha256: string, now = Date.now()): void {
  db.prepare('UPDATE hosts SET pending_winrm_cert = ?, updated_at = ? WHERE id = ?').run(sha256, now, id);
}

/** Records that the user allowed the first contact (kept if already set). */
export function allowContact(db: Db, ids: readonly number[], now = Date.now()): number[] {
  const stmt = db.prepare('UPDATE hosts SET contact_allowed_at = ? WHERE id = ? AND contact_allowed_at IS NULL');
  return ids.filter((id) => stmt.run(now, id).changes > 0);
}

/** Machines that used a credential being removed fall back to the credentials their tags or "all machines" give. */
export function unassignCredential(db: Db, credentialId: number): void {
  db.prepare('UPDATE hosts SET credential_id = NULL WHERE credential_id = ?').run(credentialId);
}

/** Records package-manager health read outside an assessment (a re-check, after a repair), as an assessment stores it. */
export function recordHealth(db: Db, id: number, health: { ok: boolean; problems: readonly { source: string; message: string }[] }, now = Date.now()): void {
  const stored = { ok: health.ok, problems: health.problems.map((p) => `${p.source}: ${p.message}`) };
  db.prepare('UPDATE hosts SET health = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(stored), now, id);
}

/** A machine that answers again no longer carries the error that said it had gone silent. */
export function clearSilenceError(db: Db, id: number, isSilence: (message: string) => boolean, now = Date.now()): void {
  const row = db.prepare('SELECT last_error FROM hosts WHERE id = ?').get(id) as { last_error: string | null } | undefined;
  const message = row?.last_error ? (JSON.parse(row.last_error) as { message?: string }).message : undefined;
  if (message !== undefined && isSilence(message)) db.prepare('UPDATE hosts SET last_error = NULL, updated_at = ? WHERE id = ?').run(now, id);
}
