/**
 * Fleet memory: what happened to each exact version a deployment carried, so a version that broke one machine
 * is not approved again for the next one without the admin seeing why. One row per event (a failed install or
 * verification, a rollback, a success) and per package; a "bad" row is the mark, active until cleared. Rows are
 * never deleted: they are also the history the outcome metrics count.
 */
export const sql = `
CREATE TABLE version_events (
  id INTEGER PRIMARY KEY,
  package TEXT NOT NULL,
  version TEXT NOT NULL,
  -- hosts.platform of the machine it happened on ('' when unknown): a version is remembered per platform.
  platform TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('bad','good')),
  event TEXT NOT NULL CHECK (event IN ('install-failed','verify-failed','rolled-back','rolled-back-by-hand','rollback-failed','succeeded')),
  -- Plain category ('health check failed', 'rolled back by hand'...) and the failure's own words.
  cause TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  host_id INTEGER REFERENCES hosts (id) ON DELETE SET NULL,
  -- The machine's name when it happened: the history outlives the machine.
  host_label TEXT NOT NULL,
  deployment_id INTEGER REFERENCES deployments (id) ON DELETE SET NULL,
  ring INTEGER,
  at INTEGER NOT NULL,
  cleared_at INTEGER,
  cleared_by TEXT,
  cleared_reason TEXT
) STRICT;
CREATE INDEX version_events_key ON version_events (package, version, platform);
CREATE INDEX version_events_at ON version_events (at);
`;
