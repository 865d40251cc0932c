/**
 * The SSH transport against ssh2's server on 127.0.0.1 (the lab's real sshd is in ssh.lab.test.ts): output cut
 * at the cap is marked, and nothing reads it as a complete answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { debian } from '../platforms/debian';
import { run } from '../platforms/exec-util';
import { TruncatedOutputError } from '../platforms/remote';
import { connectSsh, type SshSession } from './ssh';
import { startTestSshd, TEST_SSH_PASSWORD, TEST_SSH_USER, type TestSshd } from './testing/test-sshd';

const CAP = 4096;

let sshd: TestSshd | null = null;
let session: SshSession | null = null;

afterEach(async () => {
  await session?.close();
  await sshd?.close();
  session = null;
  sshd = null;
});

/** dpkg-query lines for `count` packages: a list long enough to pass the cap from some count on. */
function dpkgList(count: number): string {
  return Array.from({ length: count }, (_, i) => `pkg${i}\tamd64\t1.0-${i}\tii \n`).join('');
}

async function connect(exec: (command: string) => string): Promise<SshSession> {
  sshd = await startTestSshd({ user: TEST_SSH_USER, password: TEST_SSH_PASSWORD, exec: (command) => ({ stdout: exec(command) }) });
  session = await connectSsh({ address: '127.0.0.1', port: sshd.port, pinnedKey: null }, { username: TEST_SSH_USER, password: TEST_SSH_PASSWORD }, { maxOutputBytes: CAP });
  return session;
}

describe('SSH output cap', () => {
  it('returns output under the cap whole and unmarked', async () => {
    const s = await connect(() => dpkgList(10));
    const r = await s.exec(['dpkg-query', '-W']);
    expect(r.stdout).toBe(dpkgList(10));
    expect(r.truncated).toBeUndefined();
    expect(await debian.installedPackages(s)).toHaveLength(10);
  });

  it('marks output cut at the cap as truncated, keeping exactly the cap', async () => {
    const s = await connect(() => dpkgList(1000));
    const r = await s.exec(['dpkg-query', '-W']);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdout)).toBe(CAP);
    expect(dpkgList(1000).startsWith(r.stdout)).toBe(true);
  });

  it('refuses to parse cut output: a package list that lost its tail is an error, not a shorter list', async () => {
    const s = await connect(() => dpkgList(1000));
    await expect(debian.installedPackages(s)).rejects.toThrow(TruncatedOutputError);
    await expect(run(s, ['dpkg-query', '-W'])).rejects.toThrow(/was cut at the transport's size limit; Patchwell does not read cut output as a complete answer/);
  });
});

describe('sudo without a probe', () => {
  /** A machine whose sudo wants `password` (null: passwordless); commands echo their input. */
  async function sudoMachine(password: string | null, sudoPassword?: string): Promise<{ s: SshSession; sshd: TestSshd }> {
    sshd = await startTestSshd({
      user: TEST_SSH_USER,
      password: TEST_SSH_PASSWORD,
      exec: (command, stdin) => {
        if (command.startsWith('sudo -n ')) return password === null ? { stdout: `ran:${stdin}` } : { code: 1, stderr: 'sudo: a password is required\n' };
        if (command.startsWith('sudo -k -S ')) {
          const [line, ...rest] = stdin.split('\n');
          return line === password ? { stdout: `ran:${rest.join('\n')}` } : { code: 1, stderr: 'sudo: 1 incorrect password attempt\n' };
        }
        return { code: 127, stderr: `unexpected: ${command}` };
      },
    });
    session = await connectSsh({ address: '127.0.0.1', port: sshd.port, pinnedKey: null }, { username: TEST_SSH_USER, password: TEST_SSH_PASSWORD, ...(sudoPassword ? { sudoPassword } : {}) });
    return { s: session, sshd };
  }

  it('a passwordless sudo runs each command once, and never gets the password the credential carries', async () => {
    const { s, sshd: d } = await sudoMachine(null, 'secret');
    expect((await s.exec(['id', '-u'], { sudo: true, stdin: 'data\n' })).stdout).toBe('ran:data\n');
    expect((await s.script('true', [], { sudo: true })).stdout).toBe('ran:true');
    expect(d.commands).toEqual(["sudo -n -- id -u", "sudo -n -- sh -s --"]);
  });

  it('a sudo that asks gets the password after its refusal, and from then on at once', async () => {
    const { s, sshd: d } = await sudoMachine('secret', 'secret');
    expect((await s.exec(['cat'], { sudo: true, stdin: 'data\n' })).stdout).toBe('ran:data\n');
    expect((await s.exec(['cat'], { sudo: true, stdin: 'more\n' })).stdout).toBe('ran:more\n');
    expect(d.commands).toEqual(["sudo -n -- cat", "sudo -k -S -p '' -- cat", "sudo -k -S -p '' -- cat"]);
  });

  it('a sudo that asks, with no password in the credential, says so', async () => {
    const { s } = await sudoMachine('secret');
    await expect(s.exec(['id'], { sudo: true })).rejects.toThrow(/asks for a password: add the sudo password/);
  });
});
