/**
 * What stands in the way of working on a machine, read from what the inventory already records: a changed SSH
 * host key, no answer, or a package manager left broken. The Machines table shows it, the deployment plan
 * refuses the machine for it, and both say the same words because both read them from here.
 */
import type { Host } from './contract';

/** How the message of a machine that went silent during a job begins (see stoppedAnsweringMessage). */
export const STOPPED_ANSWERING = 'Stopped answering';

/** The one line a job writes when a machine goes silent in the middle of its work. */
export function stoppedAnsweringMessage(step: string, detail: string): string {
  return `${STOPPED_ANSWERING} at step ${step} (${detail})`;
}

/** How a failed connection's message begins, so the table can give it as the reason a machine is not answering. */
export const NOT_ANSWERING = 'Not answering';

/** True for the messages above: a machine's last error that explains why it is marked not answering. */
export function isSilenceMessage(message: string | undefined | null): boolean {
  return !!message && (message.startsWith(STOPPED_ANSWERING) || message.startsWith(NOT_ANSWERING));
}

export type MachineProblemKind = 'host-key-changed' | 'unreachable' | 'package-manager';

export interface MachineProblem {
  kind: MachineProblemKind;
  /** A few words for a badge. */
  label: string;
  /** Why, in a sentence the user can act on. */
  reason: string;
}

type StateFields = Pick<Host, 'pendingHostKey' | 'reachability' | 'health' | 'lastError' | 'platform'> & Partial<Pick<Host, 'pendingWinrmCert'>>;

export function machineProblems(h: StateFields): MachineProblem[] {
  const out: MachineProblem[] = [];
  if (h.pendingHostKey) {
    out.push({
      kind: 'host-key-changed',
      label: 'Host key changed',
      reason: 'Its SSH host key changed: Patchwell refuses to connect until the new key is accepted or investigated',
    });
  }
  if (h.pendingWinrmCert) {
    out.push({
      kind: 'host-key-changed',
      label: 'Certificate changed',
      reason: 'Its WinRM certificate changed: Patchwell refuses to connect until the new certificate is accepted or investigated',
    });
  }
  if (h.reachability === 'down') {
    // The assessment that saw it stop answering says at which step; a plain check only knows it got no answer.
    const said = h.lastError?.message;
    out.push({ kind: 'unreachable', label: 'Not answering', reason: said && isSilenceMessage(said) ? said : 'It did not answer the last check' });
  }
  if (h.health && !h.health.ok) {
    out.push({
      kind: 'package-manager',
      label: 'Package manager broken',
      reason: `Its package manager is not healthy (${h.health.problems.join('; ') || 'no details'})`,
    });
  }
  return out;
}

/** dpkg left part-way is what `dpkg --configure -a` finishes; other platforms' problems need a person. */
export function canRepairDpkg(h: Pick<Host, 'platform' | 'health' | 'pendingHostKey' | 'transport'>): boolean {
  return h.platform === 'debian' && h.transport === 'ssh' && h.health !== null && !h.health.ok && !h.pendingHostKey;
}
