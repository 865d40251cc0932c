/**
 * Vulnerability intelligence kept offline (KEV, EPSS, vendor severities) and the user's approvals.
 * A feed's rows are replaced only in the same transaction that records the new feed, so a refused or
 * failed import leaves the previous feed in force.
 */
export const sql = `
CREATE TABLE feeds (
  kind TEXT PRIMARY KEY CHECK (kind IN ('kev','epss','osv','debian-tracker','msrc')),
  feed_date TEXT NOT NULL,
  source TEXT NOT NULL,
  record_count INTEGER NOT NULL,
  imported_at INTEGER NOT NULL
) STRICT;

CREATE TABLE kev (
  cve_id TEXT PRIMARY KEY,
  vendor TEXT NOT NULL,
  product TEXT NOT NULL,
  name TEXT NOT NULL,
  date_added TEXT NOT NULL,
  due_date TEXT,
  ransomware INTEGER NOT NULL CHECK (ransomware IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE epss (
  cve_id TEXT PRIMARY KEY,
  score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
  percentile REAL NOT NULL CHECK (percentile BETWEEN 0 AND 1)
) STRICT, WITHOUT ROWID;

CREATE TABLE approvals (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '',
  from_version TEXT,
  to_version TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_at INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'approved' CHECK (state IN ('approved','deployed','revoked'))
) STRICT;
CREATE UNIQUE INDEX approvals_key ON approvals (host_id, package, arch, to_version) WHERE state = 'approved';
`;
