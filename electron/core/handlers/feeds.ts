import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { FeedImportError, importFeedBytes, type ImportOutcome } from '../intel/feed-import';
import { MAX_FEED_BYTES } from '../intel/feeds/feed-types';
import { isStale, listFeeds } from '../intel/intel-store';
import type { CoreServices } from '../services';
import type { HandlerMap } from './types';

function importAndRecord(s: CoreServices, bytes: Uint8Array, source: string, fileDate?: string): ImportOutcome {
  try {
    const r = importFeedBytes(s.db, bytes, source, fileDate ? { fileDate } : {});
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
    importAndRecord(s, Buffer.from(base64, 'base64'), path.basename(name), lastModified ? new Date(lastModified).toISOString() : undefined),
  'feeds/import-path': ({ path: file }, s) => {
    if (!path.isAbsolute(file)) throw new AppError('bad-request', 'Give the absolute path of the feed file', { path: 'Use an absolute path' });
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      throw new AppError('not-found', `${file} does not exist or cannot be read`);
    }
    if (!st.isFile()) throw new AppError('bad-request', `${file} is not a regular file`);
    if (st.size > MAX_FEED_BYTES) throw new AppError('bad-request', `${file} is larger than ${MAX_FEED_BYTES / 1024 / 1024} MB: not a feed Patchwell knows`);
    return importAndRecord(s, fs.readFileSync(file), path.basename(file), st.mtime.toISOString());
  },
};
