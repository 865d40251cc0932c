/**
 * Imports an OSV ecosystem bundle (osv.dev's all.zip: one advisory JSON per entry, ZIP64 past 65,535 entries)
 * in bounded memory: entries are inflated one at a time and CRC-checked (zip-stream.ts), each is validated and
 * staged (osv-staging.ts), and only a wholly valid archive is merged, in one transaction. A damaged archive, an
 * invalid advisory (named by its entry) or a cancel imports nothing.
 */
import type { Db } from '../db/open';
import { FeedImportError, type ImportOutcome } from './feed-errors';
import { MAX_ZIP_ENTRIES, MAX_ZIP_ENTRY_BYTES, parseOsvJson } from './feeds/osv-feed';
import type { OsvRecord } from './feeds/feed-types';
import { zipEntries, ZipError, type ZipSource } from './feeds/zip-stream';
import { DuplicateAdvisoryError, OsvStaging } from './osv-staging';

/** Staged per short transaction: small enough to keep memory flat, large enough to amortise the commit. */
const BATCH = 500;

export interface ZipImportOptions {
  now?: number;
  signal?: AbortSignal;
  /** Entries read so far and the archive's entry count; called every few hundred entries and at the end. */
  onProgress?: (entriesRead: number, entryCount: number) => void;
}

const refused = (source: string, why: string): FeedImportError =>
  new FeedImportError(`${source} was refused: OSV bundle: ${why}. The feed in force is unchanged.`);

export async function importOsvZip(db: Db, zip: ZipSource, source: string, options: ZipImportOptions = {}): Promise<ImportOutcome> {
  const staging = new OsvStaging(db);
  let batch: { entry: string; advisory: OsvRecord }[] = [];
  let entryCount = 0;
  let read = 0;
  let jsonFiles = 0;
  let advisories = 0;
  let newest = '';
  try {
    const limits = { maxEntries: MAX_ZIP_ENTRIES, maxEntryBytes: MAX_ZIP_ENTRY_BYTES };
    const entries = zipEntries(zip, limits, {
      ...(options.signal ? { signal: options.signal } : {}),
      onOpen: (n) => {
        entryCount = n;
        options.onProgress?.(0, n);
      },
    });
    for await (const entry of entries) {
      read++;
      if (read % 200 === 0) options.onProgress?.(read, entryCount);
      if (!entry.name.toLowerCase().endsWith('.json')) continue;
      jsonFiles++;
      const one = parseOsvJson(entry.data, { maxBytes: MAX_ZIP_ENTRY_BYTES });
      if (!one.ok) throw refused(source, `${entry.name}: ${one.error.replace(/^OSV JSON: /, '')}`);
      if (one.feed.date > newest) newest = one.feed.date;
      for (const advisory of one.feed.records) batch.push({ entry: entry.name, advisory });
      if (batch.length >= BATCH) {
        advisories += batch.length;
        staging.add(batch);
        batch = [];
      }
    }
    advisories += batch.length;
    staging.add(batch);
    options.onProgress?.(read, entryCount);
    if (jsonFiles === 0) throw refused(source, 'the archive holds no advisory JSON files');
    // Checked before anything is written: a refused file must leave the stored advisories and the feed's record alone.
    if (staging.kept === 0) {
      throw new FeedImportError(`${source} holds ${advisories} OSV advisories but none names a CVE, so none can be matched to an update; nothing was changed.`);
    }
    const r = staging.commit(source, options.now ?? Date.now());
    return { kind: 'osv', format: 'osv-zip', feedDate: newest, recordCount: r.kept, source };
  } catch (e) {
    if (e instanceof ZipError) throw refused(source, e.message);
    if (e instanceof DuplicateAdvisoryError) throw refused(source, e.message);
    if (options.signal?.aborted) throw new FeedImportError(`${source}: the import was cancelled after ${read.toLocaleString('en')} entries; nothing was changed.`);
    throw e;
  } finally {
    staging.drop();
  }
}
