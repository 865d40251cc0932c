/**
 * CISA's Known Exploited Vulnerabilities catalog ships with the app (resources/kev, CC0) as its offline default:
 * on first start it is imported through the same parser and importer as any feed file the user brings.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/open';
import { importFeedBytes } from './feed-import';
import { listFeeds } from './intel-store';

export const BUNDLED_KEV = path.join('kev', 'known_exploited_vulnerabilities.json');

/** On first start (no KEV feed yet), loads the bundled snapshot so prioritisation works offline at once. */
export function ensureBundledKev(db: Db, resourcesDir: string): void {
  if (listFeeds(db).some((f) => f.kind === 'kev')) return;
  const file = path.join(resourcesDir, BUNDLED_KEV);
  if (!fs.existsSync(file)) return;
  importFeedBytes(db, fs.readFileSync(file), 'bundled snapshot');
}
