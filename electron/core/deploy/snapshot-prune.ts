/**
 * Snapshot retention: how many snapshots per machine and how old they may get, and the job that deletes the
 * rest (on the machine for filesystem snapshots; package snapshots are records only).
 */
import type { SnapshotRetention } from '../../../shared/contract';
import { hostLabel } from '../../../shared/host-label';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { getHost } from '../machines/machine-queries';
import type { CoreServices } from '../services';
import { putSetting, readSetting } from '../settings';
import { deleteFsSnapshot } from '../snapshots/providers';
import { setSnapshotState, snapshotsToPrune } from './snapshot-queries';

const RETENTION_KEY = 'snapshotRetention';
const DEFAULT_RETENTION: SnapshotRetention = { keepPerHost: 5, maxAgeDays: 90 };

export function getRetention(db: Db): SnapshotRetention {
  return { ...DEFAULT_RETENTION, ...readSetting<Partial<SnapshotRetention>>(db, RETENTION_KEY) };
}

/**
 * Saves the retention and starts a job deleting every snapshot it no longer keeps; no job when there is none.
 * One snapshot that cannot be deleted does not stop the others.
 */
export function pruneSnapshots(s: CoreServices, retention: SnapshotRetention): { jobId: number | null; toDelete: number } {
  putSetting(s.db, RETENTION_KEY, retention);
  const doomed = snapshotsToPrune(s.db, retention.keepPerHost, retention.maxAgeDays);
  appendAudit(s.db, { actor: 'user', action: 'snapshots.prune', details: { retention, snapshots: doomed.map((d) => d.id) } });
  if (doomed.length === 0) return { jobId: null, toDelete: 0 };
  const jobId = s.jobs.start('rollback', `Prune ${doomed.length} snapshot${doomed.length === 1 ? '' : 's'}`, { snapshots: doomed.map((d) => d.id) }, async (ctx) => {
    let ok = 0;
    ctx.progress(0, doomed.length);
    for (const [i, snap] of doomed.entries()) {
      const host = getHost(s.db, snap.hostId);
      const key = `snapshot:${snap.id}`;
      ctx.target(key, { hostId: snap.hostId, state: 'running' });
      try {
        if (snap.provider !== 'package' && host) {
          await s.connections.withSession(host, ctx.signal, (remote) => deleteFsSnapshot(remote, snap.provider, snap.ref));
        }
        setSnapshotState(s.db, snap.id, 'deleted');
        appendAudit(s.db, { actor: 'system', action: 'snapshot.delete', targetType: 'host', targetId: snap.hostId, details: { snapshotId: snap.id, provider: snap.provider, ref: snap.ref } });
        ctx.target(key, { state: 'succeeded' });
        ok++;
      } catch (e) {
        ctx.target(key, { state: 'failed', failure: { command: null, exitCode: null, stderrTail: '', message: e instanceof Error ? e.message : String(e) } });
        ctx.log('error', `Could not delete snapshot ${snap.ref} on ${host ? hostLabel(host) : snap.hostId}: ${e instanceof Error ? e.message : String(e)}`, key);
      }
      ctx.progress(i + 1);
    }
    return { state: ok === doomed.length ? 'succeeded' : ok > 0 ? 'partial' : 'failed', summary: `${ok} of ${doomed.length} snapshots deleted` };
  });
  return { jobId, toDelete: doomed.length };
}
