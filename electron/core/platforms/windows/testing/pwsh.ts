/**
 * PowerShell 7 for the tests that execute Patchwell's Windows scripts: found on PATH or in ~/.dotnet/tools, and
 * one long-lived pwsh per test process (standins/host.ps1) that runs each command in a fresh runspace, so a
 * script costs a runspace rather than a PowerShell start-up. A missing PowerShell fails those tests with the
 * one command that installs it: they must not pass quietly on a machine that cannot run them.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PWSH_VERSION = '7.6.10';
export const PWSH_NEEDED = `PowerShell ${PWSH_VERSION} is needed: dotnet tool install --global PowerShell --version ${PWSH_VERSION}`;

/** The pwsh to run, on PATH or where `dotnet tool install --global` puts it; throws PWSH_NEEDED when there is none. */
export function findPwsh(searchPath = process.env.PATH ?? '', home = os.homedir()): string {
  const onPath = searchPath.split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'pwsh'));
  const file = [...onPath, path.join(home, '.dotnet', 'tools', 'pwsh')].find((f) => fs.existsSync(f));
  if (!file) throw new Error(PWSH_NEEDED);
  return file;
}

export interface PwshRequest {
  /** The -EncodedCommand argument Patchwell sent (base64 of UTF-16LE). */
  encoded: string;
  stdin: string;
  env: Record<string, string>;
}

export interface PwshReply {
  /** Decoded as UTF-8, as Patchwell's clients decode a Windows command's output. */
  stdout: string;
  stderr: string;
  exitCode: number;
}

interface Host {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncLineQueue;
  version: Promise<void>;
}

/** Lines from a stream, handed out in order to whoever waits. */
class AsyncLineQueue {
  private buffer = '';
  private readonly ready: string[] = [];
  private readonly waiting: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  private ended: Error | undefined;

  push(chunk: string): void {
    this.buffer += chunk;
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 1);
      const w = this.waiting.shift();
      if (w) w.resolve(line);
      else this.ready.push(line);
    }
  }

  end(error: Error): void {
    this.ended = error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }

  next(): Promise<string> {
    const line = this.ready.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

let host: Host | undefined;
let queue: Promise<unknown> = Promise.resolve();

function startHost(): Host {
  const child = spawn(findPwsh(), ['-NoProfile', '-NonInteractive', '-File', path.join(path.dirname(fileURLToPath(import.meta.url)), 'standins', 'host.ps1')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off', DOTNET_CLI_TELEMETRY_OPTOUT: '1', NO_COLOR: '1' },
  });
  const lines = new AsyncLineQueue();
  let stderr = '';
  child.stdout.setEncoding('ascii').on('data', (c: string) => lines.push(c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c).slice(-4000));
  child.on('exit', (code) => {
    lines.end(new Error(`The PowerShell host exited (${code}): ${stderr.slice(-2000)}`));
    if (host?.child === child) host = undefined;
  });
  child.on('error', (e) => lines.end(e));
  // The host must not keep a test process alive on its own (its pipes are sockets, which unref too).
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
  const version = lines.next().then((l) => {
    const v = (JSON.parse(l) as { version: string }).version;
    if (v !== PWSH_VERSION) throw new Error(`${PWSH_NEEDED} (found PowerShell ${v})`);
  });
  return { child, lines, version };
}

/** Runs one command in the shared host; requests are served one at a time. */
export function runInPwsh(req: PwshRequest): Promise<PwshReply> {
  const run = async (): Promise<PwshReply> => {
    host ??= startHost();
    const h = host;
    await h.version;
    h.child.stdin.write(`${JSON.stringify(req)}\n`);
    const reply = JSON.parse(await h.lines.next()) as { stdout: string; stderr: string; exitCode: number };
    return { stdout: Buffer.from(reply.stdout, 'base64').toString('utf8'), stderr: reply.stderr, exitCode: reply.exitCode };
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}
