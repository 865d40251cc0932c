import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeRemote } from '../../platforms/fake-remote';
import { LocalRemote } from '../../platforms/local-remote';
import { DEBIAN_REINSTALL_SCRIPT, DEBIAN_VERIFY_SCRIPT, repairDebianFiles } from './debian-repair';

/**
 * The scripts run in a real sh against stand-in dpkg/apt-get commands on PATH that record their arguments, with apt's
 * cache folder moved into a temporary directory (the only change made to the script text).
 */
let tmp: string;
let bin: string;
let archives: string;
const local = new LocalRemote();

function shim(name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

const env = (): Record<string, string> => ({ PATH: `${bin}:/usr/bin:/bin`, LOG: path.join(tmp, 'calls'), OUT: path.join(tmp, 'verify') });
const calls = (): string[] => (fs.existsSync(path.join(tmp, 'calls')) ? fs.readFileSync(path.join(tmp, 'calls'), 'utf8').trim().split('\n') : []);

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-deb-repair-'));
  bin = path.join(tmp, 'bin');
  archives = path.join(tmp, 'archives');
  fs.mkdirSync(bin);
  fs.mkdirSync(archives);
  fs.mkdirSync(path.join(tmp, 'verify'));
  // dpkg --verify -- NAME prints what $OUT/NAME holds, as dpkg 1.21 prints it.
  shim('dpkg', 'echo "dpkg $*" >> "$LOG"; if [ "$1" = --verify ]; then cat "$OUT/$3" 2>/dev/null; fi; exit 0');
  shim('apt-get', 'echo "apt-get $*" >> "$LOG"; exit 0');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the verify script', () => {
  it('names a package whose shipped file differs; not one whose only change is a conffile, a missing file or one it could not read', async () => {
    const out = (name: string, text: string): void => fs.writeFileSync(path.join(tmp, 'verify', name), text);
    out('pw-clean', '');
    out('pw-conf', '??5?????? c /etc/pw-conf.conf\n');
    out('pw-changed', '??5??????   /usr/share/zoneinfo/Europe/Berlin\n');
    // What dpkg 1.21 prints for a file a path-exclude kept off the disk (checked on a lab machine).
    out('pw-missing', 'missing     /usr/share/man/man8/pw-missing.8.gz\n');
    out('pw-unread', '?????????   /usr/lib/pw-unread/secret\n');
    out('pw-both', '??5?????? c /etc/pw-both.conf\n??5??????   /usr/bin/pw-both\n');
    const r = await local.script(DEBIAN_VERIFY_SCRIPT, ['pw-clean', 'pw-conf', 'pw-changed', 'pw-missing', 'pw-unread', 'pw-both'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['altered pw-changed', 'altered pw-both']);
    // Each package is checked on its own, its name after "--".
    expect(calls()).toEqual(['dpkg --verify -- pw-clean', 'dpkg --verify -- pw-conf', 'dpkg --verify -- pw-changed', 'dpkg --verify -- pw-missing', 'dpkg --verify -- pw-unread', 'dpkg --verify -- pw-both']);
  });
});

describe('the reinstall script', () => {
  const script = (): string => {
    expect(DEBIAN_REINSTALL_SCRIPT).toContain('cd /var/cache/apt/archives ');
    return DEBIAN_REINSTALL_SCRIPT.replace('cd /var/cache/apt/archives ', `cd ${archives} `);
  };

  it('installs the kept .debs with dpkg and asks apt-get only for the versions no file was kept of', async () => {
    fs.writeFileSync(path.join(archives, 'pw-a_1.0-1_all.deb'), 'kept');
    // A symlink is not a kept file: it could point anywhere.
    fs.symlinkSync('/etc/passwd', path.join(archives, 'pw-c_1.0-1_all.deb'));
    const r = await local.script(script(), ['pw-a_1.0-1_all.deb', 'pw-a:all=1.0-1', 'pw-b_1%3a2.0-1_amd64.deb', 'pw-b:amd64=1:2.0-1', 'pw-c_1.0-1_all.deb', 'pw-c:all=1.0-1'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('patchwell-restore kept 1 of 3');
    expect(calls()).toEqual([
      'dpkg --force-confold -i pw-a_1.0-1_all.deb',
      'apt-get install -y -q --reinstall --allow-downgrades --no-install-recommends --no-remove -o Dpkg::Options::=--force-confold pw-b:amd64=1:2.0-1 pw-c:all=1.0-1',
    ]);
  });

  it('exits with dpkg\'s failure', async () => {
    shim('dpkg', 'echo "dpkg $*" >> "$LOG"; exit 2');
    fs.writeFileSync(path.join(archives, 'pw-a_1.0-1_all.deb'), 'kept');
    const r = await local.script(script(), ['pw-a_1.0-1_all.deb', 'pw-a:all=1.0-1'], { env: env() });
    expect(r.code).toBe(2);
    expect(calls()).toEqual(['dpkg --force-confold -i pw-a_1.0-1_all.deb']);
  });
});

describe('repairDebianFiles', () => {
  const items = [
    { name: 'tzdata', version: '2024a-0+deb12u1', arch: 'all' },
    { name: 'libssl3', version: '3.0.11-1~deb12u2', arch: 'amd64' },
  ];

  it('installs again, from the kept files, only the packages dpkg --verify finds altered, and checks them again', async () => {
    const remote = new FakeRemote()
      .on('script:debian-verify-files', { stdout: 'altered tzdata\n' })
      .on('script:debian-reinstall', { stdout: 'patchwell-restore kept 1 of 1\n' })
      .on('script:debian-verify-files', { stdout: '' });
    const log: string[] = [];
    expect(await repairDebianFiles(remote, items, (level, m) => log.push(`${level}: ${m}`))).toEqual([]);
    expect(remote.calls.map((c) => c.argv)).toEqual([
      ['script:debian-verify-files', 'tzdata', 'libssl3'],
      ['script:debian-reinstall', 'tzdata_2024a-0+deb12u1_all.deb', 'tzdata:all=2024a-0+deb12u1'],
      ['script:debian-verify-files', 'tzdata'],
    ]);
    expect(remote.calls.every((c) => c.options?.sudo === true)).toBe(true);
    expect(log).toEqual([
      expect.stringMatching(/^warn: dpkg --verify: files of tzdata 2024a-0\+deb12u1 are not as the restored package database says/),
      'info: Installed tzdata 2024a-0+deb12u1 again (1 from the files kept on the machine): dpkg --verify finds every file as shipped',
    ]);
  });

  it('says which packages are still altered', async () => {
    const remote = new FakeRemote()
      .on('script:debian-verify-files', { stdout: 'altered libssl3\n' })
      .on('script:debian-reinstall', { code: 100, stdout: 'patchwell-restore kept 0 of 1\n' })
      .on('script:debian-verify-files', { stdout: 'altered libssl3\n' });
    const log: string[] = [];
    expect(await repairDebianFiles(remote, items, (level, m) => log.push(`${level}: ${m}`))).toEqual(['libssl3']);
    expect(log.at(-1)).toBe('warn: Installing again exited 100; dpkg --verify still finds files not as shipped in libssl3');
  });

  it('runs nothing more when every file is as shipped, and nothing at all for a hostile name', async () => {
    const remote = new FakeRemote().on('script:debian-verify-files', { stdout: '' });
    const log: string[] = [];
    expect(await repairDebianFiles(remote, items, (level, m) => log.push(`${level}: ${m}`))).toEqual([]);
    expect(remote.calls).toHaveLength(1);
    expect(log).toEqual(['info: dpkg --verify: the files of tzdata, libssl3 are as the restored package database says']);
    const none = new FakeRemote();
    await expect(repairDebianFiles(none, [{ name: 'x; rm -rf /', version: '1', arch: 'all' }], () => {})).rejects.toThrow(/Debian package name/);
    expect(none.calls).toHaveLength(0);
  });
});
