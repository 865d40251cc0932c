/**
 * The contract every platform module (Debian, RHEL, SUSE, Alpine, macOS) implements, and the domain types the
 * assessment and deployment code above it consume. Modules talk to machines only through `Remote`.
 */
import type { Remote } from './remote';

export type PlatformId = 'debian' | 'rhel' | 'suse' | 'alpine' | 'macos';

/** Parsed /etc/os-release (or the equivalent built from `sw_vers` on macOS). */
export interface OsRelease {
  /** ID, lower-cased (debian, ubuntu, rhel, rocky, opensuse-leap, alpine, macos…). */
  id: string;
  /** ID_LIKE, split and lower-cased. */
  idLike: string[];
  name: string;
  prettyName: string | null;
  versionId: string | null;
  versionCodename: string | null;
  /** Every key as read, for anything not lifted into a field. */
  raw: Readonly<Record<string, string>>;
}

/** What a host is and whether it needs a reboot. */
export interface Facts {
  hostname: string;
  osName: string;
  osVersion: string | null;
  osId: string;
  osLike: string[];
  /** Running kernel release (`uname -r`); on macOS the Darwin release. */
  kernel: string;
  /** Machine architecture as the OS reports it (x86_64, aarch64, arm64…). */
  arch: string;
  uptimeSeconds: number | null;
  /** ISO-8601 boot time, when the OS exposes it. */
  bootTime?: string;
  rebootRequired: boolean;
  /** Human-readable reasons, e.g. "/var/run/reboot-required lists libc6", "newer kernel 6.1.0-21 installed". */
  rebootReasons: string[];
  runningKernel: string;
  /** Newest installed kernel release, when the package database tells us. */
  newestKernel?: string;
  /** Services that need a restart (needrestart / needs-restarting / zypper ps), when known. */
  servicesNeedingRestart?: string[];
}

export interface InstalledPackage {
  name: string;
  arch: string;
  version: string;
  /** Package-manager state when not simply "installed" (e.g. dpkg "iU" half-configured). */
  state?: string;
}

/** An advisory (or changelog-derived fix record) that a pending update resolves. */
export interface Advisory {
  /** DSA/DLA/USN/RHSA/ALSA/SUSE-SU/openSUSE-… identifier, or null when the source names none (Debian changelogs). */
  id: string | null;
  cves: string[];
  /** Severity (RHEL/SUSE: Critical/Important/Moderate/Low) or Debian urgency (low/medium/high/emergency). */
  severity: string | null;
  /** ISO-8601 issue date, when known. */
  publishedAt: string | null;
  /** Where this record came from. */
  origin: 'changelog' | 'updateinfo' | 'zypper-patch' | 'vendor';
  /** Advisory type where the source has one (security, bugfix, enhancement, recommended…). */
  type?: string;
}

export interface PendingUpdate {
  name: string;
  arch: string;
  /** Null when the update pulls in a package that is not installed yet. */
  installedVersion: string | null;
  candidateVersion: string;
  /** Where the candidate comes from: apt origin/suite, dnf repo id, zypper repo alias, apk repository… */
  source: string | null;
  /** Suites or repositories the candidate is found in (Debian: archive names such as "bookworm-security"). */
  suites: string[];
  isSecurity: boolean;
  advisories: Advisory[];
  /** Union of the advisories' CVE IDs. */
  cves: string[];
  /** Highest severity/urgency across the advisories. */
  severity: string | null;
  rebootSuggested?: boolean;
  /** The update is blocked by a hold/lock and will not be applied by a normal upgrade. */
  held?: boolean;
  /** "package" for ordinary packages; "patch" for SUSE patches; "os-update" for macOS softwareupdate items and Windows updates. */
  kind?: 'package' | 'patch' | 'os-update';
  /** Something the user must know before approving, e.g. "cannot be uninstalled". */
  note?: string;
}

export interface HealthProblem {
  /** The check that found it, e.g. "dpkg --audit", "rpm -Va", "apk audit". */
  source: string;
  message: string;
}

export interface Health {
  ok: boolean;
  problems: HealthProblem[];
}

/** One package at one exact version: what install and rollback deal in. */
export interface ExactItem {
  name: string;
  version: string;
  arch?: string;
}

/** The installed state of a package before or after a change; version null means "not installed". */
export interface PackageState {
  name: string;
  arch: string | null;
  version: string | null;
}

export interface InstallResult {
  ok: boolean;
  /** The exit code of the package manager, or null when killed/timed out. */
  exitCode: number | null;
  timedOut: boolean;
  /** Items whose installed version afterwards is not the requested one. */
  failed: { name: string; requested: string; installed: string | null; reason?: string }[];
  /** Error lines the package manager printed (E:, error:, Problem:…), bounded. */
  errors: string[];
  /** The state of the requested packages after the run, read back from the package database. */
  after: PackageState[];
  stdoutTail: string;
  stderrTail: string;
}

export interface PendingUpdatesOptions {
  /** Refresh package lists first (apt-get update / dnf makecache / zypper refresh / apk update), as root. */
  refresh?: boolean;
  /**
   * Debian: look up where the installed version of each pending update can be fetched (for the rollback .debs a
   * deployment keeps), except the "name:arch=version" given here, which the core knows already. Not given: no
   * lookup.
   */
  rollbackDebsKnown?: ReadonlySet<string>;
}

/** Where an installed version's package file is; url and sha256 are null when the machine's lists do not hold it. */
export interface RollbackDebLookup {
  name: string;
  arch: string;
  version: string;
  url: string | null;
  sha256: string | null;
}

export interface PendingUpdatesResult {
  updates: PendingUpdate[];
  /** Names of packages held/locked against upgrades. */
  held: string[];
  /** Non-fatal problems (a refresh that failed, a changelog that could not be read…). */
  warnings: string[];
  /** What PendingUpdatesOptions.rollbackDebsKnown asked to be looked up (Debian). */
  rollbackDebs?: RollbackDebLookup[];
}

export interface Platform {
  readonly id: PlatformId;
  facts(remote: Remote): Promise<Facts>;
  installedPackages(remote: Remote): Promise<InstalledPackage[]>;
  pendingUpdates(remote: Remote, options?: PendingUpdatesOptions): Promise<PendingUpdatesResult>;
  health(remote: Remote): Promise<Health>;
  /** Installed versions of the given packages: the "before" picture a snapshot/rollback keeps. */
  packageStateSnapshot(remote: Remote, names: readonly string[]): Promise<PackageState[]>;
  /** Installs exactly these versions (upgrade direction). */
  installExact(remote: Remote, items: readonly ExactItem[]): Promise<InstallResult>;
  /** Installs exactly these versions, allowing downgrades: the rollback hook. */
  downgradeExact(remote: Remote, items: readonly ExactItem[]): Promise<InstallResult>;
}

/** Picks the platform family from os-release ID and ID_LIKE; null when we do not support it. */
export function detectFamily(os: Pick<OsRelease, 'id' | 'idLike'>): PlatformId | null {
  const ids = [os.id, ...os.idLike].map((s) => s.toLowerCase());
  for (const id of ids) {
    if (id === 'debian' || id === 'ubuntu' || id === 'raspbian' || id === 'linuxmint' || id === 'pop') return 'debian';
    if (['rhel', 'centos', 'rocky', 'almalinux', 'fedora', 'ol', 'amzn', 'circle', 'eurolinux'].includes(id)) return 'rhel';
    if (id === 'sles' || id === 'sled' || id === 'suse' || id.startsWith('opensuse') || id === 'sle-micro') return 'suse';
    if (id === 'alpine') return 'alpine';
    if (id === 'macos') return 'macos';
  }
  return null;
}
