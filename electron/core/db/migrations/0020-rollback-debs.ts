/**
 * Where each installed version of a Debian machine's pending updates can be fetched (its URL and SHA-256 in the
 * machine's own package lists), found by the assessment: the deployment's snapshot then only fetches the .debs it
 * keeps for the rollback, instead of reading every package list on every machine at once. A version the lists do
 * not hold is kept too, with no URL, so that the next assessments do not look for it again. Rows go when the
 * machine no longer has that version installed; a row older than a week is looked up again.
 */
export const sql = `
CREATE TABLE rollback_debs (
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  arch TEXT NOT NULL,
  version TEXT NOT NULL,
  url TEXT,
  sha256 TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
  looked_up_at INTEGER NOT NULL,
  CHECK ((url IS NULL) = (sha256 IS NULL)),
  PRIMARY KEY (host_id, package, arch, version)
) STRICT, WITHOUT ROWID;
`;
