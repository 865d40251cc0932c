/**
 * Imports a feed file into the database: the format is detected, the whole file is parsed and validated first
 * (a malformed or truncated file is refused with the parser's reason), and only then is the feed replaced, in
 * one transaction with its date and source — so the previous feed stays in force whenever anything fails.
 * KEV (JSON or CSV) and EPSS (CSV, gzipped or not) and the Debian tracker dump replace what was there; OSV
 * advisories (JSON or an ecosystem's all.zip) and Microsoft's monthly CVRF documents merge into what was there,
 * since each file holds only part of the feed.
 */
import fs from 'node:fs';
import type { Db } from '../db/open';
import { FeedImportError, type ImportOutcome } from './feed-errors';
import { MAX_FEED_BYTES } from './feeds/feed-types';
import { parseFeedAuto } from './feeds/parse-feed-file';
import { isZip } from './feeds/zip-stream';
import { mergeMsrc, mergeOsv, replaceDebianTracker, replaceEpss, replaceKev } from './intel-store';
import { importOsvZip } from './osv-zip-import';

export { FeedImportError, type ImportOutcome } from './feed-errors';

/** A feed file on disk (an archive is then read from the disk, never loaded whole) or already in memory. */
export type FeedInput = { path: string } | { bytes: Uint8Array };

export interface ImportOptions {
  /** The file's own date, for formats that carry none (the Debian tracker). */
  fileDate?: string;
  now?: number;
  signal?: AbortSignal;
  /** Archives only: entries read so far, of the archive's entry count. */
  onProgress?: (entriesRead: number, entryCount: number) => void;
}

function head(input: FeedInput): Uint8Array {
  if ('bytes' in input) return input.bytes;
  const buf = Buffer.alloc(4);
  const fd = fs.openSync(input.path, 'r');
  try {
    return buf.subarray(0, fs.readSync(fd, buf, 0, 4, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Imports any feed file. An OSV bundle (zip) is streamed entry by entry in bounded memory whatever its size;
 * other formats are single documents parsed whole, so they are refused past MAX_FEED_BYTES.
 */
export async function importFeed(db: Db, input: FeedInput, source: string, options: ImportOptions = {}): Promise<ImportOutcome> {
  if (isZip(head(input))) {
    const { fileDate: _unused, ...zipOptions } = options;
    return importOsvZip(db, input, source, zipOptions);
  }
  if ('bytes' in input) return importFeedBytes(db, input.bytes, source, options);
  const size = fs.statSync(input.path).size;
  if (size > MAX_FEED_BYTES) {
    throw new FeedImportError(`${source} is ${Math.round(size / 1048576)} MB, larger than the ${MAX_FEED_BYTES / 1048576} MB a feed document may be. The feed in force is unchanged.`);
  }
  return importFeedBytes(db, fs.readFileSync(input.path), source, options);
}

/** Imports a single feed document held in memory (not an archive: use importFeed, which streams those). */
export function importFeedBytes(db: Db, bytes: Uint8Array, source: string, options: { fileDate?: string; now?: number } = {}): ImportOutcome {
  if (isZip(bytes)) throw new FeedImportError(`${source}: an OSV bundle (zip) is imported by importFeed, entry by entry`);
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
    case 'osv-json': {
      // Checked before anything is written: a refused file must leave the stored advisories and the feed's record alone.
      if (!feed.records.some((a) => a.cves.length > 0)) {
        throw new FeedImportError(`${source} holds ${feed.count} OSV advisories but none names a CVE, so none can be matched to an update; nothing was changed.`);
      }
      const r = mergeOsv(db, source, feed.records, now);
      return { kind: 'osv', format: feed.kind, feedDate: feed.date, recordCount: r.kept, source };
    }
    case 'osv-zip':
      // Not reached: parseFeedAuto refuses archives (checked above as well); kept for the exhaustive switch.
      throw new FeedImportError(`${source}: an OSV bundle (zip) is imported by importFeed, entry by entry`);
    case 'debian-tracker-json':
      replaceDebianTracker(db, feed.date, source, feed.records, now);
      return { kind: 'debian-tracker', format: feed.kind, feedDate: feed.date, recordCount: feed.count, source };
    case 'msrc-cvrf-json':
      mergeMsrc(db, feed.date, source, feed.records, now);
      return { kind: 'msrc', format: feed.kind, feedDate: feed.date, recordCount: feed.count, source };
  }
}
