/**
 * Where a Debian machine's installed versions can be fetched (rollback_debs, migration 0020): the assessment
 * records what it looked up, the next assessment skips what is known, and a deployment's snapshot hands the URLs
 * and checksums to the machine so that it only fetches the .debs it keeps for a rollback.
 */
import type { Db } from '../db/open';
import type { RollbackDebLookup } from '../platforms/platform';
import { debSpec, isDebSource, type DebSource } from '../platforms/debian-rollback-debs';

/** A lookup older than this is done again: a repository may have moved the file, or begun to offer a version. */
export const ROLLBACK_DEB_TTL_MS = 7 * 24 * 3600_000;

interface Row {
  package: string;
  arch: string;
  version: string;
  url: string | null;
  sha256: string | null;
}

/** The "name:arch=version" the assessment need not look up again on this machine. */
export function knownRollbackDebs(db: Db, hostId: number, now: number): Set<string> {
  const rows = db
    .prepare('SELECT package, arch, version FROM rollback_debs WHERE host_id = ? AND looked_up_at > ?')
    .all(hostId, now - ROLLBACK_DEB_TTL_MS) as Pick<Row, 'package' | 'arch' | 'version'>[];
  return new Set(rows.map((r) => debSpec({ name: r.package, arch: r.arch, version: r.version })));
}

/**
 * Inside the assessment's transaction, after the machine's packages were written: the new lookups replace the old
 * ones, and rows of versions the machine no longer has go.
 */
export function recordRollbackDebs(db: Db, hostId: number, lookups: readonly RollbackDebLookup[], now: number): void {
  const put = db.prepare(
    `INSERT INTO rollback_debs (host_id, package, arch, version, url, sha256, looked_up_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (host_id, package, arch, version) DO UPDATE SET url = excluded.url, sha256 = excluded.sha256, looked_up_at = excluded.looked_up_at`,
  );
  for (const l of lookups) {
    // What the machine printed is checked again before it is kept: only a URL and checksum apt-helper may be handed.
    const ok = l.url !== null && l.sha256 !== null && isDebSource({ url: l.url, sha256: l.sha256 });
    put.run(hostId, l.name, l.arch, l.version, ok ? l.url : null, ok ? l.sha256 : null, now);
  }
  db.prepare(
    `DELETE FROM rollback_debs WHERE host_id = ? AND NOT EXISTS (
       SELECT 1 FROM host_packages p WHERE p.host_id = rollback_debs.host_id AND p.name = rollback_debs.package
         AND p.arch = rollback_debs.arch AND p.version = rollback_debs.version)`,
  ).run(hostId);
}

/** The deployment's view: "name:arch=version" → where its .deb is, for the versions found (and still valid). */
export function rollbackDebSources(db: Db, hostId: number): Map<string, DebSource> {
  const rows = db.prepare('SELECT package, arch, version, url, sha256 FROM rollback_debs WHERE host_id = ? AND url IS NOT NULL').all(hostId) as Row[];
  const out = new Map<string, DebSource>();
  for (const r of rows) {
    const source = { url: r.url ?? '', sha256: r.sha256 ?? '' };
    if (isDebSource(source)) out.set(debSpec({ name: r.package, arch: r.arch, version: r.version }), source);
  }
  return out;
}
