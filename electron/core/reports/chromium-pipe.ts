/**
 * One headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages ended
 * by NUL on file descriptors 3 and 4; no port is opened). A report starts it once and prints both its PDFs in it,
 * so Chromium's own start-up (seconds on a busy machine) is paid once, overlapped with the summary's collection,
 * instead of once per PDF.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

interface Pending {
  resolve: (result: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

type Listener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

export class ChromiumPipe {
  private readonly child: ChildProcess;
  private readonly toChromium: Writable;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private buffered = '';
  private stderr = '';
  /** Set once Chromium is gone: every call after fails with it. */
  private gone: Error | null = null;
  readonly exited: Promise<void>;
  /** The browser process's id (undefined when it could not start): its memory is read from /proc by the bench. */
  readonly pid: number | undefined;

  constructor(binary: string, args: readonly string[]) {
    // In a process group of its own (POSIX), so its helpers (zygotes, renderers) can be ended with it: a browser
    // killed from outside leaves them running for a moment, writing into a profile folder being removed.
    const group = process.platform !== 'win32';
    this.child = spawn(binary, [...args, '--remote-debugging-pipe'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: group });
    this.pid = this.child.pid;
    this.toChromium = this.child.stdio[3] as Writable;
    const fromChromium = this.child.stdio[4] as Readable;
    fromChromium.setEncoding('utf8');
    fromChromium.on('data', (chunk: string) => this.receive(chunk));
    this.child.stderr?.setEncoding('utf8');
    // Only its tail is kept, for the error a failed print reports.
    this.child.stderr?.on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-2000)));
    // A write to a Chromium that just exited fails here; the exit itself fails what is pending.
    this.toChromium.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      const end = (why: string): void => {
        this.gone ??= new Error(`Chromium ${why}${this.stderrTail()}`);
        for (const p of this.pending.values()) p.reject(this.gone);
        this.pending.clear();
        resolve();
      };
      this.child.on('error', (e) => end(`could not start: ${e.message}`));
      this.child.on('exit', (code, sig) => {
        if (group && this.pid !== undefined) {
          try {
            process.kill(-this.pid, 'SIGKILL');
          } catch {
            // None left: the usual case after a clean exit.
          }
        }
        end(`stopped (${sig ?? `exit ${code}`})`);
      });
    });
  }

  private stderrTail(): string {
    const lines = this.stderr.trim().split('\n').filter(Boolean).slice(-2);
    return lines.length ? ` — ${lines.join(' ')}` : '';
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\0')) >= 0) {
      const text = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      const msg = JSON.parse(text) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`Chromium: ${msg.error.message}`));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method) {
        for (const l of this.listeners.get(msg.method) ?? []) l(msg.params ?? {}, msg.sessionId);
      }
    }
  }

  /** False once Chromium has exited (or never started); a signal it has not reported yet still counts as alive. */
  get alive(): boolean {
    return this.gone === null;
  }

  /** Sends one command (to a page when `sessionId` is given) and resolves with its result. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.toChromium.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** Calls `listener` for each event named `method` until the returned function is called. */
  on(method: string, listener: Listener): () => void {
    const set = this.listeners.get(method) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(method, set);
    return () => set.delete(listener);
  }

  /** Ends Chromium: politely first, then by signal if it lingers. */
  async close(): Promise<void> {
    if (!this.gone) {
      this.send('Browser.close').catch(() => undefined);
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}
