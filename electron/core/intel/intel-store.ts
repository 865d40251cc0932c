/**
 * Feeds in SQLite. A feed's rows are replaced in the same transaction that records it, so a refused or
 * failed import never leaves a half-replaced feed: the previous one stays in force.
 */
import type { Db } from '../db/open';
import { cvssBaseScore } from './cvss';

export type FeedKind = 'kev' | 'epss' | 'osv' | 'debian-tracker' | 'msrc';

export interface FeedInfo {
  kind: FeedKind;
  /** The date the publisher gave the data (ISO). */
  feedDate: string;
  /** Where it came from: "bundled snapshot", a file name. */
  source: string;
  recordCount: number;
  importedAt: number;
}

export interface KevRow {
  cveId: string;
  vendor: string;
  product: string;
  name: string;
  dateAdded: string;
  dueDate: string | null;
  ransomware: boolean;
}

export interface EpssRow {
  cveId: string;
  score: number;
  percentile: number;
}

export function listFeeds(db: Db): FeedInfo[] {
  return (
    db.prepare('SELECT kind, feed_date, source, record_count, imported_at FROM feeds ORDER BY kind').all() as {
      kind: FeedKind;
      feed_date: string;
      source: string;
      record_count: number;
      imported_at: number;
    }[]
  ).map((r) => ({ kind: r.kind, feedDate: r.feed_date, source: r.source, recordCount: r.record_count, importedAt: r.imported_at }));
}

export function recordFeed(db: Db, info: Omit<FeedInfo, 'importedAt'>, now: number): void {
  db.prepare(
    `INSERT INTO feeds (kind, feed_date, source, record_count, imported_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (kind) DO UPDATE SET feed_date = excluded.feed_date, source = excluded.source,
       record_count = excluded.record_count, imported_at = excluded.imported_at`,
  ).run(info.kind, info.feedDate, info.source, info.recordCount, now);
}

export function replaceKev(db: Db, feedDate: string, source: string, rows: readonly KevRow[], now = Date.now()): void {
  db.transaction(() => {
    db.prepare('DELETE FROM kev').run();
    const put = db.prepare('INSERT OR REPLACE INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const r of rows) put.run(r.cveId, r.vendor, r.product, r.name, r.dateAdded, r.dueDate, r.ransomware ? 1 : 0);
    recordFeed(db, { kind: 'kev', feedDate, source, recordCount: rows.length }, now);
  })();
}

export function replaceEpss(db: Db, feedDate: string, source: string, rows: Iterable<EpssRow>, now = Date.now()): void {
  db.transaction(() => {
    db.prepare('DELETE FROM epss').run();
    const put = db.prepare('INSERT OR REPLACE INTO epss (cve_id, score, percentile) VALUES (?, ?, ?)');
    let n = 0;
    for (const r of rows) {
      put.run(r.cveId, r.score, r.percentile);
      n++;
    }
    recordFeed(db, { kind: 'epss', feedDate, source, recordCount: n }, now);
  })();
}

/** Feeds older than this are flagged stale in the UI: KEV and EPSS are republished daily. */
export const STALE_AFTER_DAYS: Readonly<Record<FeedKind, number>> = { kev: 14, epss: 14, osv: 30, 'debian-tracker': 14, msrc: 45 };

export function isStale(feed: FeedInfo, now = Date.now()): boolean {
  const t = Date.parse(feed.feedDate);
  return !Number.isFinite(t) || now - t > STALE_AFTER_DAYS[feed.kind] * 86_400_000;
}

export interface OsvAdvisoryRow {
  id: string;
  cves: readonly string[];
  published: string;
  modified: string;
  packages: readonly { ecosystem: string; name: string; fixed: string | null }[];
  cvss: string | null;
  vendorSeverity?: string | null;
}

function epochOf(iso: string, what: string): number {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error(`${what}: ${JSON.stringify(iso)} is not a date`);
  return t;
}

/** One osv_fixes row: (advisory, CVE, package) with the advisory's dates and score. */
export type OsvFixRow = [
  advisoryId: string,
  cveId: string,
  ecosystem: string,
  pkg: string,
  fixed: string | null,
  publishedAt: number,
  modifiedAt: number,
  cvssVector: string | null,
  cvssVersion: string | null,
  cvssScore: number | null,
  vendorSeverity: string | null,
];

/** The osv_fixes rows of one advisory (none when it names no CVE: it cannot be joined to an update). */
export function osvFixRows(a: OsvAdvisoryRow): OsvFixRow[] {
  if (a.cves.length === 0) return [];
  const published = epochOf(a.published, a.id);
  const modified = epochOf(a.modified, a.id);
  const cvss = a.cvss ? cvssBaseScore(a.cvss) : null;
  const packages = a.packages.length ? a.packages : [{ ecosystem: '', name: '', fixed: null }];
  const rows: OsvFixRow[] = [];
  for (const cve of a.cves) {
    for (const p of packages) {
      rows.push([a.id, cve, p.ecosystem, p.name, p.fixed, published, modified, a.cvss, cvss?.version ?? null, cvss?.ok ? cvss.score : null, a.vendorSeverity ?? null]);
    }
  }
  return rows;
}

export const OSV_FIX_COLUMNS =
  'advisory_id, cve_id, ecosystem, package, fixed_version, published_at, modified_at, cvss_vector, cvss_version, cvss_score, vendor_severity';

/** Records the OSV feed as what osv_fixes now holds: its newest `modified` and its advisory count. */
export function recordOsvFeed(db: Db, source: string, now: number): void {
  const agg = db.prepare('SELECT max(modified_at) AS newest, count(DISTINCT advisory_id) AS n FROM osv_fixes').get() as { newest: number | null; n: number };
  if (agg.newest !== null) recordFeed(db, { kind: 'osv', feedDate: new Date(agg.newest).toISOString(), source, recordCount: agg.n }, now);
}

/**
 * Merges OSV advisories: each advisory's rows are replaced by its new version, other advisories stay (OSV
 * comes one advisory per file, or as a zip of them). Advisories naming no CVE cannot be joined and are not kept.
 * The feed's date is the newest `modified` held; its count the advisories held. (Zip bundles go through
 * osv-staging.ts instead, which stages entry by entry and merges the same way.)
 */
export function mergeOsv(db: Db, source: string, rows: readonly OsvAdvisoryRow[], now = Date.now()): { kept: number; withoutCve: number } {
  let kept = 0;
  let withoutCve = 0;
  db.transaction(() => {
    const drop = db.prepare('DELETE FROM osv_fixes WHERE advisory_id = ?');
    const put = db.prepare(`INSERT OR REPLACE INTO osv_fixes (${OSV_FIX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const a of rows) {
      drop.run(a.id);
      const fixes = osvFixRows(a);
      if (fixes.length === 0) {
        withoutCve++;
        continue;
      }
      for (const f of fixes) put.run(...f);
      kept++;
    }
    recordOsvFeed(db, source, now);
  })();
  return { kept, withoutCve };
}

export interface DebianTrackerRow {
  package: string;
  cveId: string;
  release: string;
  status: 'resolved' | 'open' | 'undetermined';
  fixedVersion: string | null;
  urgency: string;
}

/** Replaces the Debian security tracker's data whole: the file is the tracker's complete dump. */
export function replaceDebianTracker(db: Db, feedDate: string, source: string, rows: readonly DebianTrackerRow[], now = Date.now()): void {
  db.transaction(() => {
    db.prepare('DELETE FROM debian_tracker').run();
    const put = db.prepare('INSERT OR REPLACE INTO debian_tracker (cve_id, release, package, status, fixed_version, urgency) VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of rows) put.run(r.cveId, r.release, r.package, r.status, r.fixedVersion, r.urgency);
    recordFeed(db, { kind: 'debian-tracker', feedDate, source, recordCount: rows.length }, now);
  })();
}

export interface MsrcCveRow {
  cveId: string;
  title: string;
  severity: 'Critical' | 'Important' | 'Moderate' | 'Low' | null;
  cvssBase: number | null;
  kbs: readonly string[];
  products: readonly string[];
}

/**
 * Merges one monthly CVRF document: a CVE already known keeps its earliest publication date (when a fix was
 * first offered) and the union of KBs and products; severity and score come from the document imported last.
 */
export function mergeMsrc(db: Db, feedDate: string, source: string, rows: readonly MsrcCveRow[], now = Date.now()): void {
  const published = epochOf(feedDate, source);
  db.transaction(() => {
    const get = db.prepare('SELECT kbs, products, published_at FROM msrc_cves WHERE cve_id = ?');
    const put = db.prepare('INSERT OR REPLACE INTO msrc_cves (cve_id, title, severity, cvss_base, kbs, products, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const r of rows) {
      const old = get.get(r.cveId) as { kbs: string; products: string; published_at: number } | undefined;
      const kbs = new Set([...(old ? (JSON.parse(old.kbs) as string[]) : []), ...r.kbs]);
      const products = new Set([...(old ? (JSON.parse(old.products) as string[]) : []), ...r.products]);
      put.run(r.cveId, r.title, r.severity, r.cvssBase, JSON.stringify([...kbs]), JSON.stringify([...products]), Math.min(old?.published_at ?? published, published));
    }
    const agg = db.prepare('SELECT count(*) AS n FROM msrc_cves').get() as { n: number };
    const prev = db.prepare(`SELECT feed_date FROM feeds WHERE kind = 'msrc'`).get() as { feed_date: string } | undefined;
    const newest = prev && Date.parse(prev.feed_date) > published ? prev.feed_date : feedDate;
    recordFeed(db, { kind: 'msrc', feedDate: newest, source, recordCount: agg.n }, now);
  })();
}
