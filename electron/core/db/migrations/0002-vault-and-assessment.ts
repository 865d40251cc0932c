/**
 * The credential vault and what an assessment records: facts on the host row, a history row per
 * assessment, and a cache of changelog findings keyed by package and version (a version's changelog never
 * changes, so the cache never expires).
 */
export const sql = `
CREATE TABLE credentials (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  username TEXT NOT NULL,
  scope_tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scope_tags)),
  applies_to_all INTEGER NOT NULL DEFAULT 0 CHECK (applies_to_all IN (0, 1)),
  has_password INTEGER NOT NULL DEFAULT 0,
  has_key INTEGER NOT NULL DEFAULT 0,
  key_type TEXT,
  has_sudo_password INTEGER NOT NULL DEFAULT 0,
  -- AES-256-GCM envelope (JSON) of the secrets, bound to this row's id.
  sealed TEXT NOT NULL CHECK (json_valid(sealed)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

ALTER TABLE hosts ADD COLUMN pending_host_key TEXT;
ALTER TABLE hosts ADD COLUMN platform TEXT;
ALTER TABLE hosts ADD COLUMN arch TEXT;
ALTER TABLE hosts ADD COLUMN uptime_seconds INTEGER;
ALTER TABLE hosts ADD COLUMN reboot_required INTEGER;
ALTER TABLE hosts ADD COLUMN reboot_reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE hosts ADD COLUMN health TEXT;
ALTER TABLE hosts ADD COLUMN last_assessed_at INTEGER;
ALTER TABLE hosts ADD COLUMN last_error TEXT;

CREATE TABLE assessments (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
  state TEXT NOT NULL CHECK (state IN ('succeeded', 'failed')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  pending_count INTEGER NOT NULL DEFAULT 0,
  security_count INTEGER NOT NULL DEFAULT 0,
  new_count INTEGER NOT NULL DEFAULT 0,
  fixed_count INTEGER NOT NULL DEFAULT 0,
  facts TEXT NOT NULL DEFAULT 'null' CHECK (json_valid(facts)),
  -- Non-fatal problems, e.g. "package lists not refreshed: no sudo".
  warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)),
  error TEXT CHECK (error IS NULL OR json_valid(error))
) STRICT;
CREATE INDEX assessments_host ON assessments (host_id, id);

CREATE TABLE changelog_cache (
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  info TEXT NOT NULL CHECK (json_valid(info)),
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (package, version)
) STRICT, WITHOUT ROWID;

ALTER TABLE pending_updates ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pending_updates ADD COLUMN advisory_ids TEXT NOT NULL DEFAULT '[]';
CREATE INDEX pending_updates_host_open ON pending_updates (host_id) WHERE resolved_at IS NULL;
`;
