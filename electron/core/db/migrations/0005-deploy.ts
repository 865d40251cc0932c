/**
 * Deployments, per machine and per package, with the snapshot each machine got before its change; the
 * settings a deployment plan reads (rings, clusters, health checks, snapshot provider) and the maintenance
 * windows of machine groups (groups are tags; '' is the fleet-wide default).
 *
 * `deployments` and `snapshots` date from 0001; this adds what the plan and the durable per-step state need.
 */
export const sql = `
ALTER TABLE deployments ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE deployments ADD COLUMN started_at INTEGER;
-- Why a deployment stopped before its end (a ring gate, a cancel, the app dying), in plain words.
ALTER TABLE deployments ADD COLUMN halted_reason TEXT;
-- Which deployment a rollback undoes (a rollback is a deployment of its own, so it has targets and a log).
ALTER TABLE deployments ADD COLUMN rollback_of INTEGER REFERENCES deployments (id) ON DELETE SET NULL;
CREATE INDEX deployments_created ON deployments (created_at);

CREATE TABLE deployment_targets (
  deployment_id INTEGER NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  ring INTEGER NOT NULL CHECK (ring >= 0),
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN (
    'pending','waiting','running','succeeded','failed','rolled-back','rollback-failed','skipped','cancelled','interrupted')),
  step TEXT CHECK (step IS NULL OR step IN ('preflight','snapshot','install','verify','reboot','rollback','repair','done')),
  snapshot_id INTEGER REFERENCES snapshots (id) ON DELETE SET NULL,
  failure TEXT CHECK (failure IS NULL OR json_valid(failure)),
  started_at INTEGER,
  finished_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (deployment_id, host_id)
) STRICT;
CREATE INDEX deployment_targets_host ON deployment_targets (host_id);

CREATE TABLE deployment_items (
  deployment_id INTEGER NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  arch TEXT NOT NULL DEFAULT '',
  from_version TEXT,
  to_version TEXT NOT NULL,
  approval_id INTEGER REFERENCES approvals (id) ON DELETE SET NULL,
  -- The version found on the machine after the install (verification) or after a rollback.
  result_version TEXT,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','installed','failed','rolled-back')),
  PRIMARY KEY (deployment_id, host_id, package, arch)
) STRICT, WITHOUT ROWID;

-- Per-machine deployment settings. ring 0 is the canary ring.
ALTER TABLE hosts ADD COLUMN deploy_ring INTEGER NOT NULL DEFAULT 1 CHECK (deploy_ring BETWEEN 0 AND 9);
-- Members of one cluster are never patched at the same time.
ALTER TABLE hosts ADD COLUMN cluster TEXT;
-- {"kind":"command","command":"..."} or {"kind":"http","url":"http://..."}; run on or against the machine.
ALTER TABLE hosts ADD COLUMN health_check TEXT CHECK (health_check IS NULL OR json_valid(health_check));
ALTER TABLE hosts ADD COLUMN snapshot_provider TEXT NOT NULL DEFAULT 'auto'
  CHECK (snapshot_provider IN ('auto','package','btrfs','lvm','zfs'));
ALTER TABLE hosts ADD COLUMN allow_reboot INTEGER NOT NULL DEFAULT 0 CHECK (allow_reboot IN (0, 1));
-- IANA zone the machine's maintenance window is read in; NULL: this computer's zone.
ALTER TABLE hosts ADD COLUMN timezone TEXT;

-- Weekly windows by group (a tag; '' is every machine whose tags have none).
-- rule: {"days":[1,3],"start":"02:00","minutes":180}  (days 0 = Sunday .. 6)
CREATE TABLE maintenance_windows (
  id INTEGER PRIMARY KEY,
  tag TEXT NOT NULL DEFAULT '',
  rule TEXT NOT NULL CHECK (json_valid(rule)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX maintenance_windows_tag ON maintenance_windows (tag);
`;
