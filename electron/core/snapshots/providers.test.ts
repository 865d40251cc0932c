/**
 * The file-system snapshot providers' commands, exactly as they reach a machine, and the names they refuse.
 * btrfs and LVM also run for real on the lab (deploy.lab.test.ts, lvm.lab.test.ts); ZFS has no lab machine
 * (no ZFS module here), so these argv checks are what stands for it.
 */
import { describe, expect, it } from 'vitest';
import { parsePreflight, type Preflight } from '../deploy/remote-checks';
import { FakeRemote } from '../platforms/fake-remote';
import type { ExecResult, Remote } from '../platforms/remote';
import { chooseProvider, deleteFsSnapshot, describeFsSnapshot, restoreFsSnapshot, snapshotLabel, takeFsSnapshot } from './providers';

const zfsRoot: Preflight = parsePreflight(
  '@@df\nFilesystem 1024-blocks Used Available Capacity Mounted on\nrpool/ROOT/debian 20000000 4000000 16000000 20% /\n@@busy\n@@fstype\nzfs\n@@snapper\n@@root-source\nrpool/ROOT/debian\n@@lvm\n@@zfs\nyes\n',
);

describe('snapshot providers', () => {
  it('chooses ZFS for a root dataset when the zfs tools are there, and says why when they are not', () => {
    expect(chooseProvider('auto', zfsRoot)).toEqual({ provider: 'zfs', reason: 'zfs snapshot (root is on zfs)' });
    expect(chooseProvider('zfs', { ...zfsRoot, zfs: false })).toEqual({
      provider: 'package', reason: 'zfs was asked for, but the zfs tools are not installed: package-state snapshot instead',
    });
  });

  it('takes, restores and deletes a ZFS snapshot of the root dataset with sudo, as argv', async () => {
    const host = new FakeRemote()
      .on(['zfs', 'snapshot', 'rpool/ROOT/debian@patchwell-deployment-7-a1b2c3d4'], {})
      .on(['zfs', 'rollback', '-r', 'rpool/ROOT/debian@patchwell-deployment-7-a1b2c3d4'], {})
      .on(['zfs', 'destroy', 'rpool/ROOT/debian@patchwell-deployment-7-a1b2c3d4'], {});
    const taken = await takeFsSnapshot(host, 'zfs', zfsRoot, 7, 'a1b2c3d4');
    expect(taken).toEqual({ ref: 'rpool/ROOT/debian@patchwell-deployment-7-a1b2c3d4', sizeBytes: null });
    expect(await restoreFsSnapshot(host, 'zfs', taken.ref)).toEqual({ needsReboot: false });
    await deleteFsSnapshot(host, 'zfs', taken.ref);
    expect(host.calls.map((c) => c.options?.sudo)).toEqual([true, true, true]);
  });

  it('takes an LVM snapshot of the root LV and merges it back (completing at the next reboot)', async () => {
    const lvmRoot = { ...zfsRoot, fsType: 'ext2/ext3', rootSource: '/dev/mapper/pwvg-root', lvm: true, zfs: false };
    const host = new FakeRemote()
      .on(['lvcreate', '--snapshot', '--name', 'patchwell-deployment-3-0f0f0f0f', '--size', '2G', '/dev/mapper/pwvg-root'], {})
      .on(['lvs', '--noheadings', '-o', 'vg_name', '/dev/mapper/pwvg-root'], { stdout: '  pwvg\n' })
      .on(['lvconvert', '--merge', 'pwvg/patchwell-deployment-3-0f0f0f0f'], {})
      .on(['lvremove', '-y', 'pwvg/patchwell-deployment-3-0f0f0f0f'], {});
    const taken = await takeFsSnapshot(host, 'lvm', lvmRoot, 3, '0f0f0f0f');
    expect(taken.ref).toBe('pwvg/patchwell-deployment-3-0f0f0f0f');
    expect(await restoreFsSnapshot(host, 'lvm', taken.ref)).toEqual({ needsReboot: true });
    await deleteFsSnapshot(host, 'lvm', taken.ref);
    expect(host.calls.every((c) => c.options?.sudo === true)).toBe(true);
  });

  it('takes a snapper snapshot without D-Bus, undoes the change since it, and names both for the log', async () => {
    const btrfsRoot = { ...zfsRoot, fsType: 'btrfs', rootSource: '/dev/sda2[/@]', snapper: true, zfs: false };
    const host = new FakeRemote()
      .on(['snapper', '--no-dbus', '-c', 'root', 'create', '--type', 'single', '--cleanup-algorithm', 'number', '--description', 'patchwell-deployment-5-cafe1234', '--print-number'], { stdout: '12\n' })
      .on(['snapper', '--no-dbus', '-c', 'root', 'undochange', '12..0'], {});
    expect(chooseProvider('auto', btrfsRoot).provider).toBe('btrfs');
    const taken = await takeFsSnapshot(host, 'btrfs', btrfsRoot, 5, 'cafe1234');
    expect(taken).toEqual({ ref: '12', sizeBytes: null });
    expect(describeFsSnapshot('btrfs', taken.ref)).toBe('snapper snapshot 12 of /');
    expect(await restoreFsSnapshot(host, 'btrfs', taken.ref)).toEqual({ needsReboot: false, how: 'snapper undochange 12..0' });
    expect(describeFsSnapshot('package', 'packages')).toBeNull();
  });

  it('names each attempt differently, so Resume after a crash between taking and recording one does not hit "already exists"', async () => {
    const lvmRoot = { ...zfsRoot, fsType: 'ext2/ext3', rootSource: '/dev/mapper/pwvg-root', lvm: true, zfs: false };
    // A machine that, like lvcreate and zfs snapshot, refuses a second snapshot under a name already taken.
    const made = new Set<string>();
    const machine: Remote = {
      label: 'fake-host',
      exec(argv) {
        const ok: ExecResult = { code: 0, stdout: '', stderr: '', timedOut: false };
        if (argv[0] === 'lvs') return Promise.resolve({ ...ok, stdout: '  pwvg\n' });
        const name = argv[0] === 'zfs' ? argv[2]! : argv[3]!;
        if (made.has(name)) return Promise.resolve({ ...ok, code: 5, stderr: `  Snapshot "${name}" already exists\n` });
        made.add(name);
        return Promise.resolve(ok);
      },
      script: () => Promise.reject(new Error('no scripts here')),
    };
    // The first attempt of deployment 9 took its snapshots and the core stopped before recording them; Resume
    // takes them again.
    const refs: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      refs.push((await takeFsSnapshot(machine, 'lvm', lvmRoot, 9)).ref, (await takeFsSnapshot(machine, 'zfs', zfsRoot, 9)).ref);
    }
    expect(new Set(refs).size).toBe(4);
    for (const ref of refs) expect(ref).toMatch(/[/@]patchwell-deployment-9-[0-9a-f]{8}$/);
    // Every generated name still passes the restore and delete checks.
    const quiet = new FakeRemote().on(['lvconvert', '--merge', refs[2]!], {}).on(['zfs', 'destroy', refs[3]!], {});
    await restoreFsSnapshot(quiet, 'lvm', refs[2]!);
    await deleteFsSnapshot(quiet, 'zfs', refs[3]!);
    expect(() => snapshotLabel(9, '../x')).toThrow(/Bad snapshot attempt token/);
  });

  it('refuses names that could be read as options or carry shell text, before anything runs', async () => {
    const host = new FakeRemote();
    await expect(takeFsSnapshot(host, 'zfs', { ...zfsRoot, rootSource: '-o foo' }, 1)).rejects.toThrow(/Unexpected ZFS dataset name/);
    await expect(takeFsSnapshot(host, 'zfs', { ...zfsRoot, rootSource: 'rpool/$(reboot)' }, 1)).rejects.toThrow(/Unexpected ZFS dataset name/);
    await expect(takeFsSnapshot(host, 'lvm', { ...zfsRoot, rootSource: '/dev/mapper/x;rm -rf /' }, 1)).rejects.toThrow(/Unexpected logical volume path/);
    await expect(restoreFsSnapshot(host, 'zfs', '-R rpool@x')).rejects.toThrow(/Bad ZFS snapshot/);
    await expect(restoreFsSnapshot(host, 'lvm', '../x/y')).rejects.toThrow(/Bad LVM snapshot/);
    await expect(restoreFsSnapshot(host, 'btrfs', '1; reboot')).rejects.toThrow(/Bad snapper snapshot number/);
    await expect(deleteFsSnapshot(host, 'lvm', 'vg/lv --force')).rejects.toThrow(/Bad LVM snapshot/);
    expect(host.calls).toEqual([]);
  });
});
