/** The WinRM client against the test server: NTLM over HTTP with encryption, PowerShell with JSON, faults and hostile replies. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NtlmSignatureError } from './ntlm-session';
import { parsePowerShellJson } from './powershell';
import { WinrmTestServer, type Misbehaviour } from './testing/test-server';
import { WinrmError, WinrmSession } from './winrm-client';
import { WsmanFault, WsmanReplyError } from './wsman';
import { EncryptionFormatError } from './http-encryption';

const cred = { username: 'Administrator', password: 'Tr0ub4dor&3', domain: 'LAB' };
let server: WinrmTestServer | undefined;
let session: WinrmSession | undefined;

async function start(misbehaviour: Misbehaviour = 'none', password = cred.password): Promise<WinrmSession> {
  server = new WinrmTestServer(cred, (program, args) => {
    if (program === 'powershell.exe') {
      const script = Buffer.from(args[3]!, 'base64').toString('utf16le');
      const blob = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(script)![1]!;
      const data = JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as string[];
      return { stdout: JSON.stringify({ echoed: data }), exitCode: 0 };
    }
    return { stdout: `ran ${program} ${args.join(' ')}`, stderr: 'warn', exitCode: 7 };
  });
  const port = await server.listen();
  server.misbehaviour = misbehaviour;
  session = new WinrmSession({ address: '127.0.0.1', port }, { ...cred, password }, 5_000);
  return session;
}

afterEach(async () => {
  session?.close();
  await server?.close();
  session = undefined;
  server = undefined;
});

describe('WinrmSession over HTTP with NTLM and encryption', () => {
  it('runs a command through create, command, receive, signal and delete', async () => {
    const s = await start();
    const r = await s.exec(['ipconfig', '/all']);
    expect(r).toEqual({ code: 7, stdout: 'ran ipconfig /all', stderr: 'warn', timedOut: false });
    expect(server!.seen.map((x) => x.action)).toEqual(['Create', 'Command', 'Receive', 'Signal', 'Delete']);
    const again = await s.exec(['hostname']);
    expect(again.stdout).toBe('ran hostname ');
    expect(server!.handshakes).toBe(1); // the keep-alive connection stays signed in
    expect(s.reconnects).toBe(0);
  });
  it('runs a constant PowerShell script with hostile data as JSON', async () => {
    const s = await start();
    const hostile = ["'; Remove-Item C:\\ -Recurse; '", '$(Stop-Computer)'];
    const r = await s.script('$PwArgs | ConvertTo-Json -Compress', hostile);
    expect(parsePowerShellJson(r.stdout, z.object({ echoed: z.array(z.string()) }))).toEqual({ echoed: hostile });
    await expect(s.exec(['cmd', '/c', 'echo & del'])).rejects.toThrow(/plain arguments only/);
  });
  it('retries a Receive that timed out', async () => {
    const s = await start('timed-out-once');
    expect((await s.exec(['hostname'])).code).toBe(7);
    expect(server!.seen.filter((x) => x.action === 'Receive')).toHaveLength(2);
  });
  it('retries a Receive whose timeout carries only the WSManFault code 2150858793', async () => {
    const s = await start('timed-out-code-only-once');
    expect((await s.exec(['hostname'])).code).toBe(7);
    expect(server!.seen.filter((x) => x.action === 'Receive')).toHaveLength(2);
  });
  it('fails clearly on a wrong password, access denied, truncation, a bad signature and hostile XML', async () => {
    await expect((await start('none', 'wrong')).exec(['hostname'])).rejects.toThrow(WinrmError);
    await afterEachClose();
    await expect((await start('access-denied')).exec(['hostname'])).rejects.toThrow(WsmanFault);
    await afterEachClose();
    await expect((await start('truncate')).exec(['hostname'])).rejects.toThrow(EncryptionFormatError);
    await afterEachClose();
    await expect((await start('wrong-signature')).exec(['hostname'])).rejects.toThrow(NtlmSignatureError);
    await afterEachClose();
    await expect((await start('entities')).exec(['hostname'])).rejects.toThrow(/DTD or entities/);
    await afterEachClose();
    await expect((await start('deep-nesting')).exec(['hostname'])).rejects.toThrow(WsmanReplyError);
  });
  it('refuses Basic over plain HTTP', () => {
    expect(() => new WinrmSession({ address: '127.0.0.1', port: 1 }, { ...cred, auth: 'basic' })).toThrow(/only allowed over HTTPS/);
  });
});

async function afterEachClose(): Promise<void> {
  session?.close();
  await server?.close();
}
