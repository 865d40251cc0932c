/**
 * Feed downloads against a loopback HTTP server standing in for the publishers (no test reaches the internet):
 * off until allowed, a redirect followed to the dated EPSS file, a truncated KEV refused with the importer's
 * reason while the KEV in force stays, size caps, and redirects to somewhere the rules forbid refused before
 * any connection is made.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedDownloadState } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { openDatabase } from '../db/open';
import { checkFeedUrl, defaultFeedSources, feedSourcesFor, fetchFeed, msrcMonth } from './feed-download';
import { cvrfSample } from './feeds/fixtures/cvrf-fixtures';
import { trackerSample } from './feeds/fixtures/debian-tracker-fixtures';
import { dsaAdvisory } from './feeds/fixtures/osv-fixtures';
import { makeZip } from './feeds/testing/make-zip';

const kevBytes = fs.readFileSync(path.resolve('resources/kev/known_exploited_vulnerabilities.json'));
const kev = JSON.parse(kevBytes.toString('utf8')) as { dateReleased: string; catalogVersion: string; count: number };
const newerKev = Buffer.from(JSON.stringify({ ...JSON.parse(kevBytes.toString('utf8')), catalogVersion: '2026.11.21', dateReleased: '2026-11-21T17:00:00.000Z' }));
const epss = gzipSync('#model_version:v2025.03.14,score_date:2026-11-21T12:55:00Z\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99961\nCVE-2024-3094,0.84,0.98\n');

let server: http.Server;
let base = '';
const hits: string[] = [];
const slow: http.ServerResponse[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    switch (req.url) {
      case '/kev.json': res.writeHead(200, { 'content-type': 'application/json' }).end(newerKev); return;
      case '/kev-truncated.json': res.writeHead(200).end(newerKev.subarray(0, Math.floor(newerKev.length / 2))); return;
      case '/epss_scores-current.csv.gz': res.writeHead(302, { location: '/epss_scores-2026-11-21.csv.gz' }).end(); return;
      case '/epss_scores-2026-11-21.csv.gz': res.writeHead(200).end(epss); return;
      case '/tracker.json': res.writeHead(200, { 'last-modified': 'Fri, 20 Nov 2026 06:12:00 GMT' }).end(JSON.stringify(trackerSample)); return;
      case '/osv/all.zip': res.writeHead(200).end(makeZip([{ name: 'DSA-5712-1.json', data: JSON.stringify(dsaAdvisory) }])); return;
      case '/cvrf/2026-Nov':
        // Like MSRC: XML unless JSON is asked for.
        if (req.headers.accept === 'application/json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(cvrfSample));
        else res.writeHead(200, { 'content-type': 'application/xml' }).end('<cvrfdoc/>');
        return;
      case '/slow-bundle':
        // Starts a large archive and never finishes it: only a cancel ends this download.
        res.writeHead(200, { 'content-length': String(50_000_000) });
        res.write(Buffer.alloc(64 * 1024));
        slow.push(res);
        return;
      case '/away': res.writeHead(302, { location: 'http://192.0.2.10/kev.json' }).end(); return;
      case '/loop': res.writeHead(302, { location: '/loop' }).end(); return;
      case '/big': res.writeHead(200, { 'content-length': String(5_000_000) }).end(Buffer.alloc(5_000_000)); return;
      case '/chunked-big': res.writeHead(200); res.write(Buffer.alloc(60_000)); res.end(Buffer.alloc(60_000)); return;
      default: res.writeHead(404).end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of slow) res.destroy();
  await new Promise((r) => server.close(r));
});

function newCore(sources: { id: string; label: string; url: string; accept?: string }[]): Core {
  return createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-feed-dl-')), runtime: 'browser', checkResults: true, scheduler: false, feedSources: sources });
}

/** Starts the refresh job, waits for it to end, and returns the download state it left. */
async function refresh(core: Core): Promise<FeedDownloadState> {
  await core.call('feeds/download', undefined);
  await core.services.jobs.idle();
  return core.call('feeds/download-state', undefined);
}

describe('feed downloads', () => {
  it('are off until the user allows them, then import each source and say how each went', async () => {
    const core = newCore([
      { id: 'kev', label: 'KEV', url: `${base}/kev.json` },
      { id: 'epss', label: 'EPSS', url: `${base}/epss_scores-current.csv.gz` },
    ]);
    try {
      expect((await core.call('feeds/download-state', undefined)).allowed).toBe(false);
      await expect(core.call('feeds/download', undefined)).rejects.toThrow(/Downloading feeds is off/);
      expect(hits).toEqual([]);

      await core.call('feeds/set-download', { allowed: true });
      const state = await refresh(core);
      expect(state.lastRun?.outcomes).toEqual([
        { source: 'kev', label: 'KEV', ok: true, message: `Imported: ${kev.count.toLocaleString('en')} records, dated 2026-11-21` },
        { source: 'epss', label: 'EPSS', ok: true, message: 'Imported: 2 records, dated 2026-11-21' },
      ]);
      expect(hits).toEqual(['/kev.json', '/epss_scores-current.csv.gz', '/epss_scores-2026-11-21.csv.gz']);
      const feeds = await core.call('feeds/list', undefined);
      expect(feeds.find((f) => f.kind === 'kev')).toMatchObject({ feedDate: '2026-11-21T17:00:00.000Z', source: `${base}/kev.json` });
      expect(feeds.find((f) => f.kind === 'epss')).toMatchObject({ feedDate: '2026-11-21T12:55:00.000Z', recordCount: 2 });
      const audit = await core.call('audit/list', { limit: 100 });
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['feed.download-setting', 'feed.import']));
    } finally {
      await core.close();
    }
  });

  it('downloads the vendor feeds: the tracker dated by Last-Modified, an OSV bundle, a CVRF month asked for as JSON', async () => {
    const core = newCore([
      { id: 'debian-tracker', label: 'Tracker', url: `${base}/tracker.json` },
      { id: 'osv-debian', label: 'OSV', url: `${base}/osv/all.zip` },
      { id: 'msrc', label: 'MSRC', url: `${base}/cvrf/2026-Nov`, accept: 'application/json' },
    ]);
    try {
      await core.call('feeds/set-download', { allowed: true });
      const state = await refresh(core);
      expect(state.lastRun?.outcomes).toEqual([
        { source: 'debian-tracker', label: 'Tracker', ok: true, message: 'Imported: 5 records, dated 2026-11-20' },
        { source: 'osv-debian', label: 'OSV', ok: true, message: 'Imported: 1 record, dated 2024-06-21' },
        { source: 'msrc', label: 'MSRC', ok: true, message: 'Imported: 1 record, dated 2024-08-13' },
      ]);
      const feeds = await core.call('feeds/list', undefined);
      expect(feeds.map((f) => f.kind).sort()).toEqual(['debian-tracker', 'kev', 'msrc', 'osv']);
      expect(feeds.find((f) => f.kind === 'debian-tracker')).toMatchObject({ feedDate: '2026-11-20T06:12:00.000Z' });
    } finally {
      await core.close();
    }
  });

  it('run as a feeds job: one target per source, progress in entries imported, visible in jobs/list', async () => {
    const core = newCore([
      { id: 'kev', label: 'KEV', url: `${base}/kev.json` },
      { id: 'osv-debian', label: 'OSV', url: `${base}/osv/all.zip` },
    ]);
    try {
      await core.call('feeds/set-download', { allowed: true });
      const { jobId } = await core.call('feeds/download', undefined);
      await expect(core.call('feeds/download', undefined)).rejects.toThrow(`A feed refresh is already running (job ${jobId})`);
      await core.services.jobs.idle();
      const job = await core.call('jobs/get', { id: jobId });
      expect(job).toMatchObject({ kind: 'feeds', title: 'Refresh 2 vulnerability feeds', state: 'succeeded', current: 2, total: 2, summary: '2 of 2 feeds refreshed' });
      expect(job.targets.map((t) => [t.target, t.state, t.step, t.current, t.total])).toEqual([
        ['kev', 'succeeded', 'imported', expect.any(Number), expect.any(Number)],
        ['osv-debian', 'succeeded', 'imported', 1, 1],
      ]);
      expect((await core.call('jobs/list', {})).map((j) => j.id)).toContain(jobId);
      // The downloads were removed once imported.
      expect(fs.readdirSync(path.join(core.services.dataDir, 'feed-downloads'))).toEqual([]);
    } finally {
      await core.close();
    }
  });

  it('a refresh cancelled mid-download ends cancelled, imports nothing and leaves no file behind', async () => {
    const core = newCore([
      { id: 'osv-ubuntu', label: 'Ubuntu OSV', url: `${base}/slow-bundle` },
      { id: 'kev', label: 'KEV', url: `${base}/kev.json` },
    ]);
    try {
      await core.call('feeds/set-download', { allowed: true });
      const downloading = new Promise<number>((resolve) => {
        core.subscribe((e) => {
          if (e.name !== 'job/updated') return;
          const t = e.payload.targets.find((x) => x.target === 'osv-ubuntu');
          if (e.payload.job.kind === 'feeds' && t?.step === 'downloading' && t.current > 0) resolve(e.payload.job.id);
        });
      });
      const { jobId } = await core.call('feeds/download', undefined);
      expect(await downloading).toBe(jobId);
      await core.call('jobs/cancel', { id: jobId });
      await core.services.jobs.idle();
      const job = await core.call('jobs/get', { id: jobId });
      expect(job.state).toBe('cancelled');
      expect(job.targets.map((t) => [t.target, t.state])).toEqual([
        ['osv-ubuntu', 'cancelled'],
        ['kev', 'cancelled'],
      ]);
      const state = await core.call('feeds/download-state', undefined);
      expect(state.lastRun?.outcomes.map((o) => o.message)).toEqual([
        'Cancelled: nothing of it was imported. The feed in force is unchanged.',
        'Not downloaded: the refresh was cancelled.',
      ]);
      expect((await core.call('feeds/list', undefined)).map((f) => f.kind)).toEqual(['kev']); // the bundled snapshot only
      expect(fs.readdirSync(path.join(core.services.dataDir, 'feed-downloads'))).toEqual([]);
    } finally {
      await core.close();
    }
  });

  it("picks Microsoft's newest monthly release: the previous month until the day after Patch Tuesday", () => {
    // November 2026: the 1st is a Sunday, so Patch Tuesday is the 10th.
    expect(msrcMonth(Date.UTC(2026, 10, 10, 20))).toBe('2026-Oct');
    expect(msrcMonth(Date.UTC(2026, 10, 11, 0))).toBe('2026-Nov');
    expect(msrcMonth(Date.UTC(2026, 10, 22))).toBe('2026-Nov');
    // January: the previous month is last year's December. January 2027 starts on a Friday: Patch Tuesday the 12th.
    expect(msrcMonth(Date.UTC(2027, 0, 5))).toBe('2026-Dec');
    expect(msrcMonth(Date.UTC(2027, 0, 13))).toBe('2027-Jan');
    expect(defaultFeedSources(Date.UTC(2026, 10, 22)).find((s) => s.id === 'msrc')).toMatchObject({ url: 'https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2026-Nov', accept: 'application/json' });
  });

  it('refuses a truncated download with the importer\'s reason and keeps the feed in force', async () => {
    const core = newCore([{ id: 'kev', label: 'KEV', url: `${base}/kev-truncated.json` }, { id: 'gone', label: 'Gone', url: `${base}/nothing-here` }]);
    try {
      const before = (await core.call('feeds/list', undefined)).find((f) => f.kind === 'kev');
      await core.call('feeds/set-download', { allowed: true });
      const state = await refresh(core);
      const [k, g] = state.lastRun!.outcomes;
      expect(k).toMatchObject({ source: 'kev', ok: false });
      expect(k!.message).toMatch(/was refused: .*The feed in force is unchanged/);
      expect(g).toMatchObject({ source: 'gone', ok: false, message: expect.stringMatching(/answered HTTP 404.*The feed in force is unchanged/) });
      const after = (await core.call('feeds/list', undefined)).find((f) => f.kind === 'kev');
      expect(after).toEqual(before);
      expect((await core.call('audit/list', { limit: 100 })).filter((a) => a.action === 'feed.download-failed')).toHaveLength(2);
    } finally {
      await core.close();
    }
  });

  it('follows redirects only where the rules allow, and caps the size', async () => {
    const before = hits.length;
    await expect(fetchFeed(`${base}/away`)).rejects.toThrow(/only https is used for feeds, not http:\/\/192\.0\.2\.10/);
    await expect(fetchFeed(`${base}/loop`)).rejects.toThrow(/more than 5 redirects/);
    await expect(fetchFeed(`${base}/big`, { maxBytes: 1_000_000 })).rejects.toThrow(/more than the 1 MB a feed may be/);
    await expect(fetchFeed(`${base}/chunked-big`, { maxBytes: 100_000 })).rejects.toThrow(/passed 0 MB|more than a feed may be/);
    expect(hits.slice(before)).toEqual(['/away', ...Array(6).fill('/loop'), '/big', '/chunked-big']);
  });

  it("offers Ubuntu's advisories only when an Ubuntu machine is in the inventory", () => {
    const db = openDatabase(':memory:');
    const ids = () => feedSourcesFor(db).map((s) => s.id);
    expect(ids()).toEqual(['kev', 'epss', 'osv-debian', 'debian-tracker', 'msrc']);
    db.prepare(`INSERT INTO hosts (address, os_name, created_at, updated_at) VALUES ('127.0.0.9', 'Debian GNU/Linux 12 (bookworm)', 0, 0)`).run();
    expect(ids()).not.toContain('osv-ubuntu');
    db.prepare(`INSERT INTO hosts (address, os_name, created_at, updated_at) VALUES ('127.0.0.8', 'Ubuntu 22.04.4 LTS', 0, 0)`).run();
    expect(feedSourcesFor(db).find((s) => s.id === 'osv-ubuntu')?.url).toBe('https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip');
  });

  it('only ever uses https to the publishers, or http to this computer', () => {
    for (const s of defaultFeedSources(Date.now(), { ubuntu: true })) expect(checkFeedUrl(s.url).protocol).toBe('https:');
    expect(() => checkFeedUrl('http://www.cisa.gov/feed.json')).toThrow(/only https/);
    expect(() => checkFeedUrl('ftp://127.0.0.1/x')).toThrow(/only https/);
    expect(() => checkFeedUrl('https://user:pw@example.org/x')).toThrow(/user name or password/);
    expect(() => checkFeedUrl('not a url')).toThrow(/not a URL/);
    expect(checkFeedUrl('http://127.0.0.1:8080/kev.json').host).toBe('127.0.0.1:8080');
  });
});
