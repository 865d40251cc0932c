/** Application settings kept in the database (UI preferences stay in the renderer). */
import { appSettings, OFFICE_CACHE_DEFAULT_BYTES, type AppSettings } from '../../shared/contract';
import type { Db } from './db/open';

export const DEFAULT_SETTINGS: AppSettings = {
  refreshPackageLists: true,
  maxConcurrentHosts: 8,
  schedulesPaused: false,
  officeCache: { enabled: true, maxBytes: OFFICE_CACHE_DEFAULT_BYTES, offline: false },
};

export function getSettings(db: Db): AppSettings {
  const rows = db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
  const stored: Record<string, unknown> = {};
  for (const r of rows) stored[r.key] = JSON.parse(r.value) as unknown;
  // A stored value that no longer fits the schema falls back to its default instead of breaking start-up.
  const merged = { ...DEFAULT_SETTINGS, ...stored };
  const parsed = appSettings.safeParse(merged);
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

export function updateSettings(db: Db, patch: Partial<AppSettings>, now = Date.now()): AppSettings {
  db.transaction(() => {
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) putSetting(db, k, v, now);
  })();
  return getSettings(db);
}

/** One stored value by key (JSON), for domains that keep their own settings (snapshot retention, schedules). */
export function readSetting<T>(db: Db, key: string): T | undefined {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : undefined;
}

export function putSetting(db: Db, key: string, value: unknown, now = Date.now()): void {
  db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
    key,
    JSON.stringify(value),
    now,
  );
}
