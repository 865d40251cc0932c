/** WinRM over HTTPS against the test server: Basic and NTLM, and the certificate pinned on first use. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WinrmTestServer } from './testing/test-server';
import { WinrmError, WinrmSession } from './winrm-client';

const cred = { username: 'Administrator', password: 'Tr0ub4dor&3', domain: 'LAB' };
let server: WinrmTestServer;
let port: number;
let fingerprint: string;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winrm-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=win-test'], { stdio: 'ignore' });
  const cert = fs.readFileSync(path.join(dir, 'c.pem'), 'utf8');
  fingerprint = execFileSync('openssl', ['x509', '-in', path.join(dir, 'c.pem'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1]!.trim().replace(/:/g, '').toLowerCase();
  server = new WinrmTestServer(cred, (program) => ({ stdout: `tls ${program}`, exitCode: 0 }), { key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8'), cert });
  port = await server.listen();
  fs.rmSync(dir, { recursive: true });
});
afterAll(() => server.close());

describe('WinrmSession over HTTPS', () => {
  it('runs with Basic and reports the certificate fingerprint on first use', async () => {
    const s = new WinrmSession({ address: '127.0.0.1', port, https: true }, { ...cred, auth: 'basic' }, 5_000);
    expect((await s.exec(['hostname'])).stdout).toBe('tls hostname');
    expect(s.certSha256).toBe(fingerprint);
    s.close();
  });
  it('runs with NTLM when the pin matches', async () => {
    const s = new WinrmSession({ address: '127.0.0.1', port, https: true, pinnedCertSha256: fingerprint }, cred, 5_000);
    expect((await s.exec(['hostname'])).code).toBe(0);
    s.close();
  });
  it('refuses a changed certificate, naming both fingerprints', async () => {
    const s = new WinrmSession({ address: '127.0.0.1', port, https: true, pinnedCertSha256: 'ab'.repeat(32) }, { ...cred, auth: 'basic' }, 5_000);
    const before = server.seen.length;
    const e = await s.exec(['hostname']).catch((x: unknown) => x);
    expect(server.seen.length).toBe(before); // nothing reached the server
    expect(e).toBeInstanceOf(WinrmError);
    expect((e as WinrmError).message).toContain(fingerprint);
    expect((e as WinrmError).message).toContain('ab'.repeat(32));
    s.close();
  });
  it('refuses a wrong Basic password', async () => {
    const s = new WinrmSession({ address: '127.0.0.1', port, https: true }, { ...cred, password: 'no', auth: 'basic' }, 5_000);
    await expect(s.exec(['hostname'])).rejects.toThrow(/refused the credentials/);
    s.close();
  });
  it('signs in again over HTTPS after a drop (NTLM with its channel binding, and Basic), and never re-sends a Command', async () => {
    const ntlm = new WinrmSession({ address: '127.0.0.1', port, https: true, pinnedCertSha256: fingerprint }, cred, 5_000);
    server.dropAt({ action: 'Receive', when: 'before' });
    expect((await ntlm.exec(['hostname'])).stdout).toBe('tls hostname');
    expect(ntlm.reconnects).toBe(1);
    server.dropAt({ action: 'Command', when: 'after' });
    await expect(ntlm.exec(['hostname'])).rejects.toMatchObject({ kind: 'state-unknown' });
    ntlm.close();
    const basic = new WinrmSession({ address: '127.0.0.1', port, https: true }, { ...cred, auth: 'basic' }, 5_000);
    server.dropAt({ action: 'Signal', when: 'before' });
    expect((await basic.exec(['hostname'])).code).toBe(0);
    expect(basic.reconnects).toBe(1);
    expect(basic.lastReconnect?.reason).toMatch(/^signal: /);
    expect(server.dropped.slice(-3)).toEqual([{ action: 'Receive', when: 'before' }, { action: 'Command', when: 'after' }, { action: 'Signal', when: 'before' }]);
    basic.close();
  });
});
