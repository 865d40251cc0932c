/**
 * Small helpers shared by the platform modules for running commands through a `Remote`.
 */
import { proxyEnv } from './package-proxy';
import { assertCompleteOutput, RemoteCommandError, type ExecOptions, type ExecResult, type Remote } from './remote';

/**
 * The environment every platform command runs with: C locale so parsers see untranslated English, UTC so dates
 * printed without a zone are UTC (dnf 4's `updateinfo info` prints "Updated: 2024-10-07 06:00:00" in the
 * machine's local time), and the Debian knobs that keep apt/dpkg/needrestart from ever prompting. (ExecOptions.env
 * is typed as a complete record, so all allowlisted names are set; the Debian ones are inert elsewhere.)
 */
export const COMMAND_ENV: NonNullable<ExecOptions['env']> = {
  LC_ALL: 'C',
  LANG: 'C',
  TZ: 'UTC',
  DEBIAN_FRONTEND: 'noninteractive',
  APT_LISTCHANGES_FRONTEND: 'none',
  // "l" = list only: an upgrade must not restart services behind the operator's back.
  NEEDRESTART_MODE: 'l',
};

export interface RunOptions extends Omit<ExecOptions, 'env'> {
  /** Exit codes that mean success for this command (dnf check-update uses 100 for "updates available"). */
  okCodes?: readonly number[];
  /** The command downloads packages or lists: give it the office cache when the job lends one (package-proxy.ts). */
  proxy?: boolean;
}

/**
 * Runs argv with the C locale and throws RemoteCommandError unless the exit code is allowed, and
 * TruncatedOutputError when the output was cut (every parser reads what this returns).
 */
export async function run(remote: Remote, argv: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  const { okCodes = [0], proxy, ...rest } = options;
  const result = await remote.exec(argv, { ...rest, env: proxy ? { ...COMMAND_ENV, ...proxyEnv(remote) } : COMMAND_ENV });
  if (result.timedOut || result.code === null || !okCodes.includes(result.code)) {
    throw new RemoteCommandError(argv.join(' '), result);
  }
  assertCompleteOutput(argv.join(' '), remote.label, result);
  return result;
}

/** Runs a constant script; `name` is used in error messages (scripts start with a "# patchwell:<name>" line). */
export async function runScript(
  remote: Remote,
  name: string,
  text: string,
  args: readonly string[] = [],
  options: RunOptions = {},
): Promise<ExecResult> {
  const { okCodes = [0], proxy, ...rest } = options;
  const result = await remote.script(text, args, { ...rest, env: proxy ? { ...COMMAND_ENV, ...proxyEnv(remote) } : COMMAND_ENV });
  if (result.timedOut || result.code === null || !okCodes.includes(result.code)) {
    throw new RemoteCommandError(`script ${name}`, result);
  }
  assertCompleteOutput(`script ${name}`, remote.label, result);
  return result;
}

/** Splits a script's output into sections introduced by "@@name" lines. */
export function splitSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^@@([a-z0-9-]+)$/.exec(line);
    if (m?.[1]) {
      if (name !== null) out.set(name, lines.join('\n'));
      name = m[1];
      lines = [];
    } else if (name !== null) {
      lines.push(line);
    }
  }
  if (name !== null) out.set(name, lines.join('\n'));
  return out;
}


export function errorMessage(e: unknown): string {
  if (e instanceof RemoteCommandError) {
    const tail = e.stderrTail.trim();
    return tail ? `${e.message}: ${tail.split('\n').slice(-3).join(' / ')}` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
