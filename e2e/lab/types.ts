/** The kinds of machine the lab can start; see README.md for what each one is for. */
export type Scenario =
  | 'current'
  | 'stale'
  | 'fixture'
  | 'no-sudo'
  | 'sudo-password'
  | 'key-only'
  | 'broken-dpkg'
  | 'btrfs'
  | 'rpm-fixture'
  | 'suse-fixture'
  | 'suse-btrfs'
  | 'no-route'
  | 'windows-ssh';

export const SCENARIOS: readonly Scenario[] = [
  'current',
  'stale',
  'fixture',
  'no-sudo',
  'sudo-password',
  'key-only',
  'broken-dpkg',
  'btrfs',
  'rpm-fixture',
  'suse-fixture',
  'suse-btrfs',
  'no-route',
];

/**
 * Scenarios the standard lab (SCENARIOS, one host of each) leaves out: windows-ssh needs this machine's
 * PowerShell, and assessed without its Windows label it is a plain Debian host, which scans would count.
 * Its test adds it to whatever lab is up.
 */
export const EXTRA_SCENARIOS: readonly Scenario[] = ['windows-ssh'];

/** Every scenario `up` accepts. */
export const ALL_SCENARIOS: readonly Scenario[] = [...SCENARIOS, ...EXTRA_SCENARIOS];

export const DEFAULT_SCENARIO: Scenario = 'stale';

/** Scenarios whose root is a btrfs disk image (a loop device) with snapper configured, not an overlay. */
export const BTRFS_SCENARIOS: readonly Scenario[] = ['btrfs', 'suse-btrfs'];

export function isBtrfsScenario(s: Scenario): boolean {
  return BTRFS_SCENARIOS.includes(s);
}

export function isScenario(value: string): value is Scenario {
  return (ALL_SCENARIOS as readonly string[]).includes(value);
}

/** One lab machine as the app and the tests see it. */
export interface LabHost {
  /** N in 127.0.0.N; hosts are numbered from 11. */
  index: number;
  /** Loopback address sshd listens on, always inside 127.0.0.0/8. */
  address: string;
  port: 22;
  /** e.g. `lab-11-stale`; set in the host's own UTS namespace. */
  hostname: string;
  scenario: Scenario;
  user: 'admin';
  /** Login password; null where password login is refused (key-only). */
  password: string | null;
  /** Password sudo asks for; null where sudo needs none or is not allowed. */
  sudoPassword: string | null;
  /** Private key, OpenSSH format, mode 0600; shared by every host of the lab. */
  keyPath: string;
  /** `SHA256:…` of the host's ed25519 key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** Fingerprint per key type (`ssh-ed25519`, `ecdsa-sha2-nistp256`). */
  hostKeyFingerprints: Record<string, string>;
  /** Public host keys per key type, ready for a known_hosts line. */
  hostPublicKeys: Record<string, string>;
  /** Whether the host's sshd process is alive (false after stopHost). */
  running: boolean;
}

export interface LabUpOptions {
  /** Number of hosts; scenarios cycle over them. Default: one per scenario, or 1. */
  hosts?: number;
  /** Scenarios to run; default `['stale']`. */
  scenarios?: Scenario[];
  /** Progress lines (builds, host starts); quiet when absent. */
  onLog?: (line: string) => void;
  /** Rebuild the upgraded layer from today's Debian archive instead of reusing the cached one. */
  refresh?: boolean;
}

/** Thrown for every lab failure the user can act on; the message says what to do. */
export class LabError extends Error {
  override name = 'LabError';
}
