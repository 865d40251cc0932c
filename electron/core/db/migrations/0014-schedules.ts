/**
 * Schedules get a table of their own (assessments, feed refreshes, reports), each a cron expression read in a
 * time zone. The report schedules kept as a settings blob move into it: 'monthly' meant every 30 days and now
 * means the 1st of each month, weekly Mondays, daily every day, all at 06:00 (they had no time of day), and each
 * keeps its last run so its next report still covers the time since.
 *
 * A machine waiting for its maintenance window records which window (start and end), so a restart can tell a
 * window missed while Patchwell was stopped from one still ahead, and its note says so on the Deployments page.
 */
export const sql = `
CREATE TABLE schedules (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('assessment','feeds','report')),
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_run_at INTEGER,
  last_job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
  last_outcome TEXT CHECK (last_outcome IS NULL OR last_outcome IN ('running','succeeded','partial','failed','cancelled','interrupted','skipped')),
  last_message TEXT
) STRICT;

INSERT INTO schedules (kind, name, cron, timezone, enabled, options, created_at, updated_at, last_run_at)
SELECT 'report',
       CASE json_extract(r.value, '$.every') WHEN 'daily' THEN 'Daily report' WHEN 'weekly' THEN 'Weekly report' ELSE 'Monthly report' END,
       CASE json_extract(r.value, '$.every') WHEN 'daily' THEN '0 6 * * *' WHEN 'weekly' THEN '0 6 * * 1' ELSE '0 6 1 * *' END,
       NULL, 1, json_object('folder', json_extract(r.value, '$.folder')),
       s.updated_at, s.updated_at, json_extract(r.value, '$.lastRunAt')
FROM settings s, json_each(s.value) r
WHERE s.key = 'reportSchedules' AND json_type(s.value) = 'array' AND json_extract(r.value, '$.folder') IS NOT NULL;
DELETE FROM settings WHERE key = 'reportSchedules';

ALTER TABLE deployment_targets ADD COLUMN window_start INTEGER;
ALTER TABLE deployment_targets ADD COLUMN window_end INTEGER;
ALTER TABLE deployment_targets ADD COLUMN note TEXT;
`;
