/**
 * The Alpine deployer. No Alpine here (apk-tools is not in Debian bookworm): the pipeline runs on a machine made
 * of vuls' recorded `apk list --upgradable` (platforms/fixtures/SOURCES.md), and the keep/restore scripts run in
 * a real sh against a stand-in `apk` on PATH that records its arguments, with the keep folder moved into a
 * temporary directory (the only change made to the script text).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APK_ADD_SCRIPT, parseApkListUpgradable, parseAlpineFacts } from '../../platforms/alpine';
import { FakeRemote, fixtureSections } from '../../platforms/fake-remote';
import { LocalRemote } from '../../platforms/local-remote';
import { alpineDeployer, APK_KEEP_SCRIPT, APK_RESTORE_SCRIPT, apkFileName } from './alpine';
import { fakeMachine } from './fake-machine';
import { deployWith, repairWith } from './pipeline';
import { KEEP_DIR } from './rpm-common';

const apk = fixtureSections('alpine/apk.txt');
const upgradable = parseApkListUpgradable(apk.get('list-upgradable') ?? '');

/** An Alpine machine at the versions vuls' recording says it had ("upgradable from"), offered the newer ones. */
function alpineMachine(over: { addFails?: string[] } = {}) {
  const installed = new Map(upgradable.map((u) => [u.name, u.installedVersion!]));
  const infoV = (): string => [...installed].map(([n, v]) => `${n}-${v}`).join('\n') + '\n';
  const remote = new FakeRemote('alpine-1')
    .on('script:deploy-preflight', { stdout: '@@df\nFilesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda3 8191416 1342108 6413016 17% /\n@@busy\n@@fstype\next2/ext3\n@@snapper\n@@root-source\n/dev/sda3\n@@lvm\n@@zfs\n' })
    .on('script:deploy-services', { stdout: '@@daemons\ninit\ncrond\nsshd\n' })
    .on('script:alpine-facts', { stdout: '@@os-release\nNAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n@@hostname\nalpine-1\n@@kernel\n6.6.49-0-lts\n@@arch\nx86_64\n@@uptime\n1000.00 900.00\n@@modules\n6.6.49-0-lts\n@@end\n' })
    .on(['apk', 'fix', '--simulate'], { stdout: '' })
    .on(['apk', 'info', '-v'], () => ({ stdout: infoV() }))
    .on('script:apk-keep', (c) => ({ stdout: c.argv.slice(1).filter((_, i) => i % 2 === 0).map((f) => `downloaded ${f}`).join('\n') + '\n' }))
    .on('script:apk-settle', { stdout: '@@waited 0\n' })
    .on('script:apk-restore', (c) => {
      // apk puts back each version named (a kept file or name=version from the repositories).
      const specs = c.argv.slice(1).filter((_, i) => i % 2 === 1);
      for (const s of specs) {
        const [n = '', v = ''] = s.split('=');
        installed.set(n, v);
      }
      return { stdout: `OK: 9 MiB in ${installed.size} packages\n` };
    });
  const add = (specs: string[]): void => {
    remote.on('script:apk-add', (c) => {
      expect(c.argv.slice(1)).toEqual(specs);
      expect(c.options?.sudo).toBe(true);
      for (const s of specs) {
        const [n = '', v = ''] = s.split('=');
        if (!over.addFails?.includes(n)) installed.set(n, v);
      }
      return over.addFails?.length ? { code: 1, stderr: `ERROR: unable to select packages:\n  ${over.addFails[0]}-3.3.2-r0:\n    breaks: world[${over.addFails[0]}=3.3.2-r0]\n` } : { stdout: 'OK: 9 MiB in 6 packages\n' };
    });
  };
  add(['libcrypto3=3.3.2-r0', 'libssl3=3.3.2-r0']);
  const t = fakeMachine(remote, {
    platform: 'alpine', facts: parseAlpineFacts('@@os-release\nID=alpine\nVERSION_ID=3.20.3\n@@kernel\n6.6.49-0-lts\n@@end\n'),
    installed: [...installed].map(([name, version]) => ({ name, arch: '', version })), updates: upgradable, approve: ['libcrypto3', 'libssl3'],
  });
  return { ...t, remote, installed };
}

describe('Alpine deployer through the pipeline (vuls recording)', () => {
  it('keeps the old packages, installs the exact versions, verifies and records them', async () => {
    const t = alpineMachine();
    expect(await deployWith(alpineDeployer, t.m)).toBe('succeeded');
    const keep = t.remote.calls.find((c) => c.argv[0] === 'script:apk-keep')!;
    expect(keep.argv.slice(1)).toEqual(['libcrypto3-3.3.0-r2.apk', 'libcrypto3=3.3.0-r2', 'libssl3-3.3.0-r2.apk', 'libssl3=3.3.0-r2']);
    expect(keep.options?.sudo).toBe(true);
    expect(t.items()).toEqual({ libcrypto3: { state: 'installed', version: '3.3.2-r0' }, libssl3: { state: 'installed', version: '3.3.2-r0' } });
    expect(Object.keys(t.pending()).sort()).toEqual(['busybox', 'busybox-binsh', 'ca-certificates-bundle', 'ssl_client']);
    expect(t.hostPackages()).toMatchObject({ libcrypto3: '3.3.2-r0', libssl3: '3.3.2-r0', busybox: '1.36.1-r28' });
    expect(t.auditActions()).toEqual(['deploy.snapshot', 'deploy.install']);
    expect(t.log()).toMatch(/Snapshot taken: package-state snapshot .*; 6 package versions recorded; rollback packages kept: 2/);
  });

  it('a machine left mid-install by a crash, found as approved by Repair, has its items installed and approvals carried out', async () => {
    const t = alpineMachine();
    // The install finished on the machine; Patchwell stopped before recording it.
    for (const i of t.m.items) t.installed.set(i.package, i.toVersion);
    expect(await repairWith(alpineDeployer, t.m, null)).toBe('succeeded');
    expect(t.items()).toEqual({ libcrypto3: { state: 'installed', version: '3.3.2-r0' }, libssl3: { state: 'installed', version: '3.3.2-r0' } });
    expect(t.target()).toMatchObject({ state: 'succeeded', step: 'done' });
    expect(t.log()).toMatch(/Repaired and verified/);
  });

  it('an install apk refuses half-way is rolled back to the snapshot versions from the kept packages', async () => {
    const t = alpineMachine({ addFails: ['libssl3'] });
    expect(await deployWith(alpineDeployer, t.m)).toBe('rolled-back');
    expect(t.target().failure?.message).toMatch(/^install: The install did not reach the approved versions: libssl3 is 3\.3\.0-r2, not 3\.3\.2-r0/);
    expect(t.target().failure?.stderrTail).toMatch(/ERROR: unable to select packages/);
    const restore = t.remote.calls.find((c) => c.argv[0] === 'script:apk-restore')!;
    expect(restore.argv.slice(1)).toEqual(['libcrypto3-3.3.0-r2.apk', 'libcrypto3=3.3.0-r2']);
    expect(restore.options?.sudo).toBe(true);
    expect(t.installed.get('libcrypto3')).toBe('3.3.0-r2');
    expect(t.items()).toEqual({ libcrypto3: { state: 'rolled-back', version: '3.3.0-r2' }, libssl3: { state: 'rolled-back', version: '3.3.0-r2' } });
    expect(t.auditActions()).toEqual(['deploy.snapshot', 'deploy.install', 'deploy.rollback']);
    expect(t.db.prepare('SELECT state FROM snapshots').get()).toEqual({ state: 'restored' });
  });
});

describe('the apk keep and restore scripts in a real sh', () => {
  let tmp: string;
  let bin: string;
  let keep: string;
  const local = new LocalRemote();
  const shim = (body: string): void => fs.writeFileSync(path.join(bin, 'apk'), `#!/bin/sh\necho "apk $*" >> "$LOG"\n${body}\n`, { mode: 0o755 });
  const script = (text: string): string => {
    expect(text).toContain(`dir=${KEEP_DIR}`);
    return text.replace(`dir=${KEEP_DIR}`, `dir=${keep}`).replace('chown root:root "$dir" && ', '').replace('world=/etc/apk/world', `world=${path.join(tmp, 'world')}`);
  };
  const env = (): Record<string, string> => ({ PATH: `${bin}:/usr/bin:/bin`, LOG: path.join(tmp, 'calls') });
  const calls = (): string[] => fs.readFileSync(path.join(tmp, 'calls'), 'utf8').trim().split('\n');

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-apk-'));
    bin = path.join(tmp, 'bin');
    keep = path.join(tmp, 'keep');
    fs.mkdirSync(bin);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('keeps what apk fetch downloads and apk verify accepts, never a symlink, in a 0700 folder', async () => {
    // apk fetch "downloads" a (good) and b (fails verify); c is offered nowhere; d is kept already but as a symlink.
    shim([
      'case "$1" in',
      '  fetch) out=$4; case "$5" in a=1.0-r0) echo ok > "$out/a-1.0-r0.apk";; b=2.0-r0) echo bad > "$out/b-2.0-r0.apk";; d=4.0-r0) echo ok > "$out/d-4.0-r0.apk";; *) exit 1;; esac;;',
      '  verify) grep -q ok "$2";;',
      'esac',
    ].join('\n'));
    fs.mkdirSync(keep, { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(keep, 'd-4.0-r0.apk'));
    const items = [{ name: 'a', version: '1.0-r0' }, { name: 'b', version: '2.0-r0' }, { name: 'c', version: '3.0-r0' }, { name: 'd', version: '4.0-r0' }];
    const r = await local.script(script(APK_KEEP_SCRIPT), items.flatMap((i) => [apkFileName(i), `${i.name}=${i.version}`]), { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['downloaded a-1.0-r0.apk', 'unavailable b-2.0-r0.apk', 'unavailable c-3.0-r0.apk', 'downloaded d-4.0-r0.apk']);
    expect(fs.readFileSync(path.join(keep, 'a-1.0-r0.apk'), 'utf8')).toBe('ok\n');
    // The planted symlink was replaced by the verified download, not followed.
    expect(fs.lstatSync(path.join(keep, 'd-4.0-r0.apk')).isSymbolicLink()).toBe(false);
    expect((fs.statSync(keep).mode & 0o777).toString(8)).toBe('700');
    expect(fs.readdirSync(keep).sort()).toEqual(['a-1.0-r0.apk', 'd-4.0-r0.apk']);
    expect(calls().filter((c) => c.startsWith('apk fetch'))[0]).toMatch(/^apk fetch --quiet --output \S+\/\.fetch\.\w+ a=1\.0-r0$/);
  });

  it('restores from the kept file where there is one, else name=version, never --allow-untrusted, and leaves world as it was', async () => {
    // apk records what it adds in world, as the real one does.
    shim('shift 2; printf "%s\\n" "$@" >> "$(dirname "$LOG")/world"; exit 3');
    fs.writeFileSync(path.join(tmp, 'world'), 'alpine-base\nopenssh\n');
    fs.mkdirSync(keep, { recursive: true });
    fs.writeFileSync(path.join(keep, 'a-1.0-r0.apk'), 'ok');
    fs.symlinkSync('/etc/passwd', path.join(keep, 'b-2.0-r0.apk'));
    const r = await local.script(script(APK_RESTORE_SCRIPT), ['a-1.0-r0.apk', 'a=1.0-r0', 'b-2.0-r0.apk', 'b=2.0-r0', 'c-3.0-r0.apk', 'c=3.0-r0'], { env: env() });
    expect(r.code).toBe(3);
    expect(calls()).toEqual([`apk add --no-interactive ${keep}/a-1.0-r0.apk b=2.0-r0 c=3.0-r0`]);
    expect(fs.readFileSync(path.join(tmp, 'world'), 'utf8')).toBe('alpine-base\nopenssh\n');
    expect(fs.readdirSync(tmp).sort()).toEqual(['bin', 'calls', 'keep', 'world']);
    expect(APK_RESTORE_SCRIPT + APK_KEEP_SCRIPT + APK_ADD_SCRIPT).not.toContain('allow-untrusted');
  });

  it('an install of exact versions does not pin them in world', async () => {
    shim('shift 2; printf "%s\\n" "$@" >> "$(dirname "$LOG")/world"; exit 0');
    fs.writeFileSync(path.join(tmp, 'world'), 'alpine-base\n');
    const text = APK_ADD_SCRIPT.replace('world=/etc/apk/world', `world=${path.join(tmp, 'world')}`);
    expect(text).not.toBe(APK_ADD_SCRIPT);
    const r = await local.script(text, ['libcrypto3=3.3.2-r0'], { env: env() });
    expect(r.code).toBe(0);
    expect(calls()).toEqual(['apk add --no-interactive libcrypto3=3.3.2-r0']);
    expect(fs.readFileSync(path.join(tmp, 'world'), 'utf8')).toBe('alpine-base\n');
  });
});
