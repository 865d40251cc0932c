import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWwwAuthenticate, probeWinrm, winrmOsHint } from './winrm-probe';
import { WINDOWS_2022_CHALLENGE } from './test-fixtures';

const servers: (http.Server | https.Server)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
});

describe('parseWwwAuthenticate', () => {
  it('parses separate header lines as Windows sends them', () => {
    expect(parseWwwAuthenticate(['Negotiate', 'Kerberos', 'Basic realm="WSMAN"', 'CredSSP'])).toEqual([
      { scheme: 'Negotiate', params: {} }, { scheme: 'Kerberos', params: {} },
      { scheme: 'Basic', params: { realm: 'WSMAN' } }, { scheme: 'CredSSP', params: {} },
    ]);
  });

  it('parses comma-joined challenges, params and token68', () => {
    expect(parseWwwAuthenticate('Basic realm="a, b", charset="UTF-8", NTLM, Negotiate TlRMTVNTUAACAAAA==')).toEqual([
      { scheme: 'Basic', params: { realm: 'a, b', charset: 'UTF-8' } },
      { scheme: 'NTLM', params: {} },
      { scheme: 'Negotiate', token: 'TlRMTVNTUAACAAAA==', params: {} },
    ]);
    expect(parseWwwAuthenticate('Digest realm="x\\"y", nonce=abc, qop="auth"')).toEqual([
      { scheme: 'Digest', params: { realm: 'x"y', nonce: 'abc', qop: 'auth' } },
    ]);
  });

  it('survives hostile input', () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate(',,, =x, "unterminated')).toEqual([]);
    expect(parseWwwAuthenticate('A,'.repeat(100_000)).length).toBeLessThanOrEqual(16);
    expect(() => parseWwwAuthenticate('\u0000\uffff Basic realm=' + '"'.repeat(5000))).not.toThrow();
  });
});

function windowsLike(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('Server', 'Microsoft-HTTPAPI/2.0');
  const auth = req.headers.authorization;
  if (auth?.startsWith('Negotiate ')) {
    res.setHeader('WWW-Authenticate', `Negotiate ${WINDOWS_2022_CHALLENGE.toString('base64')}`);
  } else {
    res.setHeader('WWW-Authenticate', ['Negotiate', 'Kerberos']);
  }
  res.statusCode = 401;
  res.end();
}

async function start(s: http.Server | https.Server, host: string): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, host, r));
  return (s.address() as { port: number }).port;
}

describe('probeWinrm over loopback', () => {
  it('reads auth schemes, Server and the NTLM challenge over HTTP', async () => {
    const port = await start(http.createServer(windowsLike), '127.0.0.61');
    const r = await probeWinrm('127.0.0.61', port, { tls: false, timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: true, status: 401, server: 'Microsoft-HTTPAPI/2.0', windowsVersion: 'Windows Server 2022' });
    expect(r.challenges.map((c) => c.scheme)).toEqual(['Negotiate', 'Kerberos']);
    expect(winrmOsHint(r)).toMatchObject({ family: 'windows', distro: 'Windows Server 2022' });
    expect(winrmOsHint({ ...r, ntlm: undefined, windowsVersion: undefined })).toMatchObject({ family: 'windows', confidence: 0.85 });
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  it.skipIf(!openssl)('records the self-signed certificate on HTTPS', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-winrm-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=WIN-LAB01',
      '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore' });
    const key = fs.readFileSync(path.join(dir, 'k.pem'));
    const cert = fs.readFileSync(path.join(dir, 'c.pem'));
    fs.rmSync(dir, { recursive: true });
    const port = await start(https.createServer({ key, cert }, windowsLike), '127.0.0.62');
    const r = await probeWinrm('127.0.0.62', port, { tls: true, timeoutMs: 3000 });
    expect(r.ok).toBe(true);
    expect(r.cert).toMatchObject({ subjectCN: 'WIN-LAB01', issuerCN: 'WIN-LAB01', selfSigned: true });
    expect(r.cert?.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(r.windowsVersion).toBe('Windows Server 2022');
  });

  it('reports a non-Windows web server as unknown and a refused port as an error', async () => {
    const port = await start(http.createServer((_, res) => { res.setHeader('Server', 'nginx'); res.end('hi'); }), '127.0.0.63');
    const r = await probeWinrm('127.0.0.63', port, { tls: false, timeoutMs: 2000 });
    expect(winrmOsHint(r)?.family).toBe('unknown');
    const refused = await probeWinrm('127.0.0.63', port === 65535 ? 1 : port + 1, { tls: false, timeoutMs: 2000 });
    expect(refused).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
  });
});
