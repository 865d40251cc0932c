/**
 * The office cache against real HTTP servers on 127.0.0.1 standing in for a repository (every upstream
 * connection is pointed at them; nothing leaves the machine): hits served from disk, revalidation, one download
 * shared by 20 clients, a broken download never kept, LRU eviction, a restart, offline mode, CONNECT tunnels,
 * and hostile requests.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OfficeCache, type OfficeCacheOptions } from './office-cache';
import { proxyGet, rawExchange } from './testing/proxy-client';

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Upstream {
  server: http.Server;
  port: number;
  routes: Map<string, Route>;
  /** Every request the repository received: path and headers. */
  seen: { path: string; headers: http.IncomingHttpHeaders }[];
}

const MIRROR = 'http://deb.example.org';

/** Bytes that differ at every position, so a reordered or shifted body cannot pass for the right one. */
function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function startUpstream(): Promise<Upstream> {
  const routes = new Map<string, Route>();
  const seen: Upstream['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  return { server, port: await listen(server), routes, seen };
}

function serveFile(body: Buffer, headers: http.OutgoingHttpHeaders = {}): Route {
  return (_req, res) => res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream', ...headers }).end(body);
}

/** A file sent in two halves; the second only when `release` is called, so clients can pile up meanwhile. */
function gatedFile(body: Buffer): { route: Route; release: () => void; started: Promise<void> } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let onStart: () => void = () => undefined;
  const started = new Promise<void>((r) => {
    onStart = r;
  });
  const route: Route = (_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    res.write(body.subarray(0, body.length >> 1));
    onStart();
    void gate.then(() => res.end(body.subarray(body.length >> 1)));
  };
  return { route, release, started };
}

let upstream: Upstream;
let echo: net.Server;
let echoPort = 0;
let dir = '';
const caches: OfficeCache[] = [];
const connects: string[] = [];

function makeCache(over: Partial<OfficeCacheOptions> = {}): OfficeCache {
  let t = 1_000;
  const cache = new OfficeCache({
    dir,
    maxBytes: 64 * 1024 * 1024,
    offline: false,
    // Every reading is later than the last: use order is exact without any real time passing.
    clock: () => ++t,
    connectUpstream: (host, port) => {
      connects.push(`${host}:${port}`);
      return net.connect(port === 443 ? echoPort : upstream.port, '127.0.0.1');
    },
    ...over,
  });
  caches.push(cache);
  return cache;
}

/** One request, then the cache settled: a client has every byte a moment before the file is indexed. */
async function got(cache: OfficeCache, port: number, url: string, init?: Parameters<typeof proxyGet>[2]) {
  const answer = await proxyGet(port, url, init).done;
  await cache.idle();
  return answer;
}

function filesOnDisk(): string[] {
  const root = path.join(dir, 'files');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((sub) => fs.readdirSync(path.join(root, sub)).map((f) => `${sub}/${f}`));
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-office-cache-'));
  upstream = await startUpstream();
  echo = net.createServer((s) => s.pipe(s));
  echoPort = await listen(echo);
  connects.length = 0;
});

afterEach(async () => {
  for (const c of caches.splice(0)) await c.close();
  upstream.server.closeAllConnections();
  await new Promise((r) => upstream.server.close(r));
  await new Promise((r) => echo.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('caching', () => {
  it('serves a package file from disk the second time, without asking the repository', async () => {
    const deb = pattern(300_000, 1);
    upstream.routes.set('/debian/pool/main/h/hello/hello_2.10-3_amd64.deb', serveFile(deb));
    const cache = makeCache();
    const port = await cache.listen();
    const url = `${MIRROR}/debian/pool/main/h/hello/hello_2.10-3_amd64.deb`;

    const first = await got(cache, port, url);
    const second = await got(cache, port, url);

    expect(first.status).toBe(200);
    expect(first.headers['x-patchwell-cache']).toBe('miss');
    expect(second.status).toBe(200);
    expect(second.headers['x-patchwell-cache']).toBe('hit');
    expect(sha(first.body)).toBe(sha(deb));
    expect(sha(second.body)).toBe(sha(deb));
    expect(upstream.seen.map((s) => s.path)).toEqual(['/debian/pool/main/h/hello/hello_2.10-3_amd64.deb']);
    expect(connects).toEqual(['deb.example.org:80']);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, files: 1, bytes: deb.length, bytesFromUpstream: deb.length, bytesServed: 2 * deb.length });
  });

  it('revalidates an index with the repository: a 304 serves the held copy, a change replaces it', async () => {
    let body = Buffer.from('Origin: Debian\nSuite: stable\n');
    let etag = '"v1"';
    upstream.routes.set('/debian/dists/bookworm/InRelease', (req, res) => {
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
      res.writeHead(200, { 'content-length': body.length, etag, 'last-modified': 'Sat, 28 Nov 2026 10:00:00 GMT' }).end(body);
    });
    const cache = makeCache();
    const port = await cache.listen();
    const url = `${MIRROR}/debian/dists/bookworm/InRelease`;

    const first = await got(cache, port, url);
    const again = await got(cache, port, url);
    expect(again.status).toBe(200);
    expect(again.headers['x-patchwell-cache']).toBe('revalidated');
    expect(again.body.toString()).toBe(first.body.toString());
    expect(upstream.seen[1]?.headers['if-none-match']).toBe('"v1"');
    expect(upstream.seen[1]?.headers['if-modified-since']).toBe('Sat, 28 Nov 2026 10:00:00 GMT');

    body = Buffer.from('Origin: Debian\nSuite: stable\nDate: later\n');
    etag = '"v2"';
    const changed = await got(cache, port, url);
    expect(changed.body.toString()).toBe(body.toString());
    expect(changed.headers['x-patchwell-cache']).toBe('miss');
    const held = await got(cache, port, url);
    expect(held.body.toString()).toBe(body.toString());
    expect(upstream.seen).toHaveLength(4);
    expect(cache.stats().files).toBe(1);
  });

  it("answers 304 to a client whose own copy is current (apt's If-Modified-Since)", async () => {
    const body = Buffer.from('Package: hello\n');
    upstream.routes.set('/debian/dists/bookworm/main/binary-amd64/Packages', serveFile(body, { 'last-modified': 'Sat, 28 Nov 2026 10:00:00 GMT' }));
    const cache = makeCache({ offline: false });
    const port = await cache.listen();
    const url = `${MIRROR}/debian/dists/bookworm/main/binary-amd64/Packages`;
    await got(cache, port, url);
    cache.setOffline(true);
    const current = await got(cache, port, url, { headers: { 'if-modified-since': 'Sat, 28 Nov 2026 10:00:00 GMT' } });
    const older = await got(cache, port, url, { headers: { 'if-modified-since': 'Fri, 27 Nov 2026 10:00:00 GMT' } });
    expect(current.status).toBe(304);
    expect(current.body.length).toBe(0);
    expect(older.status).toBe(200);
    expect(older.body.toString()).toBe(body.toString());
  });

  it('fetches a file once for 20 machines asking at the same time, and gives each the same bytes', async () => {
    const deb = pattern(6 * 1024 * 1024 + 17, 2);
    const gated = gatedFile(deb);
    upstream.routes.set('/debian/pool/main/l/libbig/libbig_1.0_amd64.deb', gated.route);
    const cache = makeCache();
    const port = await cache.listen();
    const url = `${MIRROR}/debian/pool/main/l/libbig/libbig_1.0_amd64.deb`;

    const clients = Array.from({ length: 20 }, () => proxyGet(port, url));
    // Every client has its answer's headers, so each is attached to the download before it completes.
    await Promise.all(clients.map((c) => c.headers));
    await gated.started;
    gated.release();
    const answers = await Promise.all(clients.map((c) => c.done));
    await cache.idle();

    expect(upstream.seen).toHaveLength(1);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.broken).toBe(false);
      expect(a.body.length).toBe(deb.length);
      expect(sha(a.body)).toBe(sha(deb));
    }
    expect(answers.filter((a) => a.headers['x-patchwell-cache'] === 'miss')).toHaveLength(1);
    expect(answers.filter((a) => a.headers['x-patchwell-cache'] === 'shared')).toHaveLength(19);
    expect(cache.stats()).toMatchObject({ hits: 19, misses: 1, files: 1, bytesFromUpstream: deb.length, bytesServed: 20 * deb.length });
    // And once complete, it is a plain hit.
    const later = await got(cache, port, url);
    expect(later.headers['x-patchwell-cache']).toBe('hit');
    expect(sha(later.body)).toBe(sha(deb));
  });

  it('keeps nothing from a download that breaks mid-body, and every waiting client sees an error', async () => {
    const deb = pattern(1024 * 1024, 3);
    let breakIt = true;
    let onStart: () => void = () => undefined;
    const started = new Promise<void>((r) => {
      onStart = r;
    });
    const hold: http.ServerResponse[] = [];
    upstream.routes.set('/debian/pool/main/b/broken/broken_1_amd64.deb', (_req, res) => {
      if (!breakIt) return void res.writeHead(200, { 'content-length': deb.length }).end(deb);
      res.writeHead(200, { 'content-length': deb.length });
      res.write(deb.subarray(0, 100_000));
      hold.push(res);
      onStart();
    });
    const cache = makeCache();
    const port = await cache.listen();
    const url = `${MIRROR}/debian/pool/main/b/broken/broken_1_amd64.deb`;

    const clients = Array.from({ length: 3 }, () => proxyGet(port, url));
    await Promise.all(clients.map((c) => c.headers));
    await started;
    // The repository dies: its connection closes 100 kB into a 1 MiB file.
    for (const r of hold) r.socket?.destroy();
    const answers = await Promise.all(clients.map((c) => c.done));
    await cache.idle();

    for (const a of answers) {
      expect(a.broken).toBe(true);
      expect(a.body.length).toBeLessThan(deb.length);
    }
    expect(cache.stats().files).toBe(0);
    expect(filesOnDisk()).toEqual([]);

    breakIt = false;
    const retry = await got(cache, port, url);
    expect(retry.headers['x-patchwell-cache']).toBe('miss');
    expect(sha(retry.body)).toBe(sha(deb));
    expect(upstream.seen).toHaveLength(2);
  });

  it('does not keep a body shorter than its Content-Length even when the connection ends cleanly', async () => {
    upstream.routes.set('/debian/pool/main/s/short/short_1_amd64.deb', (_req, res) => {
      // HTTP/1.0-style: the length lies and the connection simply closes.
      res.socket?.end('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n' + 'x'.repeat(1000));
    });
    const cache = makeCache();
    const port = await cache.listen();
    // Broken either way: a short body, or no answer at all when the break comes before the headers leave.
    const broken = await proxyGet(port, `${MIRROR}/debian/pool/main/s/short/short_1_amd64.deb`).done.then((a) => a.broken, () => true);
    await cache.idle();
    expect(broken).toBe(true);
    expect(cache.stats().files).toBe(0);
    expect(filesOnDisk()).toEqual([]);
  });

  it('passes other answers and uncacheable URLs through without keeping them', async () => {
    upstream.routes.set('/debian/project/trace/master', serveFile(Buffer.from('trace')));
    upstream.routes.set('/debian/pool/main/x/x_1.deb?sig=1', serveFile(Buffer.from('query')));
    const cache = makeCache();
    const port = await cache.listen();
    const missing = await got(cache, port, `${MIRROR}/debian/pool/main/n/nope/nope_1_amd64.deb`);
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe('not here');
    for (let i = 0; i < 2; i++) {
      expect((await got(cache, port, `${MIRROR}/debian/project/trace/master`)).body.toString()).toBe('trace');
      expect((await got(cache, port, `${MIRROR}/debian/pool/main/x/x_1.deb?sig=1`)).body.toString()).toBe('query');
    }
    expect(upstream.seen).toHaveLength(5);
    expect(cache.stats().files).toBe(0);
  });

  it('evicts the least recently used files at the size bound', async () => {
    const names = ['a', 'b', 'c', 'd'];
    for (const [i, n] of names.entries()) upstream.routes.set(`/debian/pool/main/${n}.deb`, serveFile(pattern(1000, 10 + i)));
    const cache = makeCache({ maxBytes: 3000 });
    const port = await cache.listen();
    const get = (n: string) => got(cache, port, `${MIRROR}/debian/pool/main/${n}.deb`);
    await get('a');
    await get('b');
    await get('c');
    expect((await get('a')).headers['x-patchwell-cache']).toBe('hit');
    await get('d');
    expect(cache.stats()).toMatchObject({ files: 3, bytes: 3000 });
    expect((await get('a')).headers['x-patchwell-cache']).toBe('hit');
    expect((await get('c')).headers['x-patchwell-cache']).toBe('hit');
    expect((await get('b')).headers['x-patchwell-cache']).toBe('miss');

    cache.setMaxBytes(1500);
    expect(cache.stats()).toMatchObject({ files: 1, bytes: 1000, maxBytes: 1500 });
    expect(filesOnDisk()).toHaveLength(1);
  });

  it('does not keep a file larger than the whole bound, but still serves it', async () => {
    const big = pattern(5000, 20);
    upstream.routes.set('/debian/pool/main/big.deb', serveFile(big));
    const cache = makeCache({ maxBytes: 4000 });
    const port = await cache.listen();
    const a = await got(cache, port, `${MIRROR}/debian/pool/main/big.deb`);
    expect(sha(a.body)).toBe(sha(big));
    expect(cache.stats().files).toBe(0);
    expect(filesOnDisk()).toEqual([]);
  });

  it('keeps its index across a restart, and forgets files that vanished or changed size', async () => {
    for (const n of ['a', 'b', 'c']) upstream.routes.set(`/debian/pool/main/${n}.deb`, serveFile(pattern(2000, n.charCodeAt(0))));
    const first = makeCache();
    const port1 = await first.listen();
    for (const n of ['a', 'b', 'c']) await got(first, port1, `${MIRROR}/debian/pool/main/${n}.deb`);
    await first.close();
    const [fileB, fileC] = ['b', 'c'].map((n) => {
      const h = createHash('sha256').update(`${MIRROR}/debian/pool/main/${n}.deb`).digest('hex');
      return path.join(dir, 'files', h.slice(0, 2), h);
    }) as [string, string];
    fs.rmSync(fileB);
    fs.appendFileSync(fileC, 'tampered');
    fs.writeFileSync(path.join(dir, 'tmp', 'left-by-a-crash'), 'partial');

    const second = makeCache({ offline: true });
    const port2 = await second.listen();
    expect(second.stats()).toMatchObject({ files: 1, bytes: 2000 });
    const a = await got(second, port2, `${MIRROR}/debian/pool/main/a.deb`);
    expect(a.headers['x-patchwell-cache']).toBe('hit');
    expect(sha(a.body)).toBe(sha(pattern(2000, 'a'.charCodeAt(0))));
    expect((await got(second, port2, `${MIRROR}/debian/pool/main/c.deb`)).status).toBe(504);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    expect(filesOnDisk()).toHaveLength(1);
    expect(upstream.seen).toHaveLength(3);
  });

  it('empties on clear', async () => {
    upstream.routes.set('/debian/pool/main/a.deb', serveFile(pattern(1000, 1)));
    const cache = makeCache();
    const port = await cache.listen();
    await got(cache, port, `${MIRROR}/debian/pool/main/a.deb`);
    await cache.clear();
    expect(cache.stats()).toMatchObject({ files: 0, bytes: 0 });
    expect(filesOnDisk()).toEqual([]);
  });
});

describe('offline mode', () => {
  it('serves what it holds, answers 504 with the reason for the rest, and makes no connection', async () => {
    const deb = pattern(4000, 5);
    const index = Buffer.from('Origin: Debian\n');
    upstream.routes.set('/debian/pool/main/a.deb', serveFile(deb));
    upstream.routes.set('/debian/dists/bookworm/InRelease', serveFile(index, { etag: '"x"' }));
    const cache = makeCache();
    const port = await cache.listen();
    await got(cache, port, `${MIRROR}/debian/pool/main/a.deb`);
    await got(cache, port, `${MIRROR}/debian/dists/bookworm/InRelease`);
    cache.setOffline(true);
    const seenBefore = upstream.seen.length;
    const connectsBefore = connects.length;

    const heldDeb = await got(cache, port, `${MIRROR}/debian/pool/main/a.deb`);
    const heldIndex = await got(cache, port, `${MIRROR}/debian/dists/bookworm/InRelease`);
    const miss = await got(cache, port, `${MIRROR}/debian/pool/main/b.deb`);
    const pass = await got(cache, port, `${MIRROR}/debian/project/trace/master`);
    const tunnel = await rawExchange(port, 'CONNECT deb.example.org:443 HTTP/1.1\r\nHost: deb.example.org:443\r\n\r\n');

    expect(sha(heldDeb.body)).toBe(sha(deb));
    expect(heldIndex.body.toString()).toBe(index.toString());
    expect(heldIndex.headers['x-patchwell-cache']).toBe('hit');
    expect(miss.status).toBe(504);
    expect(miss.body.toString()).toBe(`Patchwell office cache is in offline mode and does not hold ${MIRROR}/debian/pool/main/b.deb\n`);
    expect(pass.status).toBe(504);
    expect(tunnel).toMatch(/^HTTP\/1\.1 503 /);
    expect(tunnel).toContain('offline mode');
    expect(upstream.seen.length).toBe(seenBefore);
    expect(connects.length).toBe(connectsBefore);
    expect(cache.stats()).toMatchObject({ offline: true });
  });
});

describe('files fetched for the core', () => {
  it('fetches a package file from the repository roots whose indexes it holds, for no machine', async () => {
    const deb = pattern(50_000, 7);
    upstream.routes.set('/debian/dists/bookworm/InRelease', serveFile(Buffer.from('Origin: Debian\n'), { etag: '"d"' }));
    upstream.routes.set('/debian-security/dists/bookworm-security/InRelease', serveFile(Buffer.from('Origin: Debian\n'), { etag: '"s"' }));
    upstream.routes.set('/debian/pool/main/h/hello/hello_2.10-3_amd64.deb', serveFile(deb));
    const cache = makeCache();
    const port = await cache.listen();
    // Nothing held yet: no root to try, no request made.
    expect(await cache.fetchRepositoryFile('pool/main/h/hello/hello_2.10-3_amd64.deb')).toBeNull();
    expect(upstream.seen).toEqual([]);
    await got(cache, port, `${MIRROR}/debian/dists/bookworm/InRelease`);
    await got(cache, port, `${MIRROR}/debian-security/dists/bookworm-security/InRelease`);

    const file = await cache.fetchRepositoryFile('pool/main/h/hello/hello_2.10-3_amd64.deb');
    expect(file).not.toBeNull();
    expect(sha(fs.readFileSync(file!))).toBe(sha(deb));
    // The most recently used root first (security: 404), then the other; both asked once.
    expect(upstream.seen.map((x) => x.path).slice(2)).toEqual([
      '/debian-security/pool/main/h/hello/hello_2.10-3_amd64.deb',
      '/debian/pool/main/h/hello/hello_2.10-3_amd64.deb',
    ]);
    // Held now: the next ask reads it from disk, asking no repository.
    expect(await cache.fetchRepositoryFile('pool/main/h/hello/hello_2.10-3_amd64.deb')).toBe(file);
    expect(upstream.seen).toHaveLength(4);
    // A file no root has, a name that is not a plain relative path, and offline mode: null, and nothing asked.
    expect(await cache.fetchRepositoryFile('pool/main/n/none/none_1_all.deb')).toBeNull();
    const seen = upstream.seen.length;
    for (const bad of ['../../etc/passwd', '/pool/a.deb', 'pool//a.deb', 'pool/./a.deb', 'pool/a.deb?x=1', 'pool/a b.deb', 'pool/%2e%2e/%2e%2e/a.deb']) {
      expect(await cache.fetchRepositoryFile(bad)).toBeNull();
    }
    cache.setOffline(true);
    expect(await cache.fetchRepositoryFile('pool/main/o/other/other_1_all.deb')).toBeNull();
    expect(upstream.seen).toHaveLength(seen);
  });
});

describe('CONNECT', () => {
  it('tunnels https byte for byte when online, and counts the bytes', async () => {
    const cache = makeCache();
    const port = await cache.listen();
    const payload = pattern(200_000, 9);
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      let established = false;
      s.on('error', reject);
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        const all = Buffer.concat(chunks);
        if (!established) {
          const end = all.indexOf('\r\n\r\n');
          if (end < 0) return;
          expect(all.subarray(0, end).toString()).toMatch(/^HTTP\/1\.1 200 /);
          established = true;
          chunks.length = 0;
          if (all.length > end + 4) chunks.push(all.subarray(end + 4));
          s.write(payload);
          return;
        }
        if (all.length >= payload.length) {
          s.destroy();
          resolve(all);
        }
      });
      s.write('CONNECT security.example.org:443 HTTP/1.1\r\nHost: security.example.org:443\r\n\r\n');
    });
    expect(sha(answer)).toBe(sha(payload));
    expect(connects).toEqual(['security.example.org:443']);
    expect(cache.stats()).toMatchObject({ bytesFromUpstream: payload.length, files: 0 });
  });

  it('refuses CONNECT to anything but port 443, and says why when the server cannot be reached', async () => {
    const cache = makeCache({ connectUpstream: (host, port) => (port === 443 ? net.connect(1, '127.0.0.1') : net.connect(echoPort, '127.0.0.1')) });
    const port = await cache.listen();
    const ssh = await rawExchange(port, 'CONNECT deb.example.org:22 HTTP/1.1\r\n\r\n');
    expect(ssh).toMatch(/^HTTP\/1\.1 403 /);
    expect(ssh).toContain('only allowed to port 443');
    const down = await rawExchange(port, 'CONNECT deb.example.org:443 HTTP/1.1\r\n\r\n');
    expect(down).toMatch(/^HTTP\/1\.1 502 /);
    expect(down).toContain('could not reach deb.example.org:443');
  });
});

describe('hostile requests', () => {
  const status = (text: string) => /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];

  it('refuses anything but absolute http:// GET and HEAD', async () => {
    const cache = makeCache();
    const port = await cache.listen();
    const cases: [string, string][] = [
      ['GET /etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '400'],
      ['GET https://deb.example.org/a.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '400'],
      ['GET file:///etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '400'],
      ['GET http://user:secret@deb.example.org/pool/a.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '400'],
      ['GET http://deb.example.org/pool/a%00.deb%0d%0a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '404'],
      ['GET http://exa mple.org/a.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '400'],
      ['GET http://deb.example.org/' + 'a'.repeat(5000) + '.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '400'],
      ['POST http://deb.example.org/pool/a.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', '405'],
      ['GET http://deb.example.org/pool/a.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc', '400'],
      ['GET http://deb.example.org/pool/a.deb HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ' + 'b'.repeat(20_000) + '\r\n\r\n', '431'],
      ['\u0000\u0001\u0002 garbage\r\n\r\n', '400'],
      ['CONNECT not-a-host HTTP/1.1\r\n\r\n', '403'],
    ];
    for (const [line, expected] of cases) expect(status(await rawExchange(port, line)), JSON.stringify(line.slice(0, 80))).toBe(expected);
    // Only the percent-encoded URL was well-formed; it reached the repository as written (and was not there).
    expect(upstream.seen.map((s) => s.path)).toEqual(['/pool/a%00.deb%0d%0a']);
  });

  it('names files by a hash of the URL: no URL reaches outside the cache folder', async () => {
    upstream.routes.set('/etc/passwd.deb', serveFile(Buffer.from('not really')));
    upstream.routes.set('/pool/..%2f..%2fescape.deb', serveFile(Buffer.from('still not')));
    const cache = makeCache();
    const port = await cache.listen();
    const a = await got(cache, port, `${MIRROR}/pool/../../../etc/passwd.deb`);
    const b = await got(cache, port, `${MIRROR}/pool/..%2f..%2fescape.deb`);
    expect([a.status, b.status]).toEqual([200, 200]);
    const files = filesOnDisk();
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}$/);
    expect(fs.readdirSync(dir).sort()).toEqual(['files', 'index.json', 'tmp']);
  });

  it('never connects to this computer on a machine’s behalf with the default connection', async () => {
    upstream.routes.set('/pool/a.deb', serveFile(Buffer.from('local service')));
    const cache = makeCache({ connectUpstream: undefined });
    const port = await cache.listen();
    for (const host of [`127.0.0.1:${upstream.port}`, `localhost:${upstream.port}`, `[::1]:${upstream.port}`, `0.0.0.0:${upstream.port}`, `127.1:${upstream.port}`]) {
      const a = await got(cache, port, `http://${host}/pool/a.deb`);
      expect(a.status, host).toBe(502);
    }
    const tunnel = await rawExchange(port, 'CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n');
    expect(tunnel).toMatch(/^HTTP\/1\.1 502 /);
    expect(tunnel).toContain('this computer');
    expect(upstream.seen).toEqual([]);
  });
});
