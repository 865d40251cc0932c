/**
 * The first schema. STRICT tables so SQLite refuses a value of the wrong type instead of storing it;
 * times are INTEGER milliseconds since the epoch; lists are JSON text checked with json_valid.
 */
export const sql = `
CREATE TABLE hosts (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL,
  hostname TEXT,
  display_name TEXT,
  os_family TEXT NOT NULL DEFAULT 'unknown'
    CHECK (os_family IN ('linux','windows','macos','bsd','network-device','unknown')),
  os_name TEXT,
  os_version TEXT,
  kernel TEXT,
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  criticality TEXT NOT NULL DEFAULT 'normal' CHECK (criticality IN ('low','normal','high','critical')),
  ssh_port INTEGER NOT NULL DEFAULT 22 CHECK (ssh_port BETWEEN 1 AND 65535),
  credential_id INTEGER,
  ssh_host_key TEXT,
  open_ports TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(open_ports)),
  reachability TEXT NOT NULL DEFAULT 'unknown' CHECK (reachability IN ('unknown','up','down')),
  source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual','discovery')),
  notes TEXT NOT NULL DEFAULT '',
  first_seen INTEGER,
  last_seen INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
-- One row per address: discovery merges into it instead of adding duplicates.
CREATE UNIQUE INDEX hosts_address ON hosts (address COLLATE NOCASE);

CREATE TABLE host_packages (
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'installed',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, name, arch)
) STRICT, WITHOUT ROWID;

CREATE TABLE pending_updates (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '',
  installed_version TEXT,
  candidate_version TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  is_security INTEGER NOT NULL DEFAULT 0 CHECK (is_security IN (0, 1)),
  urgency TEXT,
  detected_at INTEGER NOT NULL,
  resolved_at INTEGER
) STRICT;
CREATE UNIQUE INDEX pending_updates_key ON pending_updates (host_id, package, arch, candidate_version);
-- The Patches page lists open updates across the fleet grouped by package.
CREATE INDEX pending_updates_open ON pending_updates (package, candidate_version) WHERE resolved_at IS NULL;

CREATE TABLE advisories (
  pending_update_id INTEGER NOT NULL REFERENCES pending_updates (id) ON DELETE CASCADE,
  cve_id TEXT NOT NULL CHECK (cve_id GLOB 'CVE-[0-9][0-9][0-9][0-9]-[0-9]*'),
  source TEXT NOT NULL,
  PRIMARY KEY (pending_update_id, cve_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX advisories_cve ON advisories (cve_id);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('scan','check','assess','deploy','rollback','report')),
  title TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','partial','cancelled','interrupted')),
  args TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(args)),
  current INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
) STRICT;
CREATE INDEX jobs_state ON jobs (state) WHERE state IN ('queued','running');

CREATE TABLE job_targets (
  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  host_id INTEGER REFERENCES hosts (id) ON DELETE SET NULL,
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending','running','succeeded','failed','skipped','cancelled','interrupted')),
  step TEXT,
  current INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  failure TEXT CHECK (failure IS NULL OR json_valid(failure)),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, target)
) STRICT;

CREATE TABLE job_events (
  id INTEGER PRIMARY KEY,
  job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')),
  target TEXT,
  message TEXT NOT NULL
) STRICT;
CREATE INDEX job_events_job ON job_events (job_id, id);

CREATE TABLE deployments (
  id INTEGER PRIMARY KEY,
  job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
  state TEXT NOT NULL,
  plan TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(plan)),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;

CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  deployment_id INTEGER REFERENCES deployments (id) ON DELETE SET NULL,
  provider TEXT NOT NULL,
  ref TEXT NOT NULL,
  state TEXT NOT NULL,
  size_bytes INTEGER,
  meta TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX snapshots_host ON snapshots (host_id, created_at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  details TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(details)),
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
-- Append-only: the app never updates or deletes audit rows, and SQLite refuses if anything tries.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value)),
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;
