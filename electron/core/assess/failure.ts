/** Turns any error from a remote step into what the user reads: the command, exit code and stderr tail. */
import type { RemoteFailure } from '../../../shared/contract';
import { RemoteCommandError } from '../platforms/remote';

export function toFailure(err: unknown, step: string | null = null): RemoteFailure {
  if (err instanceof RemoteCommandError) {
    return {
      command: err.command,
      exitCode: err.result.code,
      stderrTail: err.stderrTail,
      message: `${step ? `${step}: ` : ''}${err.message}`,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { command: null, exitCode: null, stderrTail: '', message: `${step ? `${step}: ` : ''}${message}` };
}
