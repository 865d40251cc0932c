/**
 * Host-key pinning against ssh2's server on 127.0.0.1: the pin is read from the database right before
 * connecting, and set only where none is set, so two first contacts at once cannot both win.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../audit/audit-log';
import { openDatabase, type Db } from '../db/open';
import { getHost, insertHost, pinHostKey } from '../machines/machine-queries';
import { Vault } from '../vault/vault';
import { ConnectionManager } from './connections';
import { connectSsh, SshConnectError } from './ssh';
import { testHostKey } from './testing/test-keys';
import { startTestSshd, type TestSshd } from './testing/test-sshd';

const USER = 'admin';
const PASSWORD = 'pw-test';
const NEVER = new AbortController().signal;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sshd(hostKey: string): Promise<TestSshd> {
  const server = await startTestSshd({ user: USER, password: PASSWORD, hostKey, exec: () => ({ stdout: 'ok\n' }) });
  cleanup.push(() => server.close());
  return server;
}

/** The fingerprint a server with this key presents, as the transport computes it. */
async function fingerprintOf(port: number): Promise<string> {
  const s = await connectSsh({ address: '127.0.0.1', port, pinnedKey: null }, { username: USER, password: PASSWORD });
  await s.close();
  return s.hostKey;
}

/**
 * One address for the machine, in front of two servers with different keys: connections are passed to them
 * in turn, as a machine-in-the-middle would take over a second first contact.
 */
async function alternating(ports: readonly number[]): Promise<number> {
  let n = 0;
  const proxy = net.createServer((client) => {
    const upstream = net.connect(ports[n++ % ports.length]!, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(() => new Promise<void>((resolve) => {
    proxy.close(() => resolve());
  }));
  return (proxy.address() as net.AddressInfo).port;
}

function setup(port: number): { db: Db; manager: ConnectionManager; hostId: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-pin-'));
  const db = openDatabase(path.join(dir, 'p.db'));
  cleanup.push(async () => {
    db.close();
  });
  const vault = new Vault(db, dir);
  vault.save({ name: 'all', username: USER, password: PASSWORD, appliesToAll: true });
  const hostId = insertHost(db, { address: '127.0.0.1', sshPort: port }).id;
  const manager = new ConnectionManager(db, vault, { emit: () => undefined });
  return { db, manager, hostId };
}

describe('SSH host-key pinning', () => {
  it('lets only one of two overlapping first contacts pin its key; the other is refused as a changed key', async () => {
    const [a, b] = [await sshd(testHostKey()), await sshd(testHostKey())];
    const [keyA, keyB] = [await fingerprintOf(a.port), await fingerprintOf(b.port)];
    expect(keyA).not.toBe(keyB);
    const { db, manager, hostId } = setup(await alternating([a.port, b.port]));
    // Both jobs took the machine's record before either connected: no key pinned in it.
    const jobHost = getHost(db, hostId)!;
    const results = await Promise.allSettled([0, 1].map(() => manager.withSession(jobHost, NEVER, async (s) => {
      const r = await s.exec(['true']);
      return { key: s.hostKey, out: r.stdout };
    })));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ key: string }>).value.key;
    const loser = winner === keyA ? keyB : keyA;
    expect(lost[0]!.reason).toBeInstanceOf(SshConnectError);
    expect(lost[0]!.reason).toMatchObject({ kind: 'host-key-changed', presentedKey: loser });
    // The first key stays pinned; the other waits for the user, with an alert in the audit trail.
    expect(getHost(db, hostId)).toMatchObject({ sshHostKey: winner, pendingHostKey: loser });
    const audit = listAudit(db, {}).reverse();
    expect(audit.map((e) => e.action)).toEqual(['host-key.pin', 'host-key.mismatch']);
    expect(audit[0]!.details).toMatchObject({ fingerprint: winner });
    expect(audit[1]!.details).toEqual({ pinned: winner, presented: loser });
  });

  it('reads the pin from the database right before connecting, not from the record the job started with', async () => {
    const [a, b] = [await sshd(testHostKey()), await sshd(testHostKey())];
    const keyA = await fingerprintOf(a.port);
    const { db, manager, hostId } = setup(b.port);
    const jobHost = getHost(db, hostId)!;
    expect(jobHost.sshHostKey).toBeNull();
    // Another job pinned the machine's real key (A's) after this job read the record; B now answers instead.
    pinHostKey(db, hostId, keyA);
    let ran = false;
    await expect(manager.withSession(jobHost, NEVER, async () => {
      ran = true;
    })).rejects.toMatchObject({ kind: 'host-key-changed' });
    expect(ran).toBe(false);
    expect(b.commands).toEqual([]);
    expect(getHost(db, hostId)!.sshHostKey).toBe(keyA);
  });
});
