/**
 * Imports a feed file into the database: the format is detected, the whole file is parsed and validated first
 * (a malformed or truncated file is refused with the parser's reason), and only then is the feed replaced, in
 * one transaction with its date and source — so the previous feed stays in force whenever anything fails.
 * KEV (JSON or CSV) and EPSS (CSV, gzipped or not) and the Debian tracker dump replace what was there; OSV
 * advisories (JSON or an ecosystem's all.zip) and Microsoft's monthly CVRF documents merge into what was there,
 * since each file holds only part of the feed.
 */
import type { Db } from '../db/open';
import type { FeedKind as FileKind } from './feeds/feed-types';
import { parseFeedAuto } from './feeds/parse-feed-file';
import { mergeMsrc, mergeOsv, replaceDebianTracker, replaceEpss, replaceKev, type FeedKind } from './intel-store';

export class FeedImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedImportError';
  }
}

export interface ImportOutcome {
  kind: FeedKind;
  format: FileKind;
  feedDate: string;
  recordCount: number;
  source: string;
}

export function importFeedBytes(db: Db, bytes: Uint8Array, source: string, options: { fileDate?: string; now?: number } = {}): ImportOutcome {
  const parsed = parseFeedAuto(bytes, options.fileDate ? { fallbackDate: options.fileDate } : {});
  if (!parsed.ok) throw new FeedImportError(`${source} was refused: ${parsed.error}. The feed in force is unchanged.`);
  const feed = parsed.feed;
  const now = options.now ?? Date.now();
  switch (feed.kind) {
    case 'kev-json':
    case 'kev-csv':
      replaceKev(
        db,
        feed.date,
        source,
        feed.records.map((r) => ({ cveId: r.cveId, vendor: r.vendor, product: r.product, name: r.name, dateAdded: r.dateAdded, dueDate: r.dueDate || null, ransomware: r.ransomware })),
        now,
      );
      return { kind: 'kev', format: feed.kind, feedDate: feed.date, recordCount: feed.count, source };
    case 'epss-csv':
      replaceEpss(db, feed.date, source, feed.records.map((r) => ({ cveId: r.cveId, score: r.epss, percentile: r.percentile })), now);
      return { kind: 'epss', format: feed.kind, feedDate: feed.date, recordCount: feed.count, source };
    case 'osv-json':
    case 'osv-zip': {
      // Checked before anything is written: a refused file must leave the stored advisories and the feed's record alone.
      if (!feed.records.some((a) => a.cves.length > 0)) {
        throw new FeedImportError(`${source} holds ${feed.count} OSV advisories but none names a CVE, so none can be matched to an update; nothing was changed.`);
      }
      const r = mergeOsv(db, source, feed.records, now);
      return { kind: 'osv', format: feed.kind, feedDate: feed.date, recordCount: r.kept, source };
    }
    case 'debian-tracker-json':
      replaceDebianTracker(db, feed.date, source, feed.records, now);
      return { kind: 'debian-tracker', format: feed.kind, feedDate: feed.date, recordCount: feed.count, source };
    case 'msrc-cvrf-json':
      mergeMsrc(db, feed.date, source, feed.records, now);
      return { kind: 'msrc', format: feed.kind, feedDate: feed.date, recordCount: feed.count, source };
  }
}
