/**
 * What a platform module may do on a machine. Transports (SSH, WinRM) implement it; platform modules only
 * ever pass argv arrays or constant scripts, so no command line is built from untrusted text.
 */

export interface ExecResult {
  /** Exit code, or null when the command was killed by a signal or timed out. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the command exceeded its timeout and was abandoned. */
  timedOut: boolean;
  /**
   * True when stdout or stderr went past the transport's output cap and was cut: the text here is not all the
   * command printed, and a parser must not read it as a complete answer (see {@link assertCompleteOutput}).
   */
  truncated?: boolean;
}

export interface ExecOptions {
  /** Run as root through sudo (`-n` when passwordless; the password goes on stdin, never in argv or env). */
  sudo?: boolean;
  /** Data for the command's standard input. */
  stdin?: string;
  /** Abandon the command after this long (default set by the transport). */
  timeoutMs?: number;
  /** Extra environment for the command, names from a fixed allowlist (LC_ALL, TZ, DEBIAN_FRONTEND, …). */
  env?: Readonly<Partial<Record<'LC_ALL' | 'LANG' | 'TZ' | 'DEBIAN_FRONTEND' | 'APT_LISTCHANGES_FRONTEND' | 'NEEDRESTART_MODE' | 'http_proxy' | 'https_proxy', string>>>;
}

export interface Remote {
  /** The address, for messages. */
  readonly label: string;
  /**
   * The office cache as this machine sees it (http://127.0.0.1:<port>, the SSH session's reverse forward) while
   * the job lends it; absent otherwise. Platform modules add it to package-manager commands only (package-proxy.ts).
   */
  readonly proxyUrl?: string;
  /**
   * Runs one program with arguments. Each argument is quoted for a POSIX shell by the transport; callers
   * still validate package names and versions before passing them (see validate.ts).
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Runs a constant script from our own code with `sh -s`, passing `args` as positional parameters
   * ($1, $2…), never by pasting them into the script text.
   */
  script(text: string, args?: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/** A failed remote command, with what the user needs to act on it. */
export class RemoteCommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
    message?: string,
  ) {
    super(message ?? `${command} failed${result.timedOut ? ' (timed out)' : ` with exit code ${result.code}`}`);
    this.name = 'RemoteCommandError';
  }

  /** The last lines of standard error, bounded. */
  get stderrTail(): string {
    return tail(this.result.stderr, 20, 4000);
  }
}

export function tail(text: string, lines: number, maxChars: number): string {
  const t = text.split('\n').slice(-lines).join('\n');
  return t.length > maxChars ? t.slice(-maxChars) : t;
}

/** Output that was cut at the transport's cap, refused before a parser could take it for the whole answer. */
export class TruncatedOutputError extends Error {
  constructor(readonly command: string, label: string) {
    super(`The output of ${command} on ${label} was cut at the transport's size limit; Patchwell does not read cut output as a complete answer`);
    this.name = 'TruncatedOutputError';
  }
}

/** Throws {@link TruncatedOutputError} when the result was cut, so a list read from it can never be short silently. */
export function assertCompleteOutput(command: string, label: string, result: ExecResult): void {
  if (result.truncated) throw new TruncatedOutputError(command, label);
}

/**
 * The connection to the machine is gone (it rebooted, lost power or network, or its sshd died): every later
 * command would fail the same way, so code that carries on past a failed command rethrows this one
 * (see {@link rethrowIfLost}) instead of turning it into one warning per remaining command.
 */
export class ConnectionLostError extends Error {
  constructor(label: string, cause: string) {
    super(`the connection to ${label} was lost (${cause})`);
    this.name = 'ConnectionLostError';
  }
}

/** For a catch that carries on after a failed command: a lost connection is not that command's failure. */
export function rethrowIfLost(e: unknown): void {
  if (e instanceof ConnectionLostError) throw e;
}
