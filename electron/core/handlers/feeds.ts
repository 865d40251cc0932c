import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { FeedImportError, importFeed, type FeedInput, type ImportOutcome } from '../intel/feed-import';
import { isStale, listFeeds } from '../intel/intel-store';
import type { CoreServices } from '../services';
import type { HandlerMap } from './types';

async function importAndRecord(s: CoreServices, input: FeedInput, source: string, fileDate?: string): Promise<ImportOutcome> {
  try {
    const r = await importFeed(s.db, input, source, fileDate ? { fileDate } : {});
    appendAudit(s.db, { actor: 'user', action: 'feed.import', details: r });
    s.events.emit('inventory/changed', { hostIds: [], reason: 'feeds' });
    return r;
  } catch (e) {
    if (e instanceof FeedImportError) throw new AppError('bad-request', e.message);
    throw e;
  }
}

export const feedHandlers: HandlerMap<'feeds/list' | 'feeds/import' | 'feeds/import-path'> = {
  'feeds/list': (_arg, s) => listFeeds(s.db).map((f) => ({ ...f, stale: isStale(f) })),
  'feeds/import': ({ name, base64, lastModified }, s) =>
    importAndRecord(s, { bytes: Buffer.from(base64, 'base64') }, path.basename(name), lastModified ? new Date(lastModified).toISOString() : undefined),
  'feeds/import-path': ({ path: file }, s) => {
    if (!path.isAbsolute(file)) throw new AppError('bad-request', 'Give the absolute path of the feed file', { path: 'Use an absolute path' });
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      throw new AppError('not-found', `${file} does not exist or cannot be read`);
    }
    if (!st.isFile()) throw new AppError('bad-request', `${file} is not a regular file`);
    // An archive is streamed from the disk whatever its size; a single document is refused past its cap by importFeed.
    return importAndRecord(s, { path: file }, path.basename(file), st.mtime.toISOString());
  },
};
