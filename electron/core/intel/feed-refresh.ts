/**
 * The feed refresh as a job: every source downloaded and imported one after another, with progress in bytes
 * downloaded and then entries imported, one job target per source, cancellable from the jobs tray. The
 * "Download the feeds now" button and the daily schedule both start it through startFeedRefresh.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AppError, type FeedDownloadOutcome } from '../../../shared/contract';
import type { CoreServices } from '../services';
import { downloadFeeds, downloadState, feedSourcesFor, type DownloadProgress, type FeedSource } from './feed-download';

export interface FeedRefreshOptions {
  /** Default: the core's configured sources (the publishers for this inventory). */
  sources?: readonly FeedSource[];
  /** 'system' when the schedule starts it; recorded in the audit trail. Default 'user'. */
  actor?: 'user' | 'system';
}

// One refresh at a time per core: two would download the same files and race to merge them.
const running = new WeakMap<CoreServices, number>();

const mb = (n: number): string => (n / 1048576).toFixed(1);

function progressOf(p: DownloadProgress): { step: string; current: number; total: number; summary: string } {
  if (p.phase === 'download') {
    const of = p.declared === null ? '' : ` of ${mb(p.declared)}`;
    return { step: 'downloading', current: p.received, total: p.declared ?? 0, summary: `${p.source.label}: ${mb(p.received)}${of} MB downloaded` };
  }
  const n = p.entries.toLocaleString('en');
  return { step: 'importing', current: p.entries, total: p.entryCount, summary: `${p.source.label}: ${n} of ${p.entryCount.toLocaleString('en')} entries imported` };
}

/**
 * Starts a refresh of the feeds and returns its job id at once. Refused (AppError) when downloads are not
 * allowed in Settings or a refresh is already running.
 */
export function startFeedRefresh(s: CoreServices, options: FeedRefreshOptions = {}): number {
  const sources = options.sources ?? s.feedSources ?? feedSourcesFor(s.db);
  if (!downloadState(s.db, sources).allowed) {
    throw new AppError('bad-request', 'Downloading feeds is off: allow it in Settings → Vulnerability feeds, or import the files instead');
  }
  const current = running.get(s);
  if (current !== undefined && s.jobs.isRunning(current)) throw new AppError('conflict', `A feed refresh is already running (job ${current})`);
  const title = `Refresh ${sources.length} vulnerability feed${sources.length === 1 ? '' : 's'}`;
  const jobId = s.jobs.start('feeds', title, { sources: sources.map((x) => x.id), actor: options.actor ?? 'user' }, async (ctx) => {
    ctx.progress(0, sources.length);
    for (const src of sources) ctx.target(src.id, { state: 'pending', step: 'waiting' });
    // In the data folder, not the system's temporary folder: /tmp may be RAM (tmpfs), and a bundle is hundreds of MB.
    const tempDir = path.join(s.dataDir, 'feed-downloads');
    fs.mkdirSync(tempDir, { recursive: true, mode: 0o700 });
    let done = 0;
    const outcomes: FeedDownloadOutcome[] = [];
    await downloadFeeds(s.db, sources, {
      signal: ctx.signal,
      tempDir,
      actor: options.actor ?? 'user',
      onProgress: (p) => {
        const d = progressOf(p);
        ctx.target(p.source.id, { state: 'running', step: d.step, current: d.current, total: d.total });
        ctx.summary(d.summary);
      },
      onOutcome: (src, o) => {
        outcomes.push(o);
        ctx.target(src.id, {
          state: o.ok ? 'succeeded' : ctx.signal.aborted ? 'cancelled' : 'failed',
          step: o.ok ? 'imported' : 'not taken',
          failure: o.ok ? null : { command: null, exitCode: null, stderrTail: '', message: o.message },
        });
        ctx.log(o.ok ? 'info' : 'warn', `${o.label}: ${o.message}`, src.id);
        ctx.progress(++done);
      },
    });
    const ok = outcomes.filter((o) => o.ok).length;
    if (ok > 0) s.events.emit('inventory/changed', { hostIds: [], reason: 'feeds' });
    return { state: ok === sources.length ? 'succeeded' : ok > 0 ? 'partial' : 'failed', summary: `${ok} of ${sources.length} feeds refreshed` };
  });
  running.set(s, jobId);
  return jobId;
}
