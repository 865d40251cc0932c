/**
 * Host-key pinning against ssh2's server on 127.0.0.1: the pin is read from the database right before
 * connecting, and set only where none is set, so two first contacts at once cannot both win. The same for the
 * WinRM HTTPS certificate, against the WinRM test server; and a broad credential asks before a first contact.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../audit/audit-log';
import { openDatabase, type Db } from '../db/open';
import { allowFirstContact, firstContactsNeeded } from '../machines/first-contact';
import { getHost, insertHost, pinHostKey, setHostCredential } from '../machines/machine-queries';
import { Vault } from '../vault/vault';
import { WinrmTestServer } from '../winrm/testing/test-server';
import { ConnectionManager } from './connections';
import { connectSsh, SshConnectError } from './ssh';
import { testHostKey } from './testing/test-keys';
import { startTestSshd, TEST_SSH_PASSWORD, TEST_SSH_USER, type TestSshd } from './testing/test-sshd';

const NEVER = new AbortController().signal;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sshd(hostKey: string): Promise<TestSshd> {
  const server = await startTestSshd({ user: TEST_SSH_USER, password: TEST_SSH_PASSWORD, hostKey, exec: () => ({ stdout: 'ok\n' }) });
  cleanup.push(() => server.close());
  return server;
}

/** The fingerprint a server with this key presents, as the transport computes it. */
async function fingerprintOf(port: number): Promise<string> {
  const s = await connectSsh({ address: '127.0.0.1', port, pinnedKey: null }, { username: TEST_SSH_USER, password: TEST_SSH_PASSWORD });
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

interface Setup { db: Db; vault: Vault; manager: ConnectionManager; hostId: number }

/** A machine on 127.0.0.1 and a credential for all machines; `allowed`: the user already allowed the first contact. */
function setup(port: number, { allowed = true, winrm = false } = {}): Setup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-pin-'));
  const db = openDatabase(path.join(dir, 'p.db'));
  cleanup.push(async () => {
    db.close();
  });
  const vault = new Vault(db, dir);
  vault.save({ name: 'all', username: TEST_SSH_USER, password: TEST_SSH_PASSWORD, appliesToAll: true });
  const hostId = insertHost(db, winrm ? { address: '127.0.0.1', transport: 'winrm', winrmPort: port, winrmHttps: true } : { address: '127.0.0.1', sshPort: port }).id;
  if (allowed) allowFirstContact(db, firstContactsNeeded([getHost(db, hostId)!], (h) => vault.resolveFor(h)));
  const manager = new ConnectionManager(db, vault, { emit: () => undefined });
  return { db, vault, manager, hostId };
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
    const audit = listAudit(db, {}).reverse().filter((e) => e.action.startsWith('host-key.'));
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

describe('first contact with a broad credential', () => {
  it('is refused until the user allows it, before anything is sent; allowing is audited once', async () => {
    const a = await sshd(testHostKey());
    const { db, vault, manager, hostId } = setup(a.port, { allowed: false });
    expect(vault.list()[0]!.askFirstContact).toBe(true);
    await expect(manager.withSession(getHost(db, hostId)!, NEVER, async () => undefined)).rejects.toThrow(/never contacted 127\.0\.0\.1.*"all" asks/);
    expect(a.commands).toEqual([]);
    expect(getHost(db, hostId)!.sshHostKey).toBeNull();
    const needed = firstContactsNeeded([getHost(db, hostId)!], (h) => vault.resolveFor(h));
    expect(needed).toEqual([{ id: hostId, label: '127.0.0.1', address: '127.0.0.1', credential: 'all' }]);
    allowFirstContact(db, needed);
    allowFirstContact(db, needed);
    expect(await manager.withSession(getHost(db, hostId)!, NEVER, async (s) => (await s.exec(['true'])).stdout)).toBe('ok\n');
    expect(listAudit(db, {}).map((e) => e.action).reverse()).toEqual(['first-contact.allow', 'host-key.pin']);
  });

  it('does not ask for a credential picked for the machine by hand, or one set not to ask', async () => {
    const a = await sshd(testHostKey());
    const { db, vault, manager, hostId } = setup(a.port, { allowed: false });
    const own = vault.save({ name: 'own', username: TEST_SSH_USER, password: TEST_SSH_PASSWORD });
    expect(own.askFirstContact).toBe(false);
    setHostCredential(db, [hostId], own.id);
    await manager.withSession(getHost(db, hostId)!, NEVER, async (s) => s.exec(['true']));
    const other = insertHost(db, { address: '127.0.0.2', sshPort: a.port }).id;
    const all = vault.list().find((c) => c.name === 'all')!;
    vault.save({ name: 'all', username: TEST_SSH_USER, appliesToAll: true, askFirstContact: false }, all.id);
    expect(vault.get(all.id)!.askFirstContact).toBe(false);
    expect(firstContactsNeeded([getHost(db, other)!], (h) => vault.resolveFor(h))).toEqual([]);
    // An update that does not mention the setting keeps it.
    vault.save({ name: 'all (renamed)', username: TEST_SSH_USER, appliesToAll: true }, all.id);
    expect(vault.get(all.id)!.askFirstContact).toBe(false);
  });
});

describe('WinRM HTTPS certificate pinning', () => {
  const cred = { username: TEST_SSH_USER, password: TEST_SSH_PASSWORD, domain: '' };
  function certificate(cn: string): { key: string; cert: string; sha256: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cert-'));
    const [k, c] = [path.join(dir, 'k.pem'), path.join(dir, 'c.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', k, '-out', c, '-days', '2', '-subj', `/CN=${cn}`], { stdio: 'ignore' });
    const sha256 = execFileSync('openssl', ['x509', '-in', c, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1]!.trim().replace(/:/g, '').toLowerCase();
    const out = { key: fs.readFileSync(k, 'utf8'), cert: fs.readFileSync(c, 'utf8'), sha256 };
    fs.rmSync(dir, { recursive: true });
    return out;
  }
  async function winrmServer(tls: { key: string; cert: string }): Promise<{ server: WinrmTestServer; port: number }> {
    const server = new WinrmTestServer(cred, () => ({ stdout: 'ok', exitCode: 0 }), tls);
    const port = await server.listen();
    cleanup.push(async () => server.close());
    return { server, port };
  }

  it('pins the certificate at first contact, before the job\'s work (which may fail); a renewed one waits for the user, who accepts it (audited)', async () => {
    const first = certificate('win-a');
    const { server, port } = await winrmServer(first);
    const { db, manager, hostId } = setup(port, { winrm: true });
    const job = getHost(db, hostId)!;
    await expect(manager.withWindows(job, NEVER, async (ps) => {
      await ps.run('hostname', null);
      // Pinned already, while the job runs.
      expect(getHost(db, hostId)!.winrmCert).toBe(first.sha256);
      throw new Error('the job failed after contact');
    })).rejects.toThrow('the job failed after contact');
    expect(getHost(db, hostId)!.winrmCert).toBe(first.sha256);
    await server.close();

    // The same address now answers with another certificate (renewed, or someone in between).
    const renewed = certificate('win-b');
    const second = await winrmServer(renewed);
    db.prepare('UPDATE hosts SET winrm_port = ? WHERE id = ?').run(second.port, hostId);
    const seen = second.server.seen.length;
    await expect(manager.withWindows(getHost(db, hostId)!, NEVER, (ps) => ps.run('hostname', null))).rejects.toMatchObject({ kind: 'cert-changed' });
    expect(second.server.seen.length).toBe(seen); // nothing was sent to it
    expect(getHost(db, hostId)).toMatchObject({ winrmCert: first.sha256, pendingWinrmCert: renewed.sha256 });
    // Refused without another try while it waits for the user.
    await expect(manager.withWindows(getHost(db, hostId)!, NEVER, (ps) => ps.run('hostname', null))).rejects.toThrow(/certificate of 127\.0\.0\.1 changed/);

    manager.acceptPendingKey(getHost(db, hostId)!);
    expect(getHost(db, hostId)).toMatchObject({ winrmCert: renewed.sha256, pendingWinrmCert: null });
    expect((await manager.withWindows(getHost(db, hostId)!, NEVER, (ps) => ps.run('hostname', null))).stdout).toBe('ok');
    const audit = listAudit(db, {}).reverse();
    expect(audit.map((e) => e.action)).toEqual(['first-contact.allow', 'winrm-cert.pin', 'winrm-cert.mismatch', 'winrm-cert.accept']);
    expect(audit[2]!.details).toEqual({ pinned: first.sha256, presented: renewed.sha256 });
    expect(audit[3]!.details).toEqual({ previous: first.sha256, accepted: renewed.sha256 });
  });
});
