/** The changelog cache in SQLite: a version's changelog never changes, so entries never expire. */
import type { Db } from '../db/open';
import type { ChangelogCache, ChangelogInfo } from '../platforms/debian-changelog-fetch';

export function sqliteChangelogCache(db: Db): ChangelogCache {
  const get = db.prepare('SELECT info FROM changelog_cache WHERE package = ? AND version = ?');
  const put = db.prepare(
    'INSERT INTO changelog_cache (package, version, info, fetched_at) VALUES (?, ?, ?, ?) ON CONFLICT (package, version) DO UPDATE SET info = excluded.info, fetched_at = excluded.fetched_at',
  );
  return {
    get(pkg, version) {
      const row = get.get(pkg, version) as { info: string } | undefined;
      return row ? (JSON.parse(row.info) as ChangelogInfo) : undefined;
    },
    set(pkg, version, info) {
      put.run(pkg, version, JSON.stringify(info), Date.now());
    },
  };
}
