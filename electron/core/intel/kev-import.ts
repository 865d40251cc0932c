/**
 * CISA's Known Exploited Vulnerabilities catalog (JSON). The app ships a snapshot (resources/kev) as its
 * offline default; a malformed or truncated catalog is refused whole, and the feed in force stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../db/open';
import { listFeeds, replaceKev, type KevRow } from './intel-store';

const entry = z.object({
  cveID: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'not a CVE id'),
  vendorProject: z.string(),
  product: z.string(),
  vulnerabilityName: z.string(),
  dateAdded: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'not a YYYY-MM-DD date'),
  dueDate: z.string().nullable().optional(),
  knownRansomwareCampaignUse: z.enum(['Known', 'Unknown']),
});

const catalog = z.object({
  catalogVersion: z.string(),
  dateReleased: z.string(),
  count: z.number().int().nonnegative(),
  vulnerabilities: z.array(z.unknown()),
});

export type KevParse = { ok: true; feedDate: string; version: string; rows: KevRow[] } | { ok: false; error: string };

export function parseKevJson(text: string): KevParse {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Not a KEV catalog: the JSON does not parse (${err instanceof Error ? err.message : String(err)}); the file may be truncated` };
  }
  const top = catalog.safeParse(data);
  if (!top.success) return { ok: false, error: `Not a KEV catalog: ${top.error.issues[0]?.path.join('.') || 'top level'} ${top.error.issues[0]?.message ?? ''}`.trim() };
  if (top.data.count !== top.data.vulnerabilities.length) {
    return { ok: false, error: `The KEV catalog says it has ${top.data.count} entries but holds ${top.data.vulnerabilities.length}: refusing a truncated or altered file` };
  }
  const rows: KevRow[] = [];
  for (const [i, raw] of top.data.vulnerabilities.entries()) {
    const e = entry.safeParse(raw);
    if (!e.success) return { ok: false, error: `KEV entry ${i + 1}: ${e.error.issues[0]?.path.join('.')} ${e.error.issues[0]?.message}` };
    rows.push({
      cveId: e.data.cveID,
      vendor: e.data.vendorProject,
      product: e.data.product,
      name: e.data.vulnerabilityName,
      dateAdded: e.data.dateAdded,
      dueDate: e.data.dueDate ?? null,
      ransomware: e.data.knownRansomwareCampaignUse === 'Known',
    });
  }
  const date = Date.parse(top.data.dateReleased);
  if (!Number.isFinite(date)) return { ok: false, error: `The KEV catalog's dateReleased "${top.data.dateReleased}" is not a date` };
  return { ok: true, feedDate: new Date(date).toISOString(), version: top.data.catalogVersion, rows };
}

/** Imports a KEV file, or leaves the current feed untouched and says why. */
export function importKevFile(db: Db, file: string, source = path.basename(file)): KevParse {
  const parsed = parseKevJson(fs.readFileSync(file, 'utf8'));
  if (parsed.ok) replaceKev(db, parsed.feedDate, `${source} (catalog ${parsed.version})`, parsed.rows);
  return parsed;
}

/** On first start (no KEV feed yet), loads the bundled snapshot so prioritisation works offline at once. */
export function ensureBundledKev(db: Db, resourcesDir: string): void {
  if (listFeeds(db).some((f) => f.kind === 'kev')) return;
  const file = path.join(resourcesDir, 'kev', 'known_exploited_vulnerabilities.json');
  if (!fs.existsSync(file)) return;
  importKevFile(db, file, 'bundled snapshot');
}
