/** The OS vocabulary every fingerprint speaks, so os-guess can weigh them against each other. */

export type OsFamily = 'linux' | 'windows' | 'macos' | 'bsd' | 'network-device' | 'unknown';

/** One piece of evidence about a host's operating system. */
export interface OsHint {
  family: OsFamily;
  /** "Debian", "Ubuntu", "Windows Server 2022"… */
  distro?: string;
  /** "12 (bookworm)", "22.04", "10.0.20348"… */
  version?: string;
  /** How much this single clue is worth on its own, 0..1. */
  confidence: number;
  /** Human-readable explanation, shown in the host's detail view. */
  reason: string;
}
