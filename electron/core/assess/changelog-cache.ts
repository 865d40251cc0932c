/**
 * The changelog cache in SQLite: a version's changelog never changes, so entries never expire. Kept per machine:
 * what one machine says its packages' changelogs name never changes another machine's findings (a compromised
 * machine could otherwise hide or invent a CVE for the whole fleet). The price is that each machine fetches its
 * own changelogs once; a repeat assessment of it fetches none.
 */
import type { Db } from '../db/open';
import type { ChangelogCache, ChangelogInfo } from '../platforms/debian-changelog-fetch';

export function sqliteChangelogCache(db: Db, hostId: number): ChangelogCache {
  const get = db.prepare('SELECT info FROM machine_changelogs WHERE host_id = ? AND package = ? AND version = ?');
  const put = db.prepare(
    `INSERT INTO machine_changelogs (host_id, package, version, info, fetched_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (host_id, package, version) DO UPDATE SET info = excluded.info, fetched_at = excluded.fetched_at`,
  );
  return {
    get(pkg, version) {
      const row = get.get(hostId, pkg, version) as { info: string } | undefined;
      return row ? (JSON.parse(row.info) as ChangelogInfo) : undefined;
    },
    set(pkg, version, info) {
      put.run(hostId, pkg, version, JSON.stringify(info), Date.now());
    },
  };
}
