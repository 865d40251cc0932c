/**
 * Matches answers to requests by id, for every bridge that sends a request one way and reads its answer
 * from a stream of messages (main ↔ utility process, renderer ↔ headless host, core → main for PDFs).
 * Pure: no Node or Electron, so the renderer uses it too; the clock is injected so timeouts are testable.
 */
import { fromWireError, toWireError, type BridgeResult, type WireError } from './contract';

/** setTimeout/clearTimeout, or a test's manual clock. */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

export interface CorrelatorOptions {
  clock?: Clock;
  /** Default time an answer may take (ms); absent: requests wait until answered, cancelled or failed. */
  timeoutMs?: number;
  /** Names the other side in timeout messages ("the Patchwell core"). */
  peer?: string;
}

/** An answer as it arrives: `error` is whatever the other side sent, checked before it is trusted. */
export type Answer = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: unknown };

interface Waiting {
  resolve(result: BridgeResult): void;
  timer: unknown;
}

export class Correlator {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly clock: Clock;

  constructor(private readonly options: CorrelatorOptions = {}) {
    this.clock = options.clock ?? realClock;
  }

  /** Requests still waiting for their answer. */
  get pending(): number {
    return this.waiting.size;
  }

  /**
   * Sends a request under a fresh id and settles with its answer. Never rejects: a failure to send, a
   * timeout or a dropped link settle as `{ok: false, error}` like an error the other side sent.
   */
  request(send: (id: number) => void, options: { timeoutMs?: number } = {}): { id: number; result: Promise<BridgeResult> } {
    const id = this.nextId++;
    const result = new Promise<BridgeResult>((resolve) => {
      const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
      const timer = timeoutMs === undefined ? null : this.clock.setTimeout(() => {
        this.settle(id, { ok: false, error: { name: 'Timeout', message: `No answer from ${this.options.peer ?? 'the other side'} within ${timeoutMs} ms`, code: 'unavailable' } });
      }, timeoutMs);
      this.waiting.set(id, { resolve, timer });
    });
    try {
      send(id);
    } catch (err) {
      this.settle(id, { ok: false, error: toWireError(err) });
    }
    return { id, result };
  }

  /** The same, for callers that want a rejection: the error is rebuilt as an AppError with its code. */
  async call(send: (id: number) => void, options: { timeoutMs?: number } = {}): Promise<unknown> {
    return unwrap(await this.request(send, options).result);
  }

  /** Settles the request an answer belongs to. Returns false for an id nobody waits for (late, duplicate, forged). */
  answer(a: Answer): boolean {
    if (a.ok) return this.settle(a.id, { ok: true, value: a.value });
    // The error is rebuilt field by field, so only {name, message, code, fields} ever reaches the caller.
    const { name, message, code, fields } = fromWireError(a.error);
    return this.settle(a.id, { ok: false, error: { name, message, code, ...(fields ? { fields } : {}) } });
  }

  /** Gives up on one request (the caller no longer wants it); its answer, if it comes, is ignored. */
  cancel(id: number, error: WireError = { name: 'Cancelled', message: 'The request was cancelled', code: 'cancelled' }): boolean {
    return this.settle(id, { ok: false, error });
  }

  /** Settles every waiting request with one error: the link dropped or the other side exited. */
  failAll(error: WireError): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, { ok: false, error });
  }

  private settle(id: number, result: BridgeResult): boolean {
    const w = this.waiting.get(id);
    if (!w) return false;
    this.waiting.delete(id);
    if (w.timer !== null) this.clock.clearTimeout(w.timer);
    w.resolve(result);
    return true;
  }
}

/** A bridge result's value, or its error rebuilt as an AppError (name, message, code and fields kept). */
export function unwrap(result: BridgeResult): unknown {
  if (!result.ok) throw fromWireError(result.error);
  return result.value;
}
