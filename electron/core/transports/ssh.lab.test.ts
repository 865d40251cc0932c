/** The SSH transport against real sshd: quoting of hostile arguments, scripts, sudo, timeouts and host keys. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostProcessIds, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { ConnectionLostError } from '../platforms/remote';
import { connectSsh, SshConnectError, SudoError, type SshSession } from './ssh';

let lab: LabHost[];
let key: string;
let password: string;
const open: SshSession[] = [];

async function session(h: LabHost, extra: { password?: string; sudoPassword?: string; privateKey?: string } = { privateKey: key }): Promise<SshSession> {
  const s = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', ...extra });
  open.push(s);
  return s;
}

const HOSTILE = [
  '; rm -rf / #',
  '$(reboot)',
  '`id`',
  "it's quoted",
  '"double" \\ back',
  'line1\nline2',
  '--option-like',
  '* ? [glob]',
  '$HOME ${PATH}',
  'ünïcødé ✓',
  '',
];

describe.skipIf(!labEnabled)('SSH transport on the lab', () => {
  beforeAll(async () => {
    lab = await standardLab();
    key = fs.readFileSync(hostOf(lab, 'stale').keyPath, 'utf8');
    password = hostOf(lab, 'stale').password!;
  }, LAB_TIMEOUT);

  afterAll(async () => {
    for (const s of open) await s.close();
  });

  it('passes hostile arguments through the remote shell unchanged, as data', async () => {
    const s = await session(hostOf(lab, 'stale'));
    for (const arg of HOSTILE) {
      const r = await s.exec(['printf', '%s', arg]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(arg);
    }
    const r = await s.script('for a in "$@"; do printf "[%s]" "$a"; done', HOSTILE);
    expect(r.stdout).toBe(HOSTILE.map((a) => `[${a}]`).join(''));
    await expect(s.exec(['printf', 'a\0b'])).rejects.toThrow(/NUL/);
  });

  it('never feeds the sudo password to a command when sudo does not ask for it', async () => {
    // stale: passwordless sudo. The credential still carries a sudo password.
    const s = await session(hostOf(lab, 'stale'), { privateKey: key, sudoPassword: password });
    // Were the password sent, sh would read it as the script's first line and try to run it.
    const r = await s.script('printf "uid=%s" "$(id -u)"', [], { sudo: true });
    expect(r).toMatchObject({ code: 0, stdout: 'uid=0', stderr: '' });
    const piped = await s.exec(['cat'], { sudo: true, stdin: 'data\n' });
    expect(piped.stdout).toBe('data\n');
  });

  it('gives sudo its password on stdin where it asks, and explains refusals', async () => {
    const withPw = await session(hostOf(lab, 'sudo-password'), { privateKey: key, sudoPassword: password });
    const r = await withPw.script('printf "uid=%s" "$(id -u)"', [], { sudo: true });
    expect(r).toMatchObject({ code: 0, stdout: 'uid=0', stderr: '' });
    // sudo takes exactly its password line; the command gets the rest of stdin.
    const piped = await withPw.exec(['cat'], { sudo: true, stdin: 'data\n' });
    expect(piped.stdout).toBe('data\n');
    const without = await session(hostOf(lab, 'sudo-password'));
    await expect(without.exec(['id', '-u'], { sudo: true })).rejects.toThrow(/asks for a password: add the sudo password/);
    const wrong = await session(hostOf(lab, 'sudo-password'), { privateKey: key, sudoPassword: 'not-the-password' });
    await expect(wrong.exec(['id', '-u'], { sudo: true })).rejects.toBeInstanceOf(SudoError);
    const noSudo = await session(hostOf(lab, 'no-sudo'), { privateKey: key, sudoPassword: password });
    await expect(noSudo.exec(['id', '-u'], { sudo: true })).rejects.toThrow(/may not use sudo/);
  });

  it('abandons a command at its timeout', async () => {
    const s = await session(hostOf(lab, 'stale'));
    const t0 = performance.now();
    const r = await s.exec(['sleep', '30'], { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBeNull();
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses a wrong pinned key, a refused login, and a machine with no sshd, each with its own kind', async () => {
    const h = hostOf(lab, 'stale');
    await expect(connectSsh({ address: h.address, port: 22, pinnedKey: 'SHA256:wrong' }, { username: 'admin', privateKey: key })).rejects.toMatchObject({
      kind: 'host-key-changed',
      presentedKey: h.hostKeyFingerprint,
    });
    await expect(
      connectSsh({ address: hostOf(lab, 'key-only').address, port: 22, pinnedKey: null }, { username: 'admin', password }),
    ).rejects.toMatchObject({ kind: 'auth-failed' });
    const err = await connectSsh({ address: '127.0.0.250', port: 22, pinnedKey: null }, { username: 'admin', password }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshConnectError);
    expect((err as SshConnectError).kind).toBe('unreachable');
  });

  it('a connection killed on the machine fails the command in flight, and no error escapes the process', async () => {
    const h = hostOf(lab, 'current');
    const s = await session(h);
    const escaped: unknown[] = [];
    const onUncaught = (e: unknown): void => void escaped.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const running = s.exec(['sleep', '30']);
      await new Promise((r) => setTimeout(r, 300));
      // Kill this machine's per-connection sshd processes: the TCP connection is reset under us.
      for (const pid of hostProcessIds().get(h.address) ?? []) {
        if (/^sshd: admin/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) process.kill(pid, 'SIGKILL');
      }
      // Keep talking to the dead peer, as a deployment does: the kernel answers with a reset.
      const more = await Promise.allSettled(Array.from({ length: 5 }, () => s.exec(['true'])));
      // The command in flight fails with the one error a lost connection gives everywhere.
      await expect(running).rejects.toBeInstanceOf(ConnectionLostError);
      expect(more.every((m) => m.status === 'rejected' || m.value.code !== 0)).toBe(true);
      await new Promise((r2) => setTimeout(r2, 500));
      expect(escaped).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
