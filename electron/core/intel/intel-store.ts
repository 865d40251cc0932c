/**
 * Feeds in SQLite. A feed's rows are replaced in the same transaction that records it, so a refused or
 * failed import never leaves a half-replaced feed: the previous one stays in force.
 */
import type { Db } from '../db/open';

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

function recordFeed(db: Db, info: Omit<FeedInfo, 'importedAt'>, now: number): void {
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
