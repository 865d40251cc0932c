/**
 * Notices: what happened while nobody watched (a deployment's end, a failure, a machine to restart, a newly
 * known-exploited finding), kept until the user has seen and cleared them, so a reload or restart still shows
 * them. The two watch tables hold what was already told, so only what is new becomes a notice: the KEV exposure
 * (machine, package, CVE) and the machines known to need a restart. notice_watch records when each watch took its
 * first, silent look (an upgraded database must not announce the whole fleet's existing exposure as new).
 */
export const sql = `
CREATE TABLE notices (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN (
    'deploy-finished','deploy-failed','rollback-finished','rollback-failed','assess-failed','reboot-needed','kev-new')),
  severity TEXT NOT NULL CHECK (severity IN ('info','warning','error')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  page TEXT NOT NULL CHECK (page IN ('dashboard','machines','patches','deployments')),
  target_id INTEGER CHECK (target_id IS NULL OR target_id > 0),
  created_at INTEGER NOT NULL,
  seen_at INTEGER
) STRICT;
-- The list reads the unseen first, newest first.
CREATE INDEX notices_unseen ON notices (seen_at IS NOT NULL, id DESC);

CREATE TABLE notice_kev_exposure (
  host_id INTEGER NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  cve_id TEXT NOT NULL,
  PRIMARY KEY (host_id, package, cve_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE notice_reboot_hosts (
  host_id INTEGER PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE
) STRICT;

CREATE TABLE notice_watch (
  name TEXT PRIMARY KEY CHECK (name IN ('kev','reboot')),
  since INTEGER NOT NULL
) STRICT;
`;
