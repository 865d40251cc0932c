/**
 * NTLM over HTTPS with Extended Protection: a host that requires channel binding (CbtHardeningLevel Strict)
 * accepts our client, and refuses it when a TLS-intercepting relay with another certificate sits in between.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WinrmTestServer } from './testing/test-server';
import { WinrmError, WinrmSession } from './winrm-client';

const cred = { username: 'Administrator', password: 'Tr0ub4dor&3', domain: 'LAB' };

function selfSigned(dir: string, name: string, args: string[]): { key: string; cert: string } {
  execFileSync('openssl', ['req', '-x509', ...args, '-nodes', '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.pem`), '-days', '1', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'), cert: fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8') };
}

/** Terminates TLS with its own certificate and opens a new TLS connection to the server, as an inspecting proxy does. */
async function interceptor(pair: { key: string; cert: string }, port: number): Promise<{ port: number; close: () => void }> {
  const relay = tls.createServer(pair, (down) => {
    const up = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    down.pipe(up).pipe(down);
    up.on('error', () => down.destroy());
    down.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return { port: (relay.address() as AddressInfo).port, close: () => relay.close() };
}

const servers: WinrmTestServer[] = [];
const closers: (() => void)[] = [];
let strictPort: number, relaxedPort: number, ecdsaPort: number, relayToStrict: number, relayToRelaxed: number, relayToNone: number;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winrm-cbt-'));
  const rsa = selfSigned(dir, 'win-host', ['-newkey', 'rsa:2048', '-sha384']);
  const ec = selfSigned(dir, 'win-ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-sha256']);
  const proxy = selfSigned(dir, 'proxy', ['-newkey', 'rsa:2048', '-sha256']);
  fs.rmSync(dir, { recursive: true });
  const serve = async (pair: { key: string; cert: string }, channelBinding: 'none' | 'relaxed' | 'strict'): Promise<number> => {
    const s = new WinrmTestServer(cred, (program) => ({ stdout: `bound ${program}`, exitCode: 0 }), { ...pair, channelBinding });
    servers.push(s);
    return s.listen();
  };
  strictPort = await serve(rsa, 'strict');
  relaxedPort = await serve(rsa, 'relaxed');
  ecdsaPort = await serve(ec, 'strict');
  const noneServerPort = await serve(rsa, 'none');
  const relays = await Promise.all([strictPort, relaxedPort, noneServerPort].map((p) => interceptor(proxy, p)));
  closers.push(...relays.map((r) => r.close));
  [relayToStrict, relayToRelaxed, relayToNone] = relays.map((r) => r.port) as [number, number, number];
});
afterAll(async () => {
  closers.forEach((c) => c());
  await Promise.all(servers.map((s) => s.close()));
});

const run = async (port: number): Promise<unknown> => {
  const s = new WinrmSession({ address: '127.0.0.1', port, https: true }, cred, 5_000);
  try {
    return (await s.exec(['hostname'])).stdout;
  } catch (e) {
    return e;
  } finally {
    s.close();
  }
};

describe('NTLM over HTTPS with channel binding', () => {
  it('is accepted by a host that requires it (RSA SHA-384 and ECDSA SHA-256 certificates)', async () => {
    expect(await run(strictPort)).toBe('bound hostname');
    expect(await run(ecdsaPort)).toBe('bound hostname');
    expect(await run(relaxedPort)).toBe('bound hostname');
  });

  it('is refused through a TLS interceptor, by strict and relaxed hosts, with a message that says why it may be', async () => {
    for (const port of [relayToStrict, relayToRelaxed]) {
      const e = await run(port);
      expect(e).toBeInstanceOf(WinrmError);
      expect((e as WinrmError).kind).toBe('auth-failed');
      expect((e as WinrmError).message).toMatch(/channel binding \(a TLS-inspecting proxy in between\?\)/);
    }
  });

  it('passes the interceptor when the host does not check bindings (so the refusals above are the binding)', async () => {
    expect(await run(relayToNone)).toBe('bound hostname');
  });
});
