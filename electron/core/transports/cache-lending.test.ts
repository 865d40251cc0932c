/**
 * Lending the office cache to a machine over its SSH connection, against ssh2's server on 127.0.0.1 granting (or,
 * like `AllowTcpForwarding no`, refusing) remote forwards: what the machine sends to its 127.0.0.1:<port> reaches
 * the cache here, the commands name that port, the forward goes with the session, and a refusal is said or, in
 * offline mode, refused with the reason. The real sshd is in cache-lending.lab.test.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { allowFirstContact, firstContactsNeeded } from '../machines/first-contact';
import { getHost, insertHost } from '../machines/machine-queries';
import { createDebianPlatform } from '../platforms/debian';
import { Vault } from '../vault/vault';
import { ConnectionManager, OfficeCacheUnreachableError, type OfficeCacheLink } from './connections';
import { connectSsh, type SshSession } from './ssh';
import { startTestSshd, TEST_SSH_PASSWORD, TEST_SSH_USER, type TestSshd } from './testing/test-sshd';

const NEVER = new AbortController().signal;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Stands in for the office cache: answers every request with the URL it was asked for. */
async function fakeCache(): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.end(`served ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as net.AddressInfo).port, requests };
}

async function sshd(forwarding: boolean, exec?: (command: string) => string): Promise<TestSshd> {
  const server = await startTestSshd({ user: TEST_SSH_USER, password: TEST_SSH_PASSWORD, forwarding, exec: (command) => ({ stdout: exec?.(command) ?? '' }) });
  cleanup.push(() => server.close());
  return server;
}

async function session(port: number): Promise<SshSession> {
  const s = await connectSsh({ address: '127.0.0.1', port, pinnedKey: null }, { username: TEST_SSH_USER, password: TEST_SSH_PASSWORD });
  cleanup.push(() => s.close());
  return s;
}

/** What a package manager on the machine does: a proxy request to its own 127.0.0.1:<port>. */
function getThrough(port: number, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: url, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe('the reverse forward', () => {
  it("pipes the machine's connections to the cache, concurrently, and names the machine's port in proxyUrl", async () => {
    const cache = await fakeCache();
    const server = await sshd(true);
    const s = await session(server.port);
    expect(s.proxyUrl).toBeUndefined();
    const url = await s.lendProxy(cache.port);
    const remotePort = server.forwardedPorts[0]!;
    expect(url).toBe(`http://127.0.0.1:${remotePort}`);
    expect(s.proxyUrl).toBe(url);
    expect(remotePort).not.toBe(cache.port);
    const urls = Array.from({ length: 8 }, (_, i) => `http://deb.debian.org/debian/pool/main/p${i}.deb`);
    const bodies = await Promise.all(urls.map((u) => getThrough(remotePort, u)));
    expect(bodies).toEqual(urls.map((u) => `served ${u}`));
    expect(cache.requests.sort()).toEqual(urls.map((u) => `GET ${u}`).sort());
  });

  it('goes away with the session', async () => {
    const cache = await fakeCache();
    const server = await sshd(true);
    const s = await session(server.port);
    await s.lendProxy(cache.port);
    const remotePort = server.forwardedPorts[0]!;
    expect(await refused(remotePort)).toBe(false);
    await s.close();
    await expect.poll(() => refused(remotePort)).toBe(true);
  });

  it('is refused by a server that does not allow remote forwarding, and nothing is lent', async () => {
    const server = await sshd(false);
    const s = await session(server.port);
    await expect(s.lendProxy(1)).rejects.toThrow(/Unable to bind/);
    expect(s.proxyUrl).toBeUndefined();
    expect(server.forwardedPorts).toEqual([]);
  });

  it('reaches argv over SSH: apt-get update names the forwarded port, with the environment after sudo for scripts', async () => {
    const cache = await fakeCache();
    const server = await sshd(true, () => '');
    const s = await session(server.port);
    const url = await s.lendProxy(cache.port);
    await createDebianPlatform({ changelogs: false }).pendingUpdates(s, { refresh: true });
    expect(server.commands).toContain(`sudo -n -- env LC_ALL=C LANG=C TZ=UTC DEBIAN_FRONTEND=noninteractive APT_LISTCHANGES_FRONTEND=none NEEDRESTART_MODE=l apt-get -o Acquire::http::Proxy=${url} -o Acquire::https::Proxy=${url} update -q`);
    await createDebianPlatform().ensureRollbackDebs(s, [{ name: 'tzdata', version: '1', arch: 'all' }]);
    expect(server.commands.at(-1)).toMatch(new RegExp(`^sudo -n -- env .*http_proxy=${url.replace(/[.:/]/g, '\\$&')} https_proxy=.* sh -s -- tzdata:all=1$`));
  });
});

describe('ConnectionManager lends the cache to sessions that ask', () => {
  function manager(sshPort: number, cache: OfficeCacheLink | null): ConnectionManager {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-lend-'));
    const db = openDatabase(path.join(dir, 'p.db'));
    cleanup.push(async () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const vault = new Vault(db, dir);
    vault.save({ name: 'all', username: TEST_SSH_USER, password: TEST_SSH_PASSWORD, appliesToAll: true });
    const hostId = insertHost(db, { address: '127.0.0.1', sshPort }).id;
    allowFirstContact(db, firstContactsNeeded([getHost(db, hostId)!], (h) => vault.resolveFor(h)));
    const m = new ConnectionManager(db, vault, { emit: () => undefined });
    m.setOfficeCache(() => cache);
    hosts.set(m, getHost(db, hostId)!);
    return m;
  }
  const hosts = new Map<ConnectionManager, NonNullable<ReturnType<typeof getHost>>>();

  it('lends it with lendCache, not without, and not when the cache is not listening', async () => {
    const cache = await fakeCache();
    const server = await sshd(true);
    const m = manager(server.port, { port: cache.port, stats: () => ({ offline: false }) });
    const host = hosts.get(m)!;
    expect(await m.withSession(host, NEVER, async (s) => s.proxyUrl)).toBeUndefined();
    const url = await m.withSession(host, NEVER, async (s) => s.proxyUrl, { lendCache: true });
    expect(url).toBe(`http://127.0.0.1:${server.forwardedPorts[0]}`);
    const idle = manager(server.port, { port: null, stats: () => ({ offline: false }) });
    expect(await idle.withSession(hosts.get(idle)!, NEVER, async (s) => s.proxyUrl, { lendCache: true })).toBeUndefined();
  });

  it('goes on without the cache when sshd refuses the forward, and says so in the log', async () => {
    const server = await sshd(false);
    const m = manager(server.port, { port: 9, stats: () => ({ offline: false }) });
    const log: string[] = [];
    const ran = await m.withSession(hosts.get(m)!, NEVER, async (s) => `ran, proxy ${String(s.proxyUrl)}`, { lendCache: true, log: (_l, msg) => log.push(msg) });
    expect(ran).toBe('ran, proxy undefined');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/127\.0\.0\.1 refused the SSH reverse port forward the office cache needs .*AllowTcpForwarding no\?.*fetches packages .* directly/);
  });

  it('refuses the session in offline mode when sshd refuses the forward: the machine could only fetch from the internet', async () => {
    const server = await sshd(false);
    const m = manager(server.port, { port: 9, stats: () => ({ offline: true }) });
    let ran = false;
    await expect(m.withSession(hosts.get(m)!, NEVER, async () => (ran = true), { lendCache: true })).rejects.toThrow(OfficeCacheUnreachableError);
    await expect(m.withSession(hosts.get(m)!, NEVER, async () => (ran = true), { lendCache: true })).rejects.toThrow(/offline mode, but 127\.0\.0\.1 cannot be lent it.*AllowTcpForwarding/);
    expect(ran).toBe(false);
  });
});
