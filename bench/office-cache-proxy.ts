/**
 * bench/office-cache-proxy: the office cache's own throughput, on loopback only. A local HTTP server stands in for
 * the repository with one file (50 MiB by default); 20 clients fetch it at once (a) straight from that server,
 * (b) through the cache while it is cold (one shared upstream download), (c) through the cache from disk (hits).
 * Each is timed from the first request to the last byte; the figure is the clients' total bytes over that time.
 * Three rounds, median printed, with the load average (the machine is shared). Clients count bytes and check the
 * SHA-256 of one body per kind; nothing else is asserted (the tests assert the behaviour).
 * Run: npx tsx bench/office-cache-proxy.ts [clients] [MiB]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { OfficeCache } from '../electron/core/office-cache/office-cache';

const ROUNDS = 3;
const clients = Number(process.argv[2] ?? 20);
const mib = Number(process.argv[3] ?? 50);
const size = mib * 1024 * 1024;

const body = Buffer.alloc(size);
for (let i = 0; i < size; i += 4) body.writeUInt32LE((Math.imul(i, 2654435761) ^ 0x5bd1e995) >>> 0, i);
const want = createHash('sha256').update(body).digest('hex');

/** One GET; resolves with the bytes received, hashing the body when asked. */
function fetchOnce(port: number, urlPath: string, hash: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      let n = 0;
      const h = hash ? createHash('sha256') : null;
      res.on('data', (c: Buffer) => {
        n += c.length;
        h?.update(c);
      });
      res.on('end', () => {
        if (!res.complete || n !== size) return reject(new Error(`short body: ${n} of ${size}`));
        if (h && h.digest('hex') !== want) return reject(new Error('the body differs from the file'));
        resolve(n);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function timed(port: number, urlPath: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const bytes = await Promise.all(Array.from({ length: clients }, (_, i) => fetchOnce(port, urlPath, i === 0)));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return bytes.reduce((a, b) => a + b, 0) / 1e6 / s;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  let upstreamRequests = 0;
  const upstream = http.createServer((_req, res) => {
    upstreamRequests += 1;
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/vnd.debian.binary-package' }).end(body);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as AddressInfo).port;
  const direct: number[] = [];
  const cold: number[] = [];
  const hit: number[] = [];
  console.log(`office cache proxy: ${clients} clients × ${mib} MiB, loopback; load average before: ${load()}`);
  for (let round = 1; round <= ROUNDS; round++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-office-cache-'));
    const cache = new OfficeCache({ dir, maxBytes: 4 * size, offline: false, connectUpstream: () => net.connect(upPort, '127.0.0.1') });
    const port = await cache.listen();
    const url = `http://deb.example.org/debian/pool/main/b/bench/bench_${round}_amd64.deb`;
    try {
      direct.push(await timed(upPort, '/direct'));
      const before = upstreamRequests;
      cold.push(await timed(port, url));
      await cache.idle();
      const coldUpstream = upstreamRequests - before;
      hit.push(await timed(port, url));
      const s = cache.stats();
      console.log(
        `round ${round}: direct ${direct.at(-1)?.toFixed(0)} MB/s, cold through cache ${cold.at(-1)?.toFixed(0)} MB/s (${coldUpstream} upstream request${coldUpstream === 1 ? '' : 's'}), ` +
          `from cache ${hit.at(-1)?.toFixed(0)} MB/s; hits ${s.hits} misses ${s.misses}; load ${load()}`,
      );
    } finally {
      await cache.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  upstream.close();
  const d = median(direct);
  const c = median(cold);
  const h = median(hit);
  console.log(
    `median of ${ROUNDS}: direct ${d.toFixed(0)} MB/s; cold through the cache ${c.toFixed(0)} MB/s (ratio ${(c / d).toFixed(2)}); ` +
      `from the cache ${h.toFixed(0)} MB/s (ratio ${(h / d).toFixed(2)}); load average after: ${load()}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
