/**
 * The package-state snapshot: every installed package and version before a change, and the restore that
 * brings a machine back to it (downgrade what changed, reinstall what went, remove what came).
 */
import { run } from '../platforms/exec-util';
import type { ExactItem, InstalledPackage, Platform } from '../platforms/platform';
import type { Remote } from '../platforms/remote';
import { assertValid, isDebianArch, isDebianPackageName } from '../platforms/validate';

export interface PackageVersion {
  name: string;
  arch: string;
  version: string;
}

export interface PackageDiff {
  /** Back to these versions (changed since, or removed since). */
  restore: (ExactItem & { arch: string })[];
  /** Installed since the snapshot: "name:arch". */
  remove: string[];
}

const key = (name: string, arch: string): string => `${name}:${arch}`;

export function diffPackages(before: readonly PackageVersion[], now: readonly InstalledPackage[]): PackageDiff {
  const nowMap = new Map(now.map((p) => [key(p.name, p.arch), p]));
  const beforeKeys = new Set(before.map((p) => key(p.name, p.arch)));
  const restore = before
    .filter((b) => {
      const n = nowMap.get(key(b.name, b.arch));
      return !n || n.version !== b.version || n.state !== undefined;
    })
    .map((b) => ({ name: b.name, arch: b.arch, version: b.version }));
  const remove = now.filter((n) => !beforeKeys.has(key(n.name, n.arch))).map((n) => key(n.name, n.arch));
  return { restore, remove };
}

export function describeDiff(d: PackageDiff): string {
  const parts: string[] = [];
  if (d.restore.length) parts.push(`${d.restore.length} to restore (${d.restore.slice(0, 5).map((r) => `${r.name} ${r.version}`).join(', ')}${d.restore.length > 5 ? ', …' : ''})`);
  if (d.remove.length) parts.push(`${d.remove.length} to remove (${d.remove.slice(0, 5).join(', ')}${d.remove.length > 5 ? ', …' : ''})`);
  return parts.join('; ') || 'nothing differs';
}

/** How a platform puts versions back and removes what came since: the deployer's package manager. */
export interface RestoreOps {
  restore(items: readonly (ExactItem & { arch: string })[]): Promise<{ ok: boolean; errors: string[]; exitCode: number | null }>;
  remove(keys: readonly string[]): Promise<void>;
  /** The package manager's name, for the log. */
  name: string;
}

/**
 * Brings the package set back to `before`: one run of the package manager for the versions (downgrades allowed,
 * from the packages kept on the machine when no repository offers them any more), one for what was added.
 * Returns the diff left afterwards: empty when the machine is exactly as it was.
 */
export async function restorePackages(remote: Remote, platform: Platform, before: readonly PackageVersion[], log: (m: string) => void, ops: RestoreOps): Promise<PackageDiff> {
  const diff = diffPackages(before, await platform.installedPackages(remote));
  log(`Package state differs from the snapshot: ${describeDiff(diff)}`);
  if (diff.restore.length > 0) {
    const r = await ops.restore(diff.restore);
    if (!r.ok) log(`${ops.name} could not restore every version: ${r.errors.slice(0, 3).join(' / ') || `exit ${r.exitCode}`}`);
  }
  if (diff.remove.length > 0) await ops.remove(diff.remove);
  return diffPackages(before, await platform.installedPackages(remote));
}

/** Debian: removes packages installed since the snapshot ("name:arch"), each checked against dpkg's rules first. */
export async function aptRemove(remote: Remote, keys: readonly string[]): Promise<void> {
  for (const k of keys) {
    const [name = '', arch = ''] = k.split(':');
    assertValid('Debian package name', name, isDebianPackageName);
    assertValid('Debian architecture', arch, isDebianArch);
  }
  await run(remote, ['apt-get', 'remove', '-y', '-q', '--', ...keys], { sudo: true, timeoutMs: 30 * 60_000 });
}
