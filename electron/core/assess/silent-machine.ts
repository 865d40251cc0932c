/**
 * A machine that goes silent in the middle of a job: one line saying at which step, and its row marked as not
 * answering at once, so the Machines page shows it without a "Check all". Connection failures before any
 * command (refused, no route, no SSH answer) mark it not answering the same way.
 */
import type { RemoteFailure } from '../../../shared/contract';
import { NOT_ANSWERING, stoppedAnsweringMessage } from '../../../shared/machine-state';
import type { Db } from '../db/open';
import type { EventSink } from '../event-bus';
import { recordReachability } from '../machines/machine-queries';
import { ConnectionLostError } from '../platforms/remote';
import { SshConnectError } from '../transports/ssh';

/** True when the error says the machine is not answering (as opposed to refusing us, or a command failing). */
export function isSilence(err: unknown): boolean {
  if (err instanceof ConnectionLostError) return true;
  if (!(err instanceof SshConnectError)) return false;
  // A refused connection is an answer (the machine is up, its sshd is not): that is the command's failure, not silence.
  return err.kind === 'timeout' || (err.kind === 'unreachable' && !/refused the connection/.test(err.message));
}

/**
 * For a silent machine, the failure to record (the step it went silent at) and the row updated; for any
 * other error, null and nothing done.
 */
export function recordSilence(db: Db, events: EventSink, hostId: number, step: string, err: unknown, now = Date.now()): RemoteFailure | null {
  if (!isSilence(err)) return null;
  const message = err instanceof ConnectionLostError ? stoppedAnsweringMessage(step, err.message) : `${NOT_ANSWERING}: ${(err as Error).message}`;
  recordReachability(db, hostId, false, null, now);
  events.emit('inventory/changed', { hostIds: [hostId], reason: 'reachability' });
  return { command: null, exitCode: null, stderrTail: '', message };
}
