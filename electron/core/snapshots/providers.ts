/**
 * Snapshot providers: how a machine's state before a change is kept and brought back.
 *
 * - package: always available. The installed versions of every package, with the .debs of the versions
 *   that will change kept in apt's cache on the machine, so a downgrade works offline.
 * - btrfs: a snapper snapshot of the root subvolume; `undochange` restores every file the change touched
 *   (package files, configuration, the dpkg database) without a reboot.
 * - zfs: `zfs snapshot` of the root dataset; `zfs rollback` brings it back (a reboot is advised after).
 * - lvm: a copy-on-write snapshot LV of the root LV; the rollback merges it, which completes at the next
 *   activation of the volume: a reboot.
 *
 * Every command is an argv array; names that reach a command are checked against strict patterns first.
 */
import { randomBytes } from 'node:crypto';
import type { SnapshotProvider } from '../../../shared/contract';
import type { Preflight } from '../deploy/remote-checks';
import { run } from '../platforms/exec-util';
import type { Remote } from '../platforms/remote';

export type ConcreteProvider = Exclude<SnapshotProvider, 'auto'>;

export interface ProviderChoice {
  provider: ConcreteProvider;
  /** Why this one, in plain words (shown in the machine's log). */
  reason: string;
}

const LV_PATH = /^\/dev\/(?:mapper\/)?[A-Za-z0-9][A-Za-z0-9+_.-]*(?:\/[A-Za-z0-9][A-Za-z0-9+_.-]*)?$/;
const ZFS_DATASET = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;

/** The provider for a machine: the override when it can work there, else the best one its file system offers. */
export function chooseProvider(wanted: SnapshotProvider, p: Preflight): ProviderChoice {
  const can: Record<ConcreteProvider, string | null> = {
    package: null,
    btrfs: p.fsType !== 'btrfs' ? `the root file system is ${p.fsType || 'unknown'}, not btrfs` : p.snapper ? null : 'snapper is not installed',
    zfs: p.fsType !== 'zfs' ? `the root file system is ${p.fsType || 'unknown'}, not zfs` : p.zfs ? null : 'the zfs tools are not installed',
    lvm: !p.lvm ? 'the LVM tools are not installed' : !LV_PATH.test(p.rootSource) || !/^\/dev\/(mapper\/|[^/]+\/[^/]+$)/.test(p.rootSource) ? `the root file system (${p.rootSource || 'unknown'}) is not on a logical volume` : null,
  };
  if (wanted !== 'auto') {
    const why = can[wanted];
    if (why === null) return { provider: wanted, reason: `${wanted} snapshot, as set for this machine` };
    return { provider: 'package', reason: `${wanted} was asked for, but ${why}: package-state snapshot instead` };
  }
  for (const c of ['btrfs', 'zfs', 'lvm'] as const) {
    if (can[c] === null) return { provider: c, reason: `${c} snapshot (root is on ${c === 'lvm' ? 'a logical volume' : c})` };
  }
  return { provider: 'package', reason: `package-state snapshot (${can.btrfs}; no file-system snapshots here)` };
}

export interface TakenSnapshot {
  ref: string;
  sizeBytes: number | null;
}

/**
 * The snapshot's name on the machine. The attempt token makes it unique per attempt: if the core stops after
 * `lvcreate`/`zfs snapshot` and before the snapshot is recorded, Resume takes a new one instead of failing on
 * "already exists" (the orphan keeps its deployment number in its name, so it can be found and removed).
 */
export function snapshotLabel(deploymentId: number, attempt: string): string {
  if (!/^[a-z0-9]{4,16}$/.test(attempt)) throw new Error(`Bad snapshot attempt token ${JSON.stringify(attempt)}`);
  return `patchwell-deployment-${Math.trunc(deploymentId)}-${attempt}`;
}

/**
 * Takes the file-system part of a snapshot (the package part is recorded for every provider by the caller).
 * `attempt` is for tests; each call otherwise gets a fresh random token.
 */
export async function takeFsSnapshot(
  remote: Remote,
  provider: ConcreteProvider,
  p: Preflight,
  deploymentId: number,
  attempt: string = randomBytes(4).toString('hex'),
): Promise<TakenSnapshot> {
  const label = snapshotLabel(deploymentId, attempt);
  switch (provider) {
    case 'package':
      return { ref: 'packages', sizeBytes: null };
    case 'btrfs': {
      const r = await run(
        remote,
        ['snapper', '--no-dbus', '-c', 'root', 'create', '--type', 'single', '--cleanup-algorithm', 'number', '--description', label, '--print-number'],
        { sudo: true, timeoutMs: 5 * 60_000 },
      );
      const n = r.stdout.trim().split('\n').pop() ?? '';
      if (!/^\d+$/.test(n)) throw new Error(`snapper did not print a snapshot number (printed ${JSON.stringify(n.slice(0, 80))})`);
      return { ref: n, sizeBytes: null };
    }
    case 'zfs': {
      const dataset = p.rootSource;
      if (!ZFS_DATASET.test(dataset)) throw new Error(`Unexpected ZFS dataset name ${JSON.stringify(dataset)}`);
      const ref = `${dataset}@${label}`;
      await run(remote, ['zfs', 'snapshot', ref], { sudo: true, timeoutMs: 5 * 60_000 });
      return { ref, sizeBytes: null };
    }
    case 'lvm': {
      const lv = p.rootSource;
      if (!LV_PATH.test(lv)) throw new Error(`Unexpected logical volume path ${JSON.stringify(lv)}`);
      // 2 GiB of copy-on-write space: enough for a round of package updates on an office machine.
      await run(remote, ['lvcreate', '--snapshot', '--name', label, '--size', '2G', lv], { sudo: true, timeoutMs: 5 * 60_000 });
      const vg = (await run(remote, ['lvs', '--noheadings', '-o', 'vg_name', lv], { sudo: true })).stdout.trim();
      if (!/^[A-Za-z0-9+_.-]+$/.test(vg)) throw new Error(`Unexpected volume group name ${JSON.stringify(vg)}`);
      return { ref: `${vg}/${label}`, sizeBytes: 2 * 1024 ** 3 };
    }
  }
}

export interface FsRestore {
  /** True when the restore finishes only after a reboot (LVM merge). */
  needsReboot: boolean;
  /** The command that restored it, for the machine's log ("snapper undochange 3..0"). */
  how?: string;
}

/** A taken file-system snapshot as the user finds it on the machine ("snapper snapshot 3"); null for 'package'. */
export function describeFsSnapshot(provider: string, ref: string): string | null {
  switch (provider) {
    case 'btrfs': return `snapper snapshot ${ref} of /`;
    case 'zfs': return `ZFS snapshot ${ref}`;
    case 'lvm': return `LVM snapshot ${ref}`;
    default: return null;
  }
}

/** Restores the file-system snapshot; for 'package' there is nothing to do here (the caller restores versions). */
export async function restoreFsSnapshot(remote: Remote, provider: string, ref: string): Promise<FsRestore> {
  switch (provider) {
    case 'btrfs':
      if (!/^\d+$/.test(ref)) throw new Error(`Bad snapper snapshot number ${JSON.stringify(ref)}`);
      // Reverts every file changed since snapshot `ref` (0 is the live file system).
      await run(remote, ['snapper', '--no-dbus', '-c', 'root', 'undochange', `${ref}..0`], { sudo: true, timeoutMs: 30 * 60_000 });
      return { needsReboot: false, how: `snapper undochange ${ref}..0` };
    case 'zfs':
      if (!ZFS_DATASET.test(ref.replace('@', '/'))) throw new Error(`Bad ZFS snapshot ${JSON.stringify(ref)}`);
      await run(remote, ['zfs', 'rollback', '-r', ref], { sudo: true, timeoutMs: 30 * 60_000 });
      return { needsReboot: false };
    case 'lvm':
      if (!/^[A-Za-z0-9+_.-]+\/[A-Za-z0-9+_.-]+$/.test(ref)) throw new Error(`Bad LVM snapshot ${JSON.stringify(ref)}`);
      await run(remote, ['lvconvert', '--merge', ref], { sudo: true, timeoutMs: 30 * 60_000 });
      return { needsReboot: true };
    default:
      return { needsReboot: false };
  }
}

/** Deletes a file-system snapshot on the machine (retention). */
export async function deleteFsSnapshot(remote: Remote, provider: string, ref: string): Promise<void> {
  switch (provider) {
    case 'btrfs':
      if (!/^\d+$/.test(ref)) throw new Error(`Bad snapper snapshot number ${JSON.stringify(ref)}`);
      await run(remote, ['snapper', '--no-dbus', '-c', 'root', 'delete', ref], { sudo: true, timeoutMs: 10 * 60_000 });
      return;
    case 'zfs':
      if (!ZFS_DATASET.test(ref.replace('@', '/'))) throw new Error(`Bad ZFS snapshot ${JSON.stringify(ref)}`);
      await run(remote, ['zfs', 'destroy', ref], { sudo: true, timeoutMs: 10 * 60_000 });
      return;
    case 'lvm':
      if (!/^[A-Za-z0-9+_.-]+\/[A-Za-z0-9+_.-]+$/.test(ref)) throw new Error(`Bad LVM snapshot ${JSON.stringify(ref)}`);
      await run(remote, ['lvremove', '-y', ref], { sudo: true, timeoutMs: 10 * 60_000 });
      return;
    default:
  }
}
