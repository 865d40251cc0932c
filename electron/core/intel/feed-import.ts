/**
 * Imports a feed file into the database: the format is detected, the whole file is parsed and validated first
 * (a malformed or truncated file is refused with the parser's reason), and only then is the feed replaced, in
 * one transaction with its date and source — so the previous feed stays in force whenever anything fails.
 * KEV (JSON or CSV) and EPSS (CSV, gzipped or not) feed the risk score today; OSV, the Debian tracker and
 * Microsoft CVRF are parsed and validated but not stored by this version, which says so instead of pretending.
 */
import type { Db } from '../db/open';
import type { FeedKind as FileKind } from './feeds/feed-types';
import { parseFeedAuto } from './feeds/parse-feed-file';
import { replaceEpss, replaceKev, type FeedKind } from './intel-store';

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

const NOT_STORED: Partial<Record<FileKind, string>> = {
  'osv-json': 'OSV advisories',
  'debian-tracker-json': 'The Debian security tracker',
  'msrc-cvrf-json': 'Microsoft CVRF documents',
};

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
    default:
      throw new FeedImportError(
        `${source} is a valid ${NOT_STORED[feed.kind] ?? feed.kind} file (${feed.count} records of ${feed.date.slice(0, 10)}), but this version of Patchwell does not use that feed for scoring yet; nothing was changed.`,
      );
  }
}
