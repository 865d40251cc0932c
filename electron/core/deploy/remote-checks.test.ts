import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseProvider } from '../snapshots/providers';
import { diffPackages } from '../snapshots/package-state';
import { parsePreflight, parseServices, preflightProblems } from './remote-checks';

const fixture = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('preflight on recorded lab output', () => {
  it('reads free space, the file system and the snapshot tools of a btrfs machine', () => {
    const p = parsePreflight(fixture('preflight-btrfs.txt'));
    expect(p).toMatchObject({ fsType: 'btrfs', snapper: true, lvm: false, zfs: false, busy: [] });
    expect(p.disks).toEqual([{ mount: '/', availableKb: 3337328 }]);
    expect(preflightProblems(p)).toEqual([]);
    expect(chooseProvider('auto', p)).toEqual({ provider: 'btrfs', reason: 'btrfs snapshot (root is on btrfs)' });
  });

  it('chooses LVM on the lab VM whose root is a logical volume (lvs found through sbin, as a non-root user)', () => {
    const p = parsePreflight(fixture('preflight-lvm.txt'));
    expect(p).toMatchObject({ fsType: 'ext2/ext3', rootSource: '/dev/mapper/pwvg-root', lvm: true, snapper: false, zfs: false });
    expect(p.disks).toEqual([{ mount: '/', availableKb: 561504 }]);
    expect(chooseProvider('auto', p)).toEqual({ provider: 'lvm', reason: 'lvm snapshot (root is on a logical volume)' });
  });

  it('falls back to package state on an overlay root, and explains an override that cannot work', () => {
    const p = parsePreflight(fixture('preflight-overlay.txt'));
    expect(p.fsType).toBe('overlayfs');
    expect(chooseProvider('auto', p).provider).toBe('package');
    expect(chooseProvider('btrfs', p)).toEqual({ provider: 'package', reason: 'btrfs was asked for, but the root file system is overlayfs, not btrfs: package-state snapshot instead' });
    expect(chooseProvider('lvm', p).reason).toMatch(/LVM tools are not installed/);
  });

  it('stops on a full disk or a busy package manager', () => {
    const p = parsePreflight('@@df\nFilesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 90 10240 90% /\n/dev/sdb1 100 1 9000000 1% /var\n@@busy\n812 apt-get\n@@fstype\next2/ext3\n');
    expect(preflightProblems(p)).toEqual([
      'Disk nearly full: 10 MB free on /, 300 MB needed',
      'The package manager is in use: apt-get (pid 812); try again when it has finished',
    ]);
    expect(preflightProblems(parsePreflight('@@df\n@@busy\n'))).toEqual(['Could not read free disk space (df printed nothing)']);
  });

  it('lists systemd services or daemons, ignoring junk lines', () => {
    expect(parseServices('@@systemd\ncron.service\nssh.service\nssh.service\n$(evil)\n')).toEqual(['cron.service', 'ssh.service']);
    expect(parseServices('@@daemons\nsshd\nsshd\ncron\n')).toEqual(['cron', 'sshd']);
  });
});

describe('package-state diff', () => {
  it('restores changed and removed packages and removes new ones; half-installed counts as changed', () => {
    const before = [
      { name: 'a', arch: 'amd64', version: '1.0-1' },
      { name: 'b', arch: 'all', version: '2.0-1' },
      { name: 'c', arch: 'amd64', version: '3.0-1' },
      { name: 'd', arch: 'amd64', version: '4.0-1' },
    ];
    const now = [
      { name: 'a', arch: 'amd64', version: '1.0-2' },
      { name: 'b', arch: 'all', version: '2.0-1' },
      { name: 'd', arch: 'amd64', version: '4.0-1', state: 'iU' },
      { name: 'new-dep', arch: 'amd64', version: '0.1' },
    ];
    expect(diffPackages(before, now)).toEqual({
      restore: [
        { name: 'a', arch: 'amd64', version: '1.0-1' },
        { name: 'c', arch: 'amd64', version: '3.0-1' },
        { name: 'd', arch: 'amd64', version: '4.0-1' },
      ],
      remove: ['new-dep:amd64'],
    });
    expect(diffPackages(before, before)).toEqual({ restore: [], remove: [] });
  });
});
