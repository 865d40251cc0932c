/**
 * What keeps Patchwell running when its window closes: active jobs, deployments not finished (with the window
 * they wait for) and enabled schedules, plus the background settings. Read by the desktop tray.
 */
import type { BackgroundSettings, BackgroundStatus } from '../../../shared/contract';
import type { Db } from '../db/open';
import { getDeployment, getDeploySettings, listDeployments, listWindows } from '../deploy/deploy-queries';
import { nextWindow, windowsFor } from '../deploy/window';
import { listJobs } from '../jobs/job-queries';
import { getHost } from '../machines/machine-queries';
import { putSetting, readSetting } from '../settings';

const SETTINGS_KEY = 'background';
// The scheduler reads this key; "Pause all schedules" in the tray writes it (the same key the Schedules view sets).
export const SCHEDULES_PAUSED_KEY = 'schedulesPaused';
export const DEFAULT_BACKGROUND: BackgroundSettings = { mode: 'scheduled', startAtLogin: false };

export function getBackgroundSettings(db: Db): BackgroundSettings {
  const stored = readSetting<Partial<BackgroundSettings>>(db, SETTINGS_KEY) ?? {};
  const mode = stored.mode === 'always' || stored.mode === 'never' || stored.mode === 'scheduled' ? stored.mode : DEFAULT_BACKGROUND.mode;
  return { mode, startAtLogin: stored.startAtLogin === true };
}

export function setBackground(db: Db, patch: Partial<BackgroundSettings> & { schedulesPaused?: boolean }, now = Date.now()): void {
  const { schedulesPaused, ...rest } = patch;
  const next = { ...getBackgroundSettings(db), ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
  putSetting(db, SETTINGS_KEY, next, now);
  if (schedulesPaused !== undefined) putSetting(db, SCHEDULES_PAUSED_KEY, schedulesPaused, now);
}

/**
 * Enabled schedules. The schedules table arrives with its own migration; until it exists there are none, and
 * a table without an `enabled` column counts every row.
 */
export function countSchedules(db: Db): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedules'").get();
  if (!table) return 0;
  const columns = db.prepare('PRAGMA table_info(schedules)').all() as { name: string }[];
  const sql = columns.some((c) => c.name === 'enabled') ? 'SELECT COUNT(*) AS n FROM schedules WHERE enabled = 1' : 'SELECT COUNT(*) AS n FROM schedules';
  return (db.prepare(sql).get() as { n: number }).n;
}

const UNSTARTED = new Set(['pending', 'waiting']);

export function backgroundStatus(db: Db, now = Date.now(), localZone = Intl.DateTimeFormat().resolvedOptions().timeZone): BackgroundStatus {
  const jobs = listJobs(db, 200).flatMap((j) => (j.state === 'queued' || j.state === 'running' ? [{ id: j.id, kind: j.kind, title: j.title, state: j.state }] : []));
  const windows = listWindows(db);
  const hostSettings = getDeploySettings(db);
  const deployments = listDeployments(db, 100)
    .filter((d) => d.state === 'scheduled' || d.state === 'running')
    .map((summary) => {
      const d = getDeployment(db, summary.id)!;
      let nextWindowAt: number | null = null;
      const unstarted = d.targets.filter((t) => UNSTARTED.has(t.state));
      // The job recomputes each machine's next window when it gets there; so does this (a plan's window may have passed).
      if (!d.plan?.deployNow) {
        for (const t of unstarted) {
          const host = getHost(db, t.hostId);
          if (!host) continue;
          const w = nextWindow(windowsFor(windows, host.tags), hostSettings.get(t.hostId)?.timezone ?? localZone, now);
          if (w && w.start > now) nextWindowAt = Math.min(nextWindowAt ?? w.start, w.start);
        }
      }
      return {
        id: d.id,
        title: d.title,
        running: d.targets.filter((t) => t.state === 'running').length,
        waiting: unstarted.length,
        nextWindowAt,
      };
    });
  return {
    ...getBackgroundSettings(db),
    schedulesPaused: readSetting<boolean>(db, SCHEDULES_PAUSED_KEY) === true,
    schedules: countSchedules(db),
    jobs,
    deployments,
  };
}
