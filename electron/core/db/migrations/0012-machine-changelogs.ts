/**
 * Changelog summaries (the CVEs and urgency an update's own changelog names) are kept per machine. They were
 * shared by (package, version) across the fleet, from whichever machine answered first, forever: one compromised
 * machine could hide a CVE, or invent one, for every machine and so drive auto-approval. A machine now reads only
 * what it derived itself. The fleet-wide rows are dropped, not trusted; the old table stays, unused (shipped schema
 * is only added to).
 */
export const sql = `
CREATE TABLE machine_changelogs (
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  info TEXT NOT NULL CHECK (json_valid(info)),
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, package, version)
) STRICT, WITHOUT ROWID;
DELETE FROM changelog_cache;
`;
