/**
 * Downloading the vulnerability feeds from their publishers — only when the user has allowed it in Settings
 * (Patchwell is offline-first: by default feeds come from files). Each download goes through the same importer
 * as a file, so a broken or truncated download is refused with its reason and the feed in force stays.
 *
 * Transport rules: https only (http is accepted for a loopback address, which only tests use); redirects are
 * followed by hand, at most five, each target checked by the same rule; a size cap and a timeout per source.
 * A download goes to a temporary file and is imported from there (an OSV bundle is streamed entry by entry).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FeedDownloadOutcome, FeedDownloadState } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { putSetting, readSetting } from '../settings';
import { FeedImportError, importFeed, type ImportOutcome } from './feed-import';
import { MAX_FEED_BYTES } from './feeds/feed-types';

export interface FeedSource {
  id: string;
  label: string;
  url: string;
  /** The Accept header to send (MSRC answers XML unless asked for JSON). */
  accept?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The newest monthly Microsoft security release that exists at `now`: releases come on the second Tuesday of
 * the month (US Pacific daytime), so until the day after it the previous month's document is the newest.
 */
export function msrcMonth(now: number): string {
  const d = new Date(now);
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const firstDow = new Date(first).getUTCDay();
  const secondTuesday = first + (((2 - firstDow + 7) % 7) + 7) * 86_400_000;
  const month = now >= secondTuesday + 86_400_000 ? d : new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
  return `${month.getUTCFullYear()}-${MONTHS[month.getUTCMonth()]}`;
}

/**
 * The publishers' own addresses: KEV from CISA; EPSS from FIRST's (served by Empirical Security, which
 * redirects to the dated file); Debian's advisories as OSV records from osv.dev's Debian bundle; the Debian
 * security tracker's full dump; Microsoft's newest monthly CVRF document from the MSRC API. Ubuntu's advisories
 * (osv.dev's Ubuntu bundle, far larger than Debian's) only when the inventory has an Ubuntu machine.
 */
export function defaultFeedSources(now = Date.now(), fleet: { ubuntu: boolean } = { ubuntu: false }): FeedSource[] {
  const month = msrcMonth(now);
  return [
    { id: 'kev', label: 'CISA Known Exploited Vulnerabilities catalog (JSON)', url: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json' },
    { id: 'epss', label: 'FIRST EPSS scores (daily CSV, gzipped)', url: 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz' },
    { id: 'osv-debian', label: 'Debian advisories in OSV form (osv.dev, all.zip)', url: 'https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip' },
    ...(fleet.ubuntu
      ? [{ id: 'osv-ubuntu', label: 'Ubuntu advisories in OSV form (osv.dev, all.zip)', url: 'https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip' }]
      : []),
    { id: 'debian-tracker', label: 'Debian security tracker (JSON dump)', url: 'https://security-tracker.debian.org/tracker/data/json' },
    { id: 'msrc', label: `Microsoft security updates, ${month} (CVRF JSON)`, url: `https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/${month}`, accept: 'application/json' },
  ];
}

/** The publishers' sources for this inventory (Ubuntu's bundle only if an Ubuntu machine is in it). */
export function feedSourcesFor(db: Db, now = Date.now()): FeedSource[] {
  const ubuntu = db.prepare(`SELECT 1 FROM hosts WHERE os_name LIKE 'Ubuntu%' LIMIT 1`).get() !== undefined;
  return defaultFeedSources(now, { ubuntu });
}

const SETTING_KEY = 'feeds.download';
const MAX_REDIRECTS = 5;

interface Stored {
  allowed: boolean;
  lastRun: { at: number; outcomes: FeedDownloadOutcome[] } | null;
}

function stored(db: Db): Stored {
  const s = readSetting<Partial<Stored>>(db, SETTING_KEY);
  return { allowed: s?.allowed === true, lastRun: s?.lastRun ?? null };
}

export function downloadState(db: Db, sources: readonly FeedSource[]): FeedDownloadState {
  const s = stored(db);
  return { allowed: s.allowed, sources: sources.map((x) => ({ id: x.id, label: x.label, url: x.url })), lastRun: s.lastRun };
}

export function setDownloadAllowed(db: Db, allowed: boolean, sources: readonly FeedSource[]): FeedDownloadState {
  db.transaction(() => {
    putSetting(db, SETTING_KEY, { ...stored(db), allowed });
    appendAudit(db, { actor: 'user', action: 'feed.download-setting', details: { allowed } });
  })();
  return downloadState(db, sources);
}

/** A URL the downloader may fetch: https, or http to a loopback address; never credentials in the URL. */
export function checkFeedUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`not a URL: ${raw.slice(0, 200)}`);
  }
  if (u.username || u.password) throw new Error('a feed URL must not carry a user name or password');
  const loopback = u.hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(u.hostname) || u.hostname === '[::1]';
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && loopback) return u;
  throw new Error(`only https is used for feeds, not ${u.protocol}//${u.host}`);
}

export interface FetchOptions {
  maxBytes?: number;
  timeoutMs?: number;
  accept?: string;
  /** Ends the download early (a cancelled job). */
  signal?: AbortSignal;
  /** Bytes received so far, and the size the server declared (null when it did not). */
  onBytes?: (received: number, declared: number | null) => void;
}

/** An archive goes to the disk, never into memory, so it may be far larger than a single feed document. */
export const MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024 * 1024;

const mb = (n: number): number => Math.round(n / 1024 / 1024);

/** Follows checked redirects to the final answer; refuses a declared size past maxBytes before reading it. */
async function openFeed(url: string, options: FetchOptions, maxBytes: number): Promise<Response> {
  // osv.dev's Ubuntu bundle is hundreds of MB: a whole download gets minutes, not the two a document gets.
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let current = checkFeedUrl(url);
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, { redirect: 'manual', signal, headers: { accept: options.accept ?? '*/*', 'user-agent': 'Patchwell feed download' } });
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      await res.body?.cancel();
      if (!location) throw new Error(`${current.host} answered ${res.status} without a Location`);
      if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      current = checkFeedUrl(new URL(location, current).toString());
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${current.host} answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel();
      throw new Error(`the file is ${mb(declared)} MB, more than the ${mb(maxBytes)} MB a feed may be`);
    }
    return res;
  }
}

/** The body, chunk by chunk, refusing more than maxBytes and reporting progress. */
async function* bodyChunks(res: Response, options: FetchOptions, maxBytes: number): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const declaredRaw = Number(res.headers.get('content-length') ?? NaN);
  const declared = Number.isFinite(declaredRaw) ? declaredRaw : null;
  const reader = res.body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
      if (size > maxBytes) throw new Error(`the download passed ${mb(maxBytes)} MB, more than a feed may be`);
      options.onBytes?.(size, declared);
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function lastModifiedOf(res: Response): string | null {
  const t = Date.parse(res.headers.get('last-modified') ?? '');
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Fetches a feed's bytes into memory, following checked redirects, refusing more than maxBytes. */
export async function fetchFeed(url: string, options: FetchOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? MAX_FEED_BYTES;
  const res = await openFeed(url, options, maxBytes);
  const chunks: Uint8Array[] = [];
  for await (const c of bodyChunks(res, options, maxBytes)) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * Downloads a feed to `file` (so an archive of any size is never held in memory), with the server's
 * Last-Modified (the only date some feeds have, e.g. the Debian tracker).
 */
export async function downloadFeedFile(url: string, file: string, options: FetchOptions = {}): Promise<{ bytes: number; lastModified: string | null }> {
  const maxBytes = options.maxBytes ?? MAX_DOWNLOAD_BYTES;
  const res = await openFeed(url, options, maxBytes);
  let bytes = 0;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const c of bodyChunks(res, options, maxBytes)) {
      bytes += c.byteLength;
      yield c;
    }
  };
  await pipeline(Readable.from(counted()), fs.createWriteStream(file, { mode: 0o600 }));
  return { bytes, lastModified: lastModifiedOf(res) };
}

function plain(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    return e.name === 'TimeoutError' ? 'it took too long (timed out)' : `${e.message}${why}`;
  }
  return String(e);
}

/** Where a download run stands, for a job's progress: the source, then bytes downloaded or entries imported. */
export type DownloadProgress =
  | { source: FeedSource; phase: 'download'; received: number; declared: number | null }
  | { source: FeedSource; phase: 'import'; entries: number; entryCount: number };

export interface DownloadRunOptions extends FetchOptions {
  now?: () => number;
  onProgress?: (p: DownloadProgress) => void;
  /** Each source's outcome as soon as it is known. */
  onOutcome?: (source: FeedSource, outcome: FeedDownloadOutcome) => void;
  /** Where downloads wait for their import (removed after); default the system's temporary folder. */
  tempDir?: string;
  /** Who is recorded in the audit trail: the user, or 'system' for the daily refresh. */
  actor?: 'user' | 'system';
}

async function downloadAndImport(db: Db, source: FeedSource, options: DownloadRunOptions): Promise<ImportOutcome> {
  const dir = await fsp.mkdtemp(path.join(options.tempDir ?? os.tmpdir(), 'patchwell-feed-'));
  try {
    const file = path.join(dir, 'download');
    const { onProgress, onOutcome: _o, now, tempDir: _t, actor: _a, ...fetchOptions } = options;
    const got = await downloadFeedFile(source.url, file, {
      // A whole bundle may take minutes on an office line; a stalled one is still ended by the cancel.
      timeoutMs: 30 * 60_000,
      ...fetchOptions,
      ...(source.accept ? { accept: source.accept } : {}),
      onBytes: (received, declared) => onProgress?.({ source, phase: 'download', received, declared }),
    });
    // A feed without a date of its own (the Debian tracker) is dated by the server's Last-Modified, else now.
    return await importFeed(db, { path: file }, source.url, {
      fileDate: got.lastModified ?? new Date((now ?? Date.now)()).toISOString(),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (entries, entryCount) => onProgress?.({ source, phase: 'import', entries, entryCount }),
    });
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Downloads and imports every source, one after another; each outcome is audited and kept as the last run.
 * A cancel (options.signal) stops at once: the source being imported is not imported, and the run is recorded.
 */
export async function downloadFeeds(db: Db, sources: readonly FeedSource[], options: DownloadRunOptions = {}): Promise<FeedDownloadState> {
  const outcomes: FeedDownloadOutcome[] = [];
  const actor = options.actor ?? 'user';
  for (const source of sources) {
    if (options.signal?.aborted) {
      const skipped = { source: source.id, label: source.label, ok: false, message: 'Not downloaded: the refresh was cancelled.' };
      outcomes.push(skipped);
      options.onOutcome?.(source, skipped);
      continue;
    }
    let outcome: FeedDownloadOutcome;
    try {
      const r = await downloadAndImport(db, source, options);
      outcome = { source: source.id, label: source.label, ok: true, message: `Imported: ${r.recordCount.toLocaleString('en')} record${r.recordCount === 1 ? '' : 's'}, dated ${r.feedDate.slice(0, 10)}` };
      appendAudit(db, { actor, action: 'feed.import', details: { ...r, downloaded: true } });
    } catch (e) {
      const why = options.signal?.aborted
        ? 'Cancelled: nothing of it was imported. The feed in force is unchanged.'
        : e instanceof FeedImportError
          ? e.message
          : `Could not download it: ${plain(e)}. The feed in force is unchanged.`;
      outcome = { source: source.id, label: source.label, ok: false, message: why };
      appendAudit(db, { actor, action: 'feed.download-failed', details: { source: source.url, reason: why } });
    }
    outcomes.push(outcome);
    options.onOutcome?.(source, outcome);
  }
  putSetting(db, SETTING_KEY, { ...stored(db), lastRun: { at: (options.now ?? Date.now)(), outcomes } });
  return downloadState(db, sources);
}
