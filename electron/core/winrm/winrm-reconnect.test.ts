/**
 * A dropped keep-alive connection, with the real client against the test server: the session signs in again on a
 * new connection and repeats Create, Receive and Delete once; a Command that may have run is never sent twice.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WinrmTestServer } from './testing/test-server';
import { WinrmError, WinrmSession, type WinrmReconnect } from './winrm-client';

const cred = { username: 'Administrator', password: 'Tr0ub4dor&3', domain: 'LAB' };
let server: WinrmTestServer | undefined;
let session: WinrmSession | undefined;
let logged: WinrmReconnect[] = [];

async function start(chunks?: string[]): Promise<WinrmSession> {
  let runs = 0;
  server = new WinrmTestServer({ ...cred }, (program, args) => (chunks
    ? { stdout: '', chunks: [...chunks], exitCode: 0 }
    : { stdout: `run ${++runs}: ${program} ${args.join(' ')}`, exitCode: 0 }));
  const port = await server.listen();
  logged = [];
  session = new WinrmSession({ address: '127.0.0.1', port }, cred, 5_000, { onReconnect: (r) => logged.push(r) });
  return session;
}

const actions = (): string[] => server!.seen.map((x) => x.action);
const count = (action: string): number => actions().filter((a) => a === action).length;

afterEach(async () => {
  session?.close();
  await server?.close();
  session = undefined;
  server = undefined;
});

describe('WinrmSession after a dropped connection', () => {
  it('signs in again when Windows closed the idle connection after the handshake', async () => {
    const s = await start();
    expect((await s.exec(['hostname'])).stdout).toBe('run 1: hostname ');
    expect(s.connected).toBe(true);
    await server!.closeIdle();
    await vi.waitFor(() => expect(s.connected).toBe(false)); // the client has seen the close
    expect((await s.exec(['whoami'])).stdout).toBe('run 2: whoami ');
    expect(server!.handshakes).toBe(2);
    expect(actions()).toEqual(['Create', 'Command', 'Receive', 'Signal', 'Delete', 'Create', 'Command', 'Receive', 'Signal', 'Delete']);
    expect(s.reconnects).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toBe(`WinRM at ${s.label}: connection dropped (the server closed the idle connection); signing in again on a new connection (reconnection 1 in this session)`);
  });

  it('repeats a Create whose connection dropped', async () => {
    const s = await start();
    server!.dropAt({ action: 'Create', when: 'before' });
    expect((await s.exec(['hostname'])).code).toBe(0);
    expect(server!.dropped).toEqual([{ action: 'Create', when: 'before' }]);
    expect(count('Create')).toBe(1);
    expect(server!.handshakes).toBe(2);
    expect(s.lastReconnect?.reason).toMatch(/^create: (socket hang up|ECONNRESET)$/);
  });

  it('asks again for output when the connection drops before a Receive', async () => {
    const s = await start();
    server!.dropAt({ action: 'Receive', when: 'before' });
    const r = await s.exec(['ipconfig', '/all']);
    expect(r).toEqual({ code: 0, stdout: 'run 1: ipconfig /all', stderr: '', timedOut: false });
    expect(actions()).toEqual(['Create', 'Command', 'Receive', 'Signal', 'Delete']);
    expect(server!.handshakes).toBe(2);
    expect(s.reconnects).toBe(1);
  });

  it('repeats a Delete whose connection dropped', async () => {
    const s = await start();
    server!.dropAt({ action: 'Delete', when: 'before' });
    expect((await s.exec(['hostname'])).code).toBe(0);
    expect(count('Delete')).toBe(1);
    expect(server!.dropped).toHaveLength(1);
    expect(s.reconnects).toBe(1);
  });

  it('does not send a Command again when the connection dropped after the server received it', async () => {
    const s = await start();
    server!.dropAt({ action: 'Command', when: 'after' });
    const e = await s.exec(['wusa', 'C:\\kb.msu', '/quiet']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WinrmError);
    expect((e as WinrmError).kind).toBe('state-unknown');
    expect((e as WinrmError).message).toMatch(/whether it ran is unknown, so it was not sent again/);
    expect(count('Command')).toBe(1);
    // The shell is still deleted, on a new connection.
    expect(actions()).toEqual(['Create', 'Command', 'Delete']);
    expect(server!.handshakes).toBe(2);
  });

  it('sends a Command again after a 401, since the server refused it without running it', async () => {
    const s = await start();
    server!.dropAt({ action: 'Create', when: 'reply-then-forget' });
    expect((await s.exec(['hostname'])).stdout).toBe('run 1: hostname ');
    expect(count('Command')).toBe(1);
    expect(server!.handshakes).toBe(2);
    expect(s.lastReconnect?.reason).toBe('command: HTTP 401 on a signed-in connection');
  });

  it('gives up after one retry when the server keeps closing the connection', async () => {
    const s = await start();
    server!.dropAt({ action: 'Receive', when: 'before', times: Number.POSITIVE_INFINITY });
    const e = await s.exec(['hostname']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WinrmError);
    expect((e as WinrmError).kind).toBe('connection-lost');
    expect((e as WinrmError).message).toMatch(/closed the connection again .* after one retry/);
    expect(server!.dropped).toHaveLength(2);
    expect(count('Delete')).toBe(1);
  });

  it('reports a refused sign-in on the new connection as an authentication error', async () => {
    const s = await start();
    expect((await s.exec(['hostname'])).code).toBe(0);
    server!.dropAt({ action: 'Create', when: 'reply-then-forget' });
    cred.password = 'changed-since';
    try {
      const e = await s.exec(['hostname']).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(WinrmError);
      expect((e as WinrmError).kind).toBe('auth-failed');
      expect((e as WinrmError).message).toMatch(/refused the credentials when signing in again after the connection dropped/);
    } finally {
      cred.password = 'Tr0ub4dor&3';
    }
  });

  it('returns the whole output of a long Receive loop, in order, across a dropped connection', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => `line ${i + 1} ${'x'.repeat(i * 50)}\n`);
    const s = await start(chunks);
    server!.dropAt({ action: 'Receive', when: 'before', skip: 4 });
    const r = await s.exec(['dism', '/online', '/get-packages']);
    expect(r.stdout).toBe(chunks.join(''));
    expect(r.code).toBe(0);
    expect(count('Receive')).toBe(12);
    expect(server!.dropped).toEqual([{ action: 'Receive', when: 'before' }]);
    expect(s.reconnects).toBe(1);
    expect(logged.map((l) => l.reason)).toEqual([expect.stringMatching(/^receive: /)]);
  });

  it('survives a drop in each of several Receives of one command, one reconnection each', async () => {
    const chunks = Array.from({ length: 6 }, (_, i) => `part ${i + 1};`);
    const s = await start(chunks);
    server!.dropAt({ action: 'Receive', when: 'before', skip: 1 });
    server!.dropAt({ action: 'Receive', when: 'before', skip: 3 });
    expect((await s.exec(['hostname'])).stdout).toBe(chunks.join(''));
    expect(s.reconnects).toBe(2);
    expect(server!.handshakes).toBe(3);
  });
});
