/**
 * The platform registry: picks a module from what a host says it is, and probes a host to find out.
 */
import { alpine } from './alpine';
import { debian } from './debian';
import { macos } from './macos';
import { parseOsRelease, parseSwVers } from './os-release';
import { detectFamily, type OsRelease, type Platform, type PlatformId } from './platform';
import { assertCompleteOutput, RemoteCommandError, type Remote } from './remote';
import { rhel } from './rhel';
import { suse } from './suse';

const modules: Readonly<Record<PlatformId, Platform>> = { debian, rhel, suse, alpine, macos };

/** The platform module for an os-release (or sw_vers-derived) description; null when unsupported. */
export function detectPlatform(os: Pick<OsRelease, 'id' | 'idLike'>): Platform | null {
  const family = detectFamily(os);
  return family ? modules[family] : null;
}

/**
 * How Windows' OpenSSH answers a Unix command: its default shell is cmd.exe ("'cat' is not recognized as an
 * internal or external command") or, when set so, PowerShell (where cat is Get-Content: "Cannot find path
 * 'C:\etc\os-release'", and sw_vers "is not recognized as the name of a cmdlet").
 */
const WINDOWS_SHELL = /is not recognized as an internal or external command|is not recognized as the name of a cmdlet|Cannot find path '[A-Za-z]:\\/;

/** What probeOs says of a machine whose SSH server runs a Windows shell: the Windows module takes it from there. */
export const WINDOWS_OS: OsRelease = { id: 'windows', idLike: [], name: 'Windows', prettyName: 'Windows (OpenSSH)', versionId: null, versionCodename: null, raw: {} };

/** Reads /etc/os-release, or `sw_vers` when there is none (macOS); recognises Windows' OpenSSH by its shell's replies. */
export async function probeOs(remote: Remote): Promise<OsRelease> {
  const r = await remote.exec(['cat', '/etc/os-release']);
  if (r.code === 0 && r.stdout.trim()) {
    assertCompleteOutput('cat /etc/os-release', remote.label, r);
    return parseOsRelease(r.stdout);
  }
  const sw = await remote.exec(['sw_vers']);
  const mac = sw.code === 0 ? parseSwVers(sw.stdout) : null;
  if (mac) return mac;
  if (WINDOWS_SHELL.test(`${r.stderr}\n${r.stdout}\n${sw.stderr}\n${sw.stdout}`)) return WINDOWS_OS;
  if (sw.code !== 0) throw new RemoteCommandError('sw_vers', sw);
  throw new Error(`${remote.label}: neither /etc/os-release nor sw_vers identifies the OS`);
}

export { alpine, debian, macos, rhel, suse };
export { createDebianPlatform } from './debian';
export { memoryChangelogCache, type ChangelogCache, type ChangelogInfo } from './debian-changelog-fetch';
export { assess, type Assessment } from './assess';
