/**
 * The Debian deployment's two reads, each one script: parsed from output recorded on the lab's fixture machine
 * (package lists cut to a few rows), and the order inside the scripts that keeps the busy check honest.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeRemote } from '../../platforms/fake-remote';
import { DEBIAN_AFTER_SCRIPT, DEBIAN_BEFORE_SCRIPT, parseDebianAfter, parseDebianBefore, readDebianAfter, readDebianBefore } from './debian-state';

const fixture = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', name), 'utf8');

describe('the Debian deployment reads', () => {
  it('before: the preflight checks, every package with its state, and the services, from one output', () => {
    const b = parseDebianBefore(fixture('debian-before.txt'), 'lab');
    expect(b.pf).toMatchObject({ fsType: 'overlayfs', busy: [], disks: [{ mount: '/', availableKb: 57042808 }], snapper: false, lvm: false, zfs: false });
    expect(b.installed).toHaveLength(6);
    expect(b.installed).toContainEqual({ name: 'pw-fixture-b', arch: 'all', version: '2.0-2' });
    expect(b.services).toEqual(['sshd']);
    expect(b.health).toEqual({ ok: true, problems: [] });
  });

  it('before: dpkg --audit\'s problems as the login user read them; where dpkg refused the user, no verdict (sudo asks)', () => {
    // dpkg 1.21 refuses a non-root audit when its journal holds an interrupted change (the lab's broken-dpkg machine).
    const broken = parseDebianBefore(fixture('debian-before-broken.txt'), 'lab');
    expect(broken.health).toBeNull();
    expect(broken.installed).toContainEqual({ name: 'pw-fixture-a', arch: 'all', version: '1.0-2', state: 'iU' });
    const text = 'The following packages have been unpacked but not yet configured.\nThey must be configured using dpkg --configure:\n pw-fixture-a   Patchwell lab fixture A\n';
    const reported = fixture('debian-before.txt').replace('@@audit\n@@audit-status\n0', `@@audit\n${text}@@audit-status\n0`);
    expect(parseDebianBefore(reported, 'lab').health).toEqual({
      ok: false,
      problems: [{ source: 'dpkg --audit', message: 'The following packages have been unpacked but not yet configured. They must be configured using dpkg --configure: pw-fixture-a   Patchwell lab fixture A' }],
    });
    expect(parseDebianBefore(fixture('debian-before.txt').replace('@@audit-status\n0', '@@audit-status\n1'), 'lab').health).toBeNull();
  });

  it('after: the services, the facts, every package and the boot id', () => {
    const a = parseDebianAfter(fixture('debian-after.txt'), 'lab');
    expect(a.services).toEqual(['sshd']);
    expect(a.facts).toMatchObject({ hostname: 'lab-11-fixture', osId: 'debian', rebootRequired: false, rebootReasons: [] });
    expect(a.installed.map((p) => `${p.name}=${p.version}`)).toContain('pw-fixture-a=1.1-1');
    expect(a.bootId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('after: the installed kernels come from the package list, as the facts script\'s own dpkg-query gave them', () => {
    const withKernel = fixture('debian-after.txt').replace('@@packages\n', '@@packages\nlinux-image-6.1.0-99-amd64\tamd64\t6.1.0-99\tii \nlinux-image-amd64\tamd64\t6.1.0-99\tii \n');
    const a = parseDebianAfter(withKernel, 'lab');
    expect(a.facts.newestKernel).toBe('6.1.0-99-amd64');
    expect(a.facts.rebootRequired).toBe(true);
    expect(a.facts.rebootReasons).toEqual(['running kernel 6.18.44-fc-v1252, newest installed 6.1.0-99-amd64']);
    expect(a.installed).toContainEqual({ name: 'linux-image-amd64', arch: 'amd64', version: '6.1.0-99' });
  });

  it('a package list that dpkg-query could not read fails the read, never passing for an empty machine', () => {
    const broken = fixture('debian-before.txt').replace(/@@packages\n[\s\S]*?@@packages-status\n0/, '@@packages\n@@packages-status\n2');
    expect(() => parseDebianBefore(broken, 'lab')).toThrow(/dpkg-query -W on lab failed \(exit 2\)/);
    expect(() => parseDebianAfter(fixture('debian-after.txt').replace(/@@packages-status\n0\n/, ''), 'lab')).toThrow(/exit unknown/);
  });

  it('looks for a running package manager before it starts dpkg-query itself, and reads the services as the login user', async () => {
    expect(DEBIAN_BEFORE_SCRIPT.indexOf('echo @@busy')).toBeGreaterThan(-1);
    expect(DEBIAN_BEFORE_SCRIPT.indexOf('echo @@busy')).toBeLessThan(DEBIAN_BEFORE_SCRIPT.indexOf('dpkg-query'));
    const remote = new FakeRemote()
      .on('script:debian-deploy-before', { stdout: fixture('debian-before.txt') })
      .on('script:debian-deploy-after', { stdout: fixture('debian-after.txt') });
    await readDebianBefore(remote);
    await readDebianAfter(remote, true);
    expect(remote.calls.map((c) => ({ sudo: c.options?.sudo ?? false, argv: c.argv }))).toEqual([
      { sudo: false, argv: ['script:debian-deploy-before'] },
      { sudo: false, argv: ['script:debian-deploy-after', 'boot-id'] },
    ]);
    expect(DEBIAN_AFTER_SCRIPT).toMatch(/if \[ "\$\{1:-\}" = boot-id \]/);
  });
});
