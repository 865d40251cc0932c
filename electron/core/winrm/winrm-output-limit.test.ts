/**
 * A host that keeps streaming output: the session stops the command once its output passes the limit, deletes
 * the shell, and says why, instead of collecting replies until memory runs out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WinrmTestServer, type CommandReply } from './testing/test-server';
import { WinrmError, WinrmSession } from './winrm-client';

const cred = { username: 'Administrator', password: 'Tr0ub4dor&3', domain: 'LAB' };
const KB64 = 'x'.repeat(64 * 1024);
const LIMIT = 1024 * 1024;
let server: WinrmTestServer | undefined;
let session: WinrmSession | undefined;

async function start(reply: () => CommandReply): Promise<WinrmSession> {
  server = new WinrmTestServer(cred, (program) => (program === 'endless' ? reply() : { stdout: 'fine', exitCode: 0 }));
  const port = await server.listen();
  session = new WinrmSession({ address: '127.0.0.1', port }, cred, 30_000, { maxOutputBytes: LIMIT });
  return session;
}

afterEach(async () => {
  session?.close();
  await server?.close();
  session = undefined;
  server = undefined;
});

describe('WinrmSession output limit', () => {
  it('stops a command that streams without end once its output passes the limit, and deletes the shell', async () => {
    const s = await start(() => ({ stdout: '', exitCode: 0, endless: KB64 }));
    const failure = await s.exec(['endless']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WinrmError);
    expect(failure).toMatchObject({ kind: 'output-limit' });
    expect((failure as Error).message).toBe(`WinRM at ${s.label}: the command's output passed ${LIMIT} bytes (stdout and stderr together), ` +
      'so it was stopped and its shell deleted; the command was "endless"');
    // 16 replies reach the limit exactly; the 17th passes it, and no further Receive is sent.
    expect(server!.endlessReplies).toBe(LIMIT / KB64.length + 1);
    expect(server!.seen.map((x) => x.action).slice(-3)).toEqual(['Receive', 'Signal', 'Delete']);
    // The session itself is fine: the next command runs.
    expect((await s.exec(['hostname'])).stdout).toBe('fine');
  });

  it('returns output of exactly the limit', async () => {
    const s = await start(() => ({ stdout: '', exitCode: 0, chunks: Array.from({ length: LIMIT / KB64.length }, () => KB64) }));
    const r = await s.exec(['endless']);
    expect(r).toMatchObject({ code: 0, timedOut: false });
    expect(r.stdout.length).toBe(LIMIT);
  });
});
