/**
 * A `Remote` that runs commands on this machine, for opt-in tests against the real apt/dpkg of the machine the
 * tests run on (a Debian host). Never used by the app: hosts are reached through the SSH transport.
 */
import { spawn } from 'node:child_process';
import type { ExecOptions, ExecResult, Remote } from './remote';

function runLocal(argv: readonly string[], stdin: string | undefined, options: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = options.sudo && process.getuid?.() !== 0 ? ['sudo', '-n', ...argv] : argv;
  return new Promise((resolve) => {
    const child = spawn(cmd ?? 'false', args, { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 600_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${e.message}`, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, stdout, stderr, timedOut });
    });
    child.stdin.end(stdin ?? options.stdin ?? '');
  });
}

export class LocalRemote implements Remote {
  readonly label = 'localhost';
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return runLocal(argv, undefined, options);
  }
  script(text: string, args: readonly string[] = [], options?: ExecOptions): Promise<ExecResult> {
    return runLocal(['sh', '-s', '--', ...args], text, options);
  }
}
