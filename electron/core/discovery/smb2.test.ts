import { afterEach, describe, expect, it } from 'vitest';
import { buildNegotiateRequest, buildSessionSetupRequest, buildSpnegoNtlmInit, parseNegotiateResponse, parseSessionSetupResponse, probeSmb2, smbOsHint } from './smb2';
import { buildNtlmNegotiate } from './ntlm-challenge';
import { SMB2_NEGOTIATE_302_BODY, SMB2_NEGOTIATE_311_BODY, WINDOWS_2022_CHALLENGE, smb2ResponseHeader, smb2SessionSetupResponse, smbFrame } from './test-fixtures';
import { closeAll, listen } from './test-servers';

afterEach(closeAll);

const negotiate302 = Buffer.concat([smb2ResponseHeader(0, 0, 0), SMB2_NEGOTIATE_302_BODY]);
const negotiate311 = Buffer.concat([smb2ResponseHeader(0, 0, 0), SMB2_NEGOTIATE_311_BODY]);

describe('SMB2 requests', () => {
  it('builds a NEGOTIATE with five dialects and 8-byte-aligned 3.1.1 contexts', () => {
    const f = buildNegotiateRequest(Buffer.alloc(16, 0xab), Buffer.alloc(32, 0xcd));
    expect(f.readUInt32BE(0)).toBe(f.length - 4);
    const m = f.subarray(4);
    expect(m.subarray(0, 4)).toEqual(Buffer.from([0xfe, 0x53, 0x4d, 0x42]));
    expect(m.readUInt16LE(64)).toBe(36);
    expect(m.readUInt16LE(66)).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => m.readUInt16LE(100 + i * 2))).toEqual([0x0202, 0x0210, 0x0300, 0x0302, 0x0311]);
    const ctx = m.readUInt32LE(64 + 28);
    expect(ctx % 8).toBe(0);
    expect(m.readUInt16LE(64 + 32)).toBe(2);
    expect(m.readUInt16LE(ctx)).toBe(1); // PREAUTH_INTEGRITY first
    expect(m.readUInt16LE(ctx + 2)).toBe(38);
    expect(m.readUInt16LE(ctx + 48)).toBe(2); // ENCRYPTION, after padding 46 → 48
  });

  it('builds a SESSION_SETUP whose buffer offset points at the SPNEGO token', () => {
    const blob = buildSpnegoNtlmInit(buildNtlmNegotiate());
    const m = buildSessionSetupRequest(blob).subarray(4);
    expect(m.readUInt16LE(12)).toBe(1);
    expect(m.readUInt16LE(64)).toBe(25);
    expect(m.subarray(m.readUInt16LE(64 + 12))).toEqual(blob);
    expect(blob[0]).toBe(0x60);
  });
});

describe('parseNegotiateResponse', () => {
  it('parses a recorded 3.0.2 response', () => {
    const r = parseNegotiateResponse(negotiate302);
    expect(r).toEqual({
      ok: true,
      value: {
        dialect: 0x0302, dialectName: '3.0.2', securityMode: 1, signingRequired: false, negotiateContextCount: 0,
        serverGuid: '11111111-1111-1111-1111-111111111111', capabilities: 0x67,
        maxTransactSize: 8388608, maxReadSize: 8388608, maxWriteSize: 8388608,
        systemTime: '2017-11-16T10:06:17.378Z', serverStartTime: '2017-11-16T10:03:19.927Z', securityBufferLength: 120,
      },
    });
  });

  it('parses a recorded 3.1.1 response with a negotiate context', () => {
    const r = parseNegotiateResponse(negotiate311);
    expect(r.ok && r.value.dialectName).toBe('3.1.1');
    expect(r.ok && r.value.negotiateContextCount).toBe(1);
  });

  it('rejects truncated, wrong-command, error-status, SMB1 and out-of-bounds input', () => {
    const cases: Buffer[] = [
      negotiate302.subarray(0, 63),
      negotiate302.subarray(0, 100),
      Buffer.concat([smb2ResponseHeader(1, 0, 0), SMB2_NEGOTIATE_302_BODY]),
      Buffer.concat([smb2ResponseHeader(0, 0xc0000022, 0), SMB2_NEGOTIATE_302_BODY]),
      Buffer.from('\xffSMBr\0\0\0\0', 'latin1'),
    ];
    const badOff = Buffer.from(negotiate302); badOff.writeUInt16LE(0xffff, 64 + 58); cases.push(badOff);
    for (const c of cases) expect(parseNegotiateResponse(c).ok).toBe(false);
    for (let i = 0; i < 300; i++) {
      const g = Buffer.from(negotiate302);
      for (let k = 0; k < 8; k++) g[64 + Math.floor(Math.random() * (g.length - 64))] = Math.floor(Math.random() * 256);
      expect(() => parseNegotiateResponse(g.subarray(0, Math.floor(Math.random() * g.length)))).not.toThrow();
    }
  });
});

describe('parseSessionSetupResponse', () => {
  it('extracts the NTLM challenge from a SPNEGO NegTokenResp', () => {
    const r = parseSessionSetupResponse(smb2SessionSetupResponse(WINDOWS_2022_CHALLENGE));
    expect(r.ok && r.value.targetInfo.dnsComputerName).toBe('op-agent-2.dan.vmcloud');
  });

  it('rejects a blob offset beyond the message and a non-challenge status', () => {
    const m = smb2SessionSetupResponse(WINDOWS_2022_CHALLENGE);
    const bad = Buffer.from(m); bad.writeUInt16LE(0xfff0, 64 + 4);
    expect(parseSessionSetupResponse(bad).ok).toBe(false);
    const denied = Buffer.from(m); denied.writeUInt32LE(0xc000006d, 8);
    expect(parseSessionSetupResponse(denied)).toMatchObject({ ok: false, error: expect.stringContaining('c000006d') });
  });
});

/** A fake SMB2 server replaying the recorded replies, one per request frame. */
async function fakeSmbServer(host: string, replies: Buffer[]) {
  return listen(host, 0, (socket) => {
    let pending = Buffer.alloc(0);
    let n = 0;
    socket.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        pending = pending.subarray(4 + pending.readUInt32BE(0));
        const reply = replies[n++];
        if (reply) socket.write(reply); else socket.end();
      }
    });
    socket.on('error', () => undefined);
  });
}

describe('probeSmb2 over loopback', () => {
  it('negotiates, gets the NTLM challenge and names Windows Server 2022', async () => {
    const srv = await fakeSmbServer('127.0.0.41', [smbFrame(negotiate311), smbFrame(smb2SessionSetupResponse(WINDOWS_2022_CHALLENGE))]);
    const r = await probeSmb2(srv.host, srv.port, { timeoutMs: 2000 });
    expect(r.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.negotiate?.dialectName).toBe('3.1.1');
    expect(r.windowsVersion).toBe('Windows Server 2022');
    expect(smbOsHint(r)).toMatchObject({ family: 'windows', distro: 'Windows Server 2022', version: '10.0.20348' });
  });

  it('keeps the NEGOTIATE facts when session setup fails, and refuses giant frames', async () => {
    const srv = await fakeSmbServer('127.0.0.42', [smbFrame(negotiate302)]);
    const r = await probeSmb2(srv.host, srv.port, { timeoutMs: 2000 });
    expect(r.ok).toBe(true);
    expect(r.error).toBe('server closed the connection');
    const giant = Buffer.from([0, 0xff, 0xff, 0xff]);
    const srv2 = await fakeSmbServer('127.0.0.42', [giant]);
    expect((await probeSmb2(srv2.host, srv2.port, { timeoutMs: 2000 })).error).toMatch(/refused/);
  });

  it('times out against a silent server and honours abort', async () => {
    const srv = await listen('127.0.0.43', 0, (s) => s.on('error', () => undefined));
    expect((await probeSmb2(srv.host, srv.port, { timeoutMs: 100 })).error).toMatch(/within 100 ms/);
    const ac = new AbortController();
    const p = probeSmb2(srv.host, srv.port, { timeoutMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await p).error).toBe('cancelled');
  });
});
