/** What each fingerprint records: the source that produced it, a printable evidence snippet, its OS hint. */
import type { MacInfo } from './oui';
import type { NeighbourState } from './neighbour';
import type { OsHint } from './os-hint';
import type { Smb2ProbeResult } from './smb2';
import type { SshBanner } from './ssh-banner';
import type { WinrmProbeResult } from './winrm-probe';

interface Base {
  /** Port the evidence came from, when it came from a connection. */
  port?: number;
  /** Short printable snippet shown to the user as "why we think so" (never raw binary). */
  evidence: string;
  hint: OsHint | null;
}

export type Fingerprint =
  | (Base & { kind: 'ssh'; source: 'ssh-banner'; data: SshBanner })
  | (Base & { kind: 'smb'; source: 'smb2'; data: Smb2ProbeResult })
  | (Base & { kind: 'winrm'; source: 'winrm-http' | 'winrm-https'; data: WinrmProbeResult })
  | (Base & { kind: 'dns'; source: 'rdns'; data: { names: string[] } })
  | (Base & { kind: 'mac'; source: 'neighbour'; data: MacInfo & { state: NeighbourState } });

export type FingerprintSource = Fingerprint['source'];
