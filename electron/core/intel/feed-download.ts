/**
 * Downloading the vulnerability feeds from their publishers — only when the user has allowed it in Settings
 * (Patchwell is offline-first: by default feeds come from files). Each download goes through the same importer
 * as a file, so a broken or truncated download is refused with its reason and the feed in force stays.
 *
 * Transport rules: https only (http is accepted for a loopback address, which only tests use); redirects are
 * followed by hand, at most five, each target checked by the same rule; a size cap and a timeout per source.
 */
import type { FeedDownloadOutcome, FeedDownloadState } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { putSetting, readSetting } from '../settings';
import { FeedImportError, importFeedBytes } from './feed-import';
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
}

/** Fetches a feed's bytes, following checked redirects, refusing more than maxBytes. */
export async function fetchFeed(url: string, options: FetchOptions = {}): Promise<Uint8Array> {
  return (await fetchFeedFile(url, options)).bytes;
}

/** The same, with the server's Last-Modified (the only date some feeds have, e.g. the Debian tracker). */
export async function fetchFeedFile(url: string, options: FetchOptions = {}): Promise<{ bytes: Uint8Array; lastModified: string | null }> {
  const maxBytes = options.maxBytes ?? MAX_FEED_BYTES;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 120_000);
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
      throw new Error(`the file is ${Math.round(declared / 1024 / 1024)} MB, more than the ${Math.round(maxBytes / 1024 / 1024)} MB a feed may be`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel();
          throw new Error(`the download passed ${Math.round(maxBytes / 1024 / 1024)} MB, more than a feed may be`);
        }
        chunks.push(value);
      }
    }
    const lastModified = Date.parse(res.headers.get('last-modified') ?? '');
    return { bytes: Buffer.concat(chunks), lastModified: Number.isFinite(lastModified) ? new Date(lastModified).toISOString() : null };
  }
}

function plain(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    return e.name === 'TimeoutError' ? 'it took too long (timed out)' : `${e.message}${why}`;
  }
  return String(e);
}

/** Downloads and imports every source, one after another; each outcome is audited and kept as the last run. */
export async function downloadFeeds(db: Db, sources: readonly FeedSource[], options: FetchOptions & { now?: () => number } = {}): Promise<FeedDownloadState> {
  const outcomes: FeedDownloadOutcome[] = [];
  for (const source of sources) {
    let outcome: FeedDownloadOutcome;
    try {
      const file = await fetchFeedFile(source.url, { ...options, ...(source.accept ? { accept: source.accept } : {}) });
      // A feed without a date of its own (the Debian tracker) is dated by the server's Last-Modified, else now.
      const r = importFeedBytes(db, file.bytes, source.url, { fileDate: file.lastModified ?? new Date((options.now ?? Date.now)()).toISOString() });
      outcome = { source: source.id, label: source.label, ok: true, message: `Imported: ${r.recordCount.toLocaleString('en')} record${r.recordCount === 1 ? '' : 's'}, dated ${r.feedDate.slice(0, 10)}` };
      appendAudit(db, { actor: 'user', action: 'feed.import', details: { ...r, downloaded: true } });
    } catch (e) {
      const why = e instanceof FeedImportError ? e.message : `Could not download it: ${plain(e)}. The feed in force is unchanged.`;
      outcome = { source: source.id, label: source.label, ok: false, message: why };
      appendAudit(db, { actor: 'user', action: 'feed.download-failed', details: { source: source.url, reason: why } });
    }
    outcomes.push(outcome);
  }
  putSetting(db, SETTING_KEY, { ...stored(db), lastRun: { at: (options.now ?? Date.now)(), outcomes } });
  return downloadState(db, sources);
}
