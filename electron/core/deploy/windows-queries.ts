/** Windows' open updates after a change: KBs are identified by name, applications by their exact version. */
import type { Db } from '../db/open';

/** Windows: open updates whose KB is now installed are fixed; returns how many. */
export function resolveInstalledKbs(db: Db, hostId: number, kbs: readonly string[], now = Date.now()): number {
  const stmt = db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE host_id = ? AND package = ? AND resolved_at IS NULL');
  return db.transaction(() => kbs.reduce((n, kb) => n + stmt.run(now, hostId, kb).changes, 0))();
}

/** Windows: after a KB was removed, its update (this exact identity) is pending again. */
export function reopenRemovedKbs(db: Db, hostId: number, items: readonly { package: string; toVersion: string }[]): void {
  const stmt = db.prepare('UPDATE pending_updates SET resolved_at = NULL WHERE host_id = ? AND package = ? AND candidate_version = ? AND resolved_at IS NOT NULL');
  db.transaction(() => {
    for (const i of items) stmt.run(hostId, i.package, i.toVersion);
  })();
}

/** Windows: application upgrades done through winget are fixed (this exact version). */
export function resolveUpgradedApps(db: Db, hostId: number, items: readonly { package: string; toVersion: string }[], now = Date.now()): void {
  const stmt = db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE host_id = ? AND package = ? AND candidate_version = ? AND resolved_at IS NULL');
  db.transaction(() => {
    for (const i of items) stmt.run(now, hostId, i.package, i.toVersion);
  })();
}
