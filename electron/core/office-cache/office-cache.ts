/**
 * The office cache: a caching HTTP/1.1 forward proxy for package repositories, listening on 127.0.0.1 only. Jobs
 * lend it to machines through their SSH connection, so every machine of the office downloads each package and
 * index through one copy, and machines without internet access can be patched from what it holds. It serves
 * bytes exactly as the repository sent them: the package manager still checks the signatures.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { pipeline } from 'node:stream';
import type { OfficeCacheStats } from '../../../shared/contract';
import { CacheStore, type CacheEntry } from './cache-store';
import { classifyUrl, parseConnectTarget, parseProxyTarget, type ProxyTarget, type UrlKind } from './request-target';
import { SharedDownload } from './shared-download';
import { connectDirect, endToEndHeaders, upstreamRequest, UpstreamAgent, type ConnectUpstream } from './upstream';

export type { ConnectUpstream } from './upstream';

/** What the Settings page shows, and `cache/status` returns (declared once, in the contract). */
export type { OfficeCacheStats } from '../../../shared/contract';

export interface OfficeCacheOptions {
  dir: string;
  maxBytes: number;
  offline: boolean;
  /** Last-used times for eviction; default Date.now. */
  clock?: () => number;
  /** Tests and the lab may point upstream traffic somewhere else; default: real TCP to the URL's host (never this computer). */
  connectUpstream?: ConnectUpstream;
  /** An upstream silent this long fails the request (default 60 s). */
  upstreamTimeoutMs?: number;
  /** Ports CONNECT may reach (default 443: https repositories). */
  connectPorts?: readonly number[];
}

type Outcome =
  | {
    type: 'fresh';
    download: SharedDownload;
    entry: Omit<CacheEntry, 'storedAt' | 'lastUsed' | 'size'> & { size: number | null };
    /** Settles once the download is over: in the cache when complete, else dropped. */
    stored: Promise<void>;
  }
  | { type: 'not-modified' }
  | { type: 'other'; status: number; headers: http.OutgoingHttpHeaders; body: Buffer }
  | { type: 'error'; error: Error };

/** Non-200 answers (404s, redirects) are relayed to every waiting client; larger ones than this fail. */
const MAX_OTHER_BODY = 1024 * 1024;

export class OfficeCache {
  private readonly store: CacheStore;
  private readonly connectUpstream: ConnectUpstream;
  private readonly agent: UpstreamAgent;
  private readonly server: http.Server;
  private readonly inflight = new Map<string, Promise<Outcome>>();
  /** Downloads until they are in the cache (or given up): a client can have every byte before that. */
  private readonly downloads = new Set<Promise<void>>();
  private readonly tunnels = new Set<net.Socket>();
  private readonly upstreamRequests = new Set<http.ClientRequest>();
  private readonly timeoutMs: number;
  private readonly connectPorts: readonly number[];
  private offline: boolean;
  private loaded = false;
  private closed = false;
  private listening: number | null = null;
  private starting: Promise<number> | null = null;
  private counters = { hits: 0, misses: 0, bytesFromUpstream: 0, bytesServed: 0 };

  constructor(options: OfficeCacheOptions) {
    this.store = new CacheStore(options.dir, options.maxBytes, options.clock ?? Date.now);
    this.offline = options.offline;
    this.connectUpstream = options.connectUpstream ?? connectDirect;
    this.agent = new UpstreamAgent(this.connectUpstream);
    this.timeoutMs = options.upstreamTimeoutMs ?? 60_000;
    this.connectPorts = options.connectPorts ?? [443];
    // Request line and headers together stay under 16 KiB; a package manager's are a few hundred bytes.
    this.server = http.createServer({ maxHeaderSize: 16 * 1024 });
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.answer(res, 500, `Patchwell office cache: ${err instanceof Error ? err.message : String(err)}`);
        else res.destroy();
      });
    });
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.onConnect(req, socket, head));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      else socket.destroy();
    });
  }

  get port(): number | null {
    return this.listening;
  }

  /** Listens on 127.0.0.1 only, on a port the OS picks; returns it. Loads the index first. */
  listen(): Promise<number> {
    // Jobs and start-up may ask at the same moment: one server, one answer.
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<number> {
    if (this.closed) throw new Error('the office cache is closed');
    if (!this.loaded) {
      this.store.load();
      this.loaded = true;
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('the office cache has no TCP address');
    this.listening = addr.port;
    return addr.port;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const t of this.tunnels) t.destroy();
    for (const r of this.upstreamRequests) r.destroy(new Error('the office cache closed'));
    this.agent.destroy();
    // A download that was complete is still kept; the broken ones are gone with their upstream requests.
    await this.idle();
    if (this.listening !== null) await closing;
    this.listening = null;
    if (this.loaded) this.store.flush();
  }

  /**
   * Resolves when no download is in flight or being put into the cache. A client has every byte (its
   * Content-Length) a moment before the file is synced and indexed; tests and the bench wait for that.
   */
  async idle(): Promise<void> {
    while (this.downloads.size > 0 || this.inflight.size > 0) {
      await Promise.allSettled([...this.downloads, ...this.inflight.values()]);
    }
  }

  stats(): OfficeCacheStats {
    return {
      enabled: true,
      offline: this.offline,
      dir: this.store.dir,
      bytes: this.store.bytes,
      maxBytes: this.store.limit,
      files: this.store.files,
      ...this.counters,
    };
  }

  /**
   * Where the cache holds the repository file named `filename` (a Debian Packages record's "Filename:", e.g.
   * pool/main/a/apt/apt_2.6.2_amd64.deb), or null. Whoever reads it checks its SHA-256 first: the name is a
   * machine's word, the bytes are what the repository served.
   */
  repositoryFile(filename: string): string | null {
    if (!this.loaded) return null;
    const entry = this.store.findPackageFile(filename);
    return entry ? this.store.fileOf(entry.key) : null;
  }

  /**
   * Fetches the repository file `filename` into the cache for the core itself, so that no machine has to download
   * it for the core to read (a machine's `apt-get download` costs it about 0.4 s of CPU). The repository is not
   * named by anyone: each repository root the cache has fetched package indexes from (the URL up to "dists/") is
   * tried, most recently used first, at most four. Whoever reads the file still checks its SHA-256, so a root that
   * serves other bytes under the same name changes nothing. Null offline, for a name that is not a plain relative
   * path, or when no root has it.
   */
  async fetchRepositoryFile(filename: string): Promise<string | null> {
    const held = this.repositoryFile(filename);
    if (held || this.offline || this.closed || !this.loaded) return held;
    if (!/^[A-Za-z0-9][A-Za-z0-9._+~/-]*$/.test(filename) || filename.split('/').some((part) => part === '' || part === '.' || part === '..')) return null;
    for (const root of this.store.repositoryRoots().slice(0, 4)) {
      const target = parseProxyTarget(`${root}${filename}`);
      if ('refused' in target || classifyUrl(target.url) !== 'immutable') continue;
      const outcome = await this.fetchShared(target, 'immutable', undefined);
      if (outcome.type === 'fresh') {
        this.count('misses');
        await outcome.stored;
        const file = this.repositoryFile(filename);
        if (file) return file;
      }
    }
    return null;
  }

  setOffline(offline: boolean): void {
    this.offline = offline;
  }

  setMaxBytes(bytes: number): void {
    this.store.setMaxBytes(bytes);
  }

  /** Deletes every held file (downloads in flight still finish and are kept). */
  clear(): Promise<void> {
    if (!this.loaded) {
      this.store.load();
      this.loaded = true;
    }
    this.store.clear();
    return Promise.resolve();
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return this.answer(res, 405, 'Patchwell office cache: only GET and HEAD are proxied', { allow: 'GET, HEAD' });
    if ((req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding'] !== undefined) {
      return this.answer(res, 400, 'Patchwell office cache: GET and HEAD carry no body', { connection: 'close' });
    }
    const target = parseProxyTarget(req.url ?? '');
    if ('refused' in target) return this.answer(res, 400, `Patchwell office cache: ${target.refused}`, { connection: 'close' });
    const kind = classifyUrl(target.url);
    if (kind === 'pass') return this.passThrough(req, res, method, target);
    const held = this.store.get(target.key);
    if (held && (kind === 'immutable' || this.offline)) return this.serveHeld(req, res, held, 'hit');
    if (this.offline) return this.offlineMiss(res, target.key);
    // A HEAD for something not held is only a question: asked upstream, nothing stored.
    if (method === 'HEAD' && !held) return this.passThrough(req, res, method, target);
    const joined = this.inflight.has(target.key);
    const outcome = await this.fetchShared(target, kind, held);
    switch (outcome.type) {
      case 'not-modified': {
        const entry = this.store.get(target.key);
        if (!entry) return this.answer(res, 503, 'Patchwell office cache: the file was evicted meanwhile; try again');
        return this.serveHeld(req, res, entry, 'revalidated');
      }
      case 'fresh': {
        this.count(joined ? 'hits' : 'misses');
        const e = outcome.entry;
        res.writeHead(200, {
          ...(e.size !== null ? { 'content-length': e.size } : {}),
          ...(e.contentType ? { 'content-type': e.contentType } : {}),
          ...(e.lastModified ? { 'last-modified': e.lastModified } : {}),
          ...(e.etag ? { etag: e.etag } : {}),
          'x-patchwell-cache': joined ? 'shared' : 'miss',
        });
        if (method === 'HEAD') {
          res.end();
          return;
        }
        return outcome.download.pipeTo(res, (n) => {
          this.counters.bytesServed += n;
        });
      }
      case 'other':
        this.count(joined ? 'hits' : 'misses');
        res.writeHead(outcome.status, { ...outcome.headers, 'content-length': outcome.body.length });
        res.end(method === 'HEAD' ? undefined : outcome.body);
        this.counters.bytesServed += method === 'HEAD' ? 0 : outcome.body.length;
        return;
      case 'error':
        // An index that cannot be revalidated is served as held: apt and dnf still check its signature and expiry.
        if (held && this.store.get(held.key)) return this.serveHeld(req, res, held, 'stale');
        this.count('misses');
        return this.answer(res, 502, `Patchwell office cache could not fetch ${target.key}: ${outcome.error.message}`);
    }
  }

  /** One upstream request per URL at a time: later askers wait for the same outcome and read the same file. */
  private fetchShared(target: ProxyTarget, kind: Exclude<UrlKind, 'pass'>, held: CacheEntry | undefined): Promise<Outcome> {
    const running = this.inflight.get(target.key);
    if (running) return running;
    const started = this.fetchUpstream(target, kind, held);
    this.inflight.set(target.key, started);
    void started.then((o) => {
      // A download stays joinable until it is in the cache; anything else is over once answered.
      if (o.type !== 'fresh') this.inflight.delete(target.key);
    });
    return started;
  }

  private fetchUpstream(target: ProxyTarget, kind: Exclude<UrlKind, 'pass'>, held: CacheEntry | undefined): Promise<Outcome> {
    const headers: http.OutgoingHttpHeaders = { accept: '*/*', 'user-agent': 'Patchwell office cache' };
    if (held?.etag) headers['if-none-match'] = held.etag;
    if (held?.lastModified) headers['if-modified-since'] = held.lastModified;
    return new Promise<Outcome>((resolve) => {
      const req = upstreamRequest(this.agent, target.url, 'GET', headers, this.timeoutMs);
      this.upstreamRequests.add(req);
      req.on('close', () => this.upstreamRequests.delete(req));
      req.on('error', (error) => resolve({ type: 'error', error }));
      req.on('response', (up) => {
        // Errors after the answer is chosen are the download's (or nobody's: a 304's empty body).
        up.on('error', () => undefined);
        const status = up.statusCode ?? 502;
        if (status === 304 && held) {
          up.resume();
          this.store.touch(target.key, { lastModified: header(up, 'last-modified'), etag: header(up, 'etag') });
          resolve({ type: 'not-modified' });
          return;
        }
        if (status === 200) {
          this.startDownload(target, kind, up).then(resolve, (error: Error) => {
            up.destroy();
            resolve({ type: 'error', error });
          });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        up.on('data', (c: Buffer) => {
          size += c.length;
          this.counters.bytesFromUpstream += c.length;
          if (size > MAX_OTHER_BODY) up.destroy(new Error(`an HTTP ${status} answer larger than 1 MiB`));
          else chunks.push(c);
        });
        up.on('error', (error) => resolve({ type: 'error', error }));
        up.on('end', () => {
          const out = endToEndHeaders(up.headers);
          delete out['content-length'];
          resolve({ type: 'other', status, headers: out, body: Buffer.concat(chunks) });
        });
      });
      req.end();
    });
  }

  private async startDownload(target: ProxyTarget, kind: Exclude<UrlKind, 'pass'>, up: http.IncomingMessage): Promise<Outcome> {
    const lengthHeader = header(up, 'content-length');
    const size = lengthHeader !== undefined && /^\d{1,15}$/.test(lengthHeader) ? Number(lengthHeader) : null;
    const download = await SharedDownload.create(this.store.tempFile(), size);
    const entry = {
      key: target.key,
      kind,
      size,
      contentType: header(up, 'content-type'),
      lastModified: header(up, 'last-modified'),
      etag: header(up, 'etag'),
    };
    const settled = download
      .receive(up, (n) => {
        this.counters.bytesFromUpstream += n;
      })
      .then(
        () => {
          try {
            this.store.add(download.tempPath, { ...entry, size: download.written });
          } catch (err) {
            // A full disk loses the copy, not the answer: the clients still read the complete temp file.
            console.error(`Patchwell office cache: could not keep ${target.key}: ${err instanceof Error ? err.message : String(err)}`);
            fs.rm(download.tempPath, { force: true }, () => undefined);
          }
          download.finish();
        },
        () => undefined,
      )
      .finally(() => {
        this.inflight.delete(target.key);
        this.downloads.delete(settled);
      });
    this.downloads.add(settled);
    return { type: 'fresh', download, entry, stored: settled };
  }

  private async serveHeld(req: http.IncomingMessage, res: http.ServerResponse, entry: CacheEntry, how: 'hit' | 'revalidated' | 'stale'): Promise<void> {
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(this.store.fileOf(entry.key), 'r');
    } catch {
      this.store.remove(entry.key);
      return this.answer(res, 503, 'Patchwell office cache: the file was evicted meanwhile; try again');
    }
    this.count('hits');
    this.store.touch(entry.key);
    const headers: http.OutgoingHttpHeaders = {
      ...(entry.contentType ? { 'content-type': entry.contentType } : {}),
      ...(entry.lastModified ? { 'last-modified': entry.lastModified } : {}),
      ...(entry.etag ? { etag: entry.etag } : {}),
      'x-patchwell-cache': how,
    };
    if (notModifiedFor(req, entry)) {
      await fh.close();
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': entry.size });
    if (req.method === 'HEAD') {
      await fh.close();
      res.end();
      return;
    }
    const body = fh.createReadStream({ autoClose: true });
    body.on('data', (c: Buffer | string) => {
      this.counters.bytesServed += c.length;
    });
    await new Promise<void>((resolve) => {
      pipeline(body, res, () => resolve());
    });
  }

  private passThrough(req: http.IncomingMessage, res: http.ServerResponse, method: 'GET' | 'HEAD', target: ProxyTarget): Promise<void> {
    if (this.offline) return Promise.resolve(this.offlineMiss(res, target.key));
    this.count('misses');
    return new Promise<void>((resolve) => {
      const up = upstreamRequest(this.agent, target.url, method, endToEndHeaders(req.headers), this.timeoutMs);
      this.upstreamRequests.add(up);
      up.on('close', () => this.upstreamRequests.delete(up));
      up.on('error', (err) => {
        if (!res.headersSent) this.answer(res, 502, `Patchwell office cache could not fetch ${target.key}: ${err.message}`);
        else res.destroy();
        resolve();
      });
      up.on('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
        answer.on('data', (c: Buffer) => {
          this.counters.bytesFromUpstream += c.length;
          this.counters.bytesServed += c.length;
        });
        pipeline(answer, res, () => resolve());
      });
      up.end();
    });
  }

  private offlineMiss(res: http.ServerResponse, key: string): void {
    this.count('misses');
    this.answer(res, 504, `Patchwell office cache is in offline mode and does not hold ${key}`);
  }

  private onConnect(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    client.on('error', () => client.destroy());
    if (this.offline) return rawAnswer(client, '503 Service Unavailable', 'Patchwell office cache is in offline mode: https connections (CONNECT) are not made');
    const target = parseConnectTarget(req.url ?? '', this.connectPorts);
    if ('refused' in target) return rawAnswer(client, '403 Forbidden', `Patchwell office cache: ${target.refused}`);
    const upstream = this.connectUpstream(target.host, target.port);
    this.tunnels.add(client);
    this.tunnels.add(upstream);
    let open = false;
    const end = () => {
      this.tunnels.delete(client);
      this.tunnels.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    upstream.setTimeout(this.timeoutMs, () => upstream.destroy(new Error(`no answer from ${target.host}:${target.port}`)));
    upstream.on('error', (err) => {
      if (!open) {
        this.tunnels.delete(client);
        this.tunnels.delete(upstream);
        rawAnswer(client, '502 Bad Gateway', `Patchwell office cache could not reach ${target.host}:${target.port}: ${err.message}`);
      } else end();
    });
    upstream.on('connect', () => {
      open = true;
      // Idle tunnels are the package manager's to close; only the connection attempt is timed.
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.on('data', (c: Buffer) => {
        this.counters.bytesFromUpstream += c.length;
        this.counters.bytesServed += c.length;
      });
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', end);
      upstream.on('close', end);
    });
  }

  private answer(res: http.ServerResponse, status: number, message: string, extra: http.OutgoingHttpHeaders = {}): void {
    const body = `${message}\n`;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  private count(which: 'hits' | 'misses'): void {
    this.counters[which] += 1;
  }
}

function header(msg: http.IncomingMessage, name: string): string | undefined {
  const v = msg.headers[name];
  return typeof v === 'string' && v.length <= 512 ? v : undefined;
}

/** The client's own copy is current (apt sends If-Modified-Since for the lists it has). */
function notModifiedFor(req: http.IncomingMessage, entry: CacheEntry): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && entry.etag) return inm.split(',').some((t) => t.trim() === entry.etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined || !entry.lastModified) return false;
  const since = Date.parse(ims);
  const modified = Date.parse(entry.lastModified);
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

function rawAnswer(socket: net.Socket, status: string, message: string): void {
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
