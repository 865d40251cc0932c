import { spawn } from 'node:child_process';
import { LabError } from './types.js';

export type Log = (line: string) => void;

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Lines of output go here as they come (builds take minutes; show progress). */
  log?: Log;
  /** Resolve with the exit code instead of throwing on failure. */
  allowFail?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function tail(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a program without a shell; failures carry the command and the tail of its output. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let pending = '';
    const onData = (chunk: Buffer): void => {
      if (!opts.log) return;
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) opts.log(`  ${line}`);
    };
    child.stdout.on('data', (c: Buffer) => { out.push(c); onData(c); });
    child.stderr.on('data', (c: Buffer) => { err.push(c); onData(c); });
    child.on('error', (e) => reject(new LabError(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const result = { code: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (result.code !== 0 && !opts.allowFail) {
        const why = signal ? `signal ${signal}` : `exit code ${result.code}`;
        reject(new LabError(`${cmd} ${args.join(' ')} failed (${why}):\n${tail(result.stderr + result.stdout)}`));
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => { /* the child may exit before reading its input; its exit code tells */ });
    child.stdin.end(opts.input ?? '');
  });
}

/** Quotes a value for /bin/sh; the generated scripts never interpolate unquoted paths. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
