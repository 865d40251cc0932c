/**
 * The platform registry: picks a module from what a host says it is, and probes a host to find out.
 */
import { alpine } from './alpine';
import { debian } from './debian';
import { run } from './exec-util';
import { macos } from './macos';
import { parseOsRelease, parseSwVers } from './os-release';
import { detectFamily, type OsRelease, type Platform, type PlatformId } from './platform';
import type { Remote } from './remote';
import { rhel } from './rhel';
import { suse } from './suse';

const modules: Readonly<Record<PlatformId, Platform>> = { debian, rhel, suse, alpine, macos };

/** The platform module for an os-release (or sw_vers-derived) description; null when unsupported. */
export function detectPlatform(os: Pick<OsRelease, 'id' | 'idLike'>): Platform | null {
  const family = detectFamily(os);
  return family ? modules[family] : null;
}

/** Reads /etc/os-release, or `sw_vers` when there is none (macOS). */
export async function probeOs(remote: Remote): Promise<OsRelease> {
  const r = await remote.exec(['cat', '/etc/os-release']);
  if (r.code === 0 && r.stdout.trim()) return parseOsRelease(r.stdout);
  const mac = parseSwVers((await run(remote, ['sw_vers'])).stdout);
  if (!mac) throw new Error(`${remote.label}: neither /etc/os-release nor sw_vers identifies the OS`);
  return mac;
}

export { alpine, debian, macos, rhel, suse };
export { createDebianPlatform } from './debian';
export { memoryChangelogCache, type ChangelogCache, type ChangelogInfo } from './debian-changelog-fetch';
export { assess, type Assessment } from './assess';
