/**
 * Snapshots in SQLite: what each machine was before a change (provider, reference, every package version in
 * `meta`), their state through a rollback, and the retention rule.
 */
import type { SnapshotView } from '../../../shared/contract';
import type { Db } from '../db/open';

export interface SnapshotMeta {
  /** Every installed package before the change: what a package-state rollback restores. */
  packages: { name: string; arch: string; version: string }[];
  /** Versions whose .deb could not be kept on the machine. */
  unavailable: string[];
  /** Services running before the change. */
  services?: string[];
  /** Windows: the restore point made before the change (or why none was), and the hypervisor's answer. */
  windows?: { restorePoint: { created: true; sequence: number } | { created: false; reason: string }; hypervisor: string };
}

export function insertSnapshot(
  db: Db,
  s: { hostId: number; deploymentId: number | null; provider: string; ref: string; sizeBytes: number | null; meta: SnapshotMeta },
  now = Date.now(),
): number {
  const info = db
    .prepare(
      `INSERT INTO snapshots (host_id, deployment_id, provider, ref, state, size_bytes, meta, created_at) VALUES (?, ?, ?, ?, 'ready', ?, ?, ?)`,
    )
    .run(s.hostId, s.deploymentId, s.provider, s.ref, s.sizeBytes, JSON.stringify(s.meta), now);
  return Number(info.lastInsertRowid);
}

export function setSnapshotState(db: Db, id: number, state: SnapshotView['state']): void {
  db.prepare('UPDATE snapshots SET state = ? WHERE id = ?').run(state, id);
}

interface SnapshotRow {
  id: number;
  host_id: number;
  deployment_id: number | null;
  provider: string;
  ref: string;
  state: SnapshotView['state'];
  size_bytes: number | null;
  meta: string;
  created_at: number;
  label: string;
}

function rowToSnapshot(r: SnapshotRow): SnapshotView {
  const meta = JSON.parse(r.meta) as Partial<SnapshotMeta>;
  return {
    id: r.id,
    hostId: r.host_id,
    hostLabel: r.label,
    deploymentId: r.deployment_id,
    provider: r.provider,
    ref: r.ref,
    state: r.state,
    sizeBytes: r.size_bytes,
    packageCount: meta.packages?.length ?? 0,
    unavailable: meta.unavailable ?? [],
    createdAt: r.created_at,
  };
}

const SELECT_SNAPSHOT = `SELECT s.*, coalesce(h.display_name, h.hostname, h.address) AS label FROM snapshots s JOIN hosts h ON h.id = s.host_id`;

export function getSnapshot(db: Db, id: number): SnapshotView | undefined {
  const r = db.prepare(`${SELECT_SNAPSHOT} WHERE s.id = ?`).get(id) as SnapshotRow | undefined;
  return r && rowToSnapshot(r);
}

export function getSnapshotMeta(db: Db, id: number): SnapshotMeta | undefined {
  const r = db.prepare('SELECT meta FROM snapshots WHERE id = ?').get(id) as { meta: string } | undefined;
  return r ? (JSON.parse(r.meta) as SnapshotMeta) : undefined;
}

export function listSnapshots(db: Db, hostId?: number): SnapshotView[] {
  const rows = (hostId
    ? db.prepare(`${SELECT_SNAPSHOT} WHERE s.host_id = ? ORDER BY s.created_at DESC`).all(hostId)
    : db.prepare(`${SELECT_SNAPSHOT} ORDER BY s.created_at DESC LIMIT 1000`).all()) as SnapshotRow[];
  return rows.map(rowToSnapshot);
}

/** Snapshots the retention rule lets go: beyond the newest `keep` per machine, or older than the age limit. */
export function snapshotsToPrune(db: Db, keepPerHost: number, maxAgeDays: number, now = Date.now()): SnapshotView[] {
  const rows = db.prepare(`${SELECT_SNAPSHOT} WHERE s.state IN ('ready','restored') ORDER BY s.host_id, s.created_at DESC`).all() as SnapshotRow[];
  const seen = new Map<number, number>();
  const out: SnapshotView[] = [];
  for (const r of rows) {
    const n = (seen.get(r.host_id) ?? 0) + 1;
    seen.set(r.host_id, n);
    const tooOld = maxAgeDays > 0 && now - r.created_at > maxAgeDays * 86_400_000;
    if (n > keepPerHost || (tooOld && n > 1)) out.push(rowToSnapshot(r));
  }
  return out;
}

