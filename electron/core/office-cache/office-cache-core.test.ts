/**
 * The office cache as the core runs it: started with the core (owner process only), its state through
 * `cache/status`, settings applied at once, and `cache/clear`. Upstream traffic goes to a loopback server.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createCore, type Core } from '../core';
import { proxyGet } from './testing/proxy-client';

let dataDir = '';
let upstream: http.Server;
let upstreamPort = 0;
const cores: Core[] = [];
const deb = Buffer.alloc(50_000, 3);

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cache-core-'));
  upstream = http.createServer((_req, res) => res.writeHead(200, { 'content-length': deb.length }).end(deb));
  upstreamPort = await new Promise<number>((r) => upstream.listen(0, '127.0.0.1', () => r((upstream.address() as AddressInfo).port)));
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start(owner = true): Core {
  const core = createCore({
    dataDir,
    runtime: 'browser',
    checkResults: true,
    scheduler: false,
    owner,
    officeCache: { connectUpstream: () => net.connect(upstreamPort, '127.0.0.1') },
  });
  cores.push(core);
  return core;
}

it('runs with the core, shows its state, and follows the settings at once', async () => {
  const core = start();
  const cache = core.services.officeCache;
  expect(cache).not.toBeNull();
  const port = await cache!.listen();
  const url = 'http://deb.debian.org/debian/pool/main/a/a_1_amd64.deb';
  expect((await proxyGet(port, url).done).body.equals(deb)).toBe(true);
  await cache!.idle();
  expect(await core.call('cache/status')).toMatchObject({
    enabled: true, offline: false, files: 1, bytes: deb.length, misses: 1, bytesFromUpstream: deb.length, maxBytes: 10 * 1024 ** 3, dir: path.join(dataDir, 'office-cache'),
  });

  const settings = await core.call('settings/get');
  await core.call('settings/update', { officeCache: { ...settings.officeCache, offline: true, maxBytes: 512 * 1024 ** 2 } });
  expect(core.services.officeCache).toBe(cache);
  expect(await core.call('cache/status')).toMatchObject({ offline: true, maxBytes: 512 * 1024 ** 2 });
  expect((await proxyGet(port, 'http://deb.debian.org/debian/pool/main/b/b_1_amd64.deb').done).status).toBe(504);

  expect(await core.call('cache/clear')).toMatchObject({ files: 0, bytes: 0 });

  await core.call('settings/update', { officeCache: { ...settings.officeCache, enabled: false } });
  expect(core.services.officeCache).toBeNull();
  expect(cache!.port).toBeNull();
  expect(await core.call('cache/status')).toMatchObject({ enabled: false });

  await core.call('settings/update', { officeCache: { ...settings.officeCache, enabled: true } });
  const again = core.services.officeCache;
  expect(again).not.toBeNull();
  expect(await again!.listen()).toBeGreaterThan(0);
  await expect(core.call('settings/update', { officeCache: { ...settings.officeCache, maxBytes: 1000 } })).rejects.toThrow();
});

it('keeps what it holds across a restart of the core', async () => {
  const first = start();
  const port = await first.services.officeCache!.listen();
  await proxyGet(port, 'http://deb.debian.org/debian/pool/main/a/a_1_amd64.deb').done;
  await first.close();
  const second = start();
  await second.services.officeCache!.listen();
  expect(await second.call('cache/status')).toMatchObject({ files: 1, bytes: deb.length });
});

it('does not run in a process that does not own the data folder', async () => {
  const core = start(false);
  expect(core.services.officeCache).toBeNull();
  expect(await core.call('cache/status')).toMatchObject({ enabled: false });
  await expect(core.call('cache/clear')).rejects.toThrow(/belongs to the Patchwell app/);
});
