/**
 * TCP connect sweep: for every (address, port) pair, open a socket and see what the peer's stack says.
 *
 * Plain connect() only (no raw sockets, so no privileges). Speed comes from keeping `concurrency`
 * connects in flight at all times, a precomputed probe order, and typed arrays for state.
 */
import net from 'node:net';
import { intToIpv4 } from './targets';

export const DEFAULT_PORTS: readonly number[] = [22, 5985, 5986, 445, 3389, 135, 80, 443];
/** Enough for a management sweep; keeps the state grid (addresses × ports bytes) small. */
export const MAX_PORTS = 128;

/** Per-port outcome. `abandoned` = never finished because the budget ran out or the scan was cancelled. */
export type PortState = 'open' | 'closed' | 'filtered' | 'error' | 'abandoned';

/** Numeric codes stored in the state grid; order matches PORT_STATES. */
export const STATE_ABANDONED = 0;
export const STATE_OPEN = 1;
export const STATE_CLOSED = 2;
export const STATE_FILTERED = 3;
export const STATE_ERROR = 4;
export const PORT_STATES: readonly PortState[] = ['abandoned', 'open', 'closed', 'filtered', 'error'];

/** What to sweep: random access over addresses so nothing has to be materialised up front. */
export interface AddressSource {
  /** Number of addresses. */
  count: number;
  /** The i-th address as uint32. */
  at(index: number): number;
}

export interface SweepOptions {
  ports: readonly number[];
  /** Connects in flight at once. */
  concurrency: number;
  /** Give up on one connect after this long and call it filtered. */
  probeTimeoutMs: number;
  /** Whole sweep deadline; probes not finished by then are abandoned. 0 or Infinity = none. */
  budgetMs: number;
}

/** Counts, not percentages, so the job layer can render "37 / 254 hosts". */
export interface SweepProgress {
  addressesDone: number;
  addressesTotal: number;
  /** Addresses with at least one open port so far. */
  found: number;
  probesDone: number;
  probesTotal: number;
}

/** One address's complete result, reported as soon as its last port finishes. */
export interface AddressOutcome {
  index: number;
  address: string;
  /** State per port, parallel to options.ports. */
  states: PortState[];
  /** errno codes for ports in state 'error', e.g. EHOSTUNREACH. */
  errors: Record<number, string>;
  /** When the first port answered (open or refused), epoch ms. */
  firstAnswerAt: number | null;
}

export interface SweepHooks {
  onProgress?(p: SweepProgress): void;
  onAddress?(outcome: AddressOutcome): void;
}

export interface SweepSummary {
  status: 'completed' | 'budget-exhausted' | 'cancelled';
  elapsedMs: number;
  probesTotal: number;
  probesDone: number;
  probesAbandoned: number;
  counts: Record<PortState, number>;
}

export type PortsResult = { ok: true; ports: number[] } | { ok: false; message: string };

/** Validate and de-duplicate a port list (defaults first, then user additions, order kept). */
export function validatePorts(ports: readonly (number | string)[]): PortsResult {
  const out: number[] = [];
  for (const p of ports) {
    const n = typeof p === 'number' ? p : /^\s*\d{1,5}\s*$/.test(p) ? Number(p) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535) return { ok: false, message: `port "${String(p)}" must be a whole number 1–65535` };
    if (!out.includes(n)) out.push(n);
  }
  if (out.length === 0) return { ok: false, message: 'at least one port is needed' };
  if (out.length > MAX_PORTS) return { ok: false, message: `at most ${MAX_PORTS} ports per scan` };
  return { ok: true, ports: out };
}

/**
 * Probe order: addresses are taken in windows; inside a window every address gets port 0, then every
 * address gets port 1, and so on. Consecutive connects therefore hit different hosts (no single host
 * sees a burst of 8 SYNs), while an address still finishes soon after its window starts.
 */
function windowSize(concurrency: number, total: number): number {
  return Math.max(1, Math.min(total, Math.max(64, concurrency)));
}

const REFUSED = new Set(['ECONNREFUSED']);
const FILTERED = new Set(['ETIMEDOUT']);

/** Sweep `source` × `options.ports`; resolves (never rejects) with a summary. */
export function sweep(
  source: AddressSource,
  options: SweepOptions,
  hooks: SweepHooks = {},
  signal?: AbortSignal,
): Promise<SweepSummary> {
  const ports = options.ports;
  const nPorts = ports.length;
  const nAddr = source.count;
  const total = nAddr * nPorts;
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const win = windowSize(concurrency, nAddr);
  const state = new Uint8Array(total);
  const remaining = new Uint16Array(nAddr).fill(nPorts);
  const firstAnswer = new Float64Array(nAddr);
  const errorCodes = new Map<number, string>();
  const addrText: (string | undefined)[] = [];
  const inFlight = new Set<net.Socket>();
  const started = performance.now();
  let next = 0;
  let done = 0;
  let addressesDone = 0;
  let found = 0;
  let stopped: SweepSummary['status'] | null = null;
  let lastProgress = 0;

  return new Promise<SweepSummary>((resolve) => {
    const progress = (force: boolean): void => {
      if (!hooks.onProgress) return;
      const now = performance.now();
      if (!force && now - lastProgress < 50) return;
      lastProgress = now;
      hooks.onProgress({ addressesDone, addressesTotal: nAddr, found, probesDone: done, probesTotal: total });
    };

    const emitAddress = (a: number): void => {
      addressesDone++;
      let open = false;
      const states: PortState[] = new Array<PortState>(nPorts);
      const errors: Record<number, string> = {};
      for (let p = 0; p < nPorts; p++) {
        const s = state[a * nPorts + p] as number;
        states[p] = PORT_STATES[s] as PortState;
        if (s === STATE_OPEN) open = true;
        if (s === STATE_ERROR) errors[ports[p] as number] = errorCodes.get(a * nPorts + p) ?? 'unknown';
      }
      if (open) found++;
      addrText[a] = undefined;
      const t = firstAnswer[a] as number;
      hooks.onAddress?.({ index: a, address: intToIpv4(source.at(a)), states, errors, firstAnswerAt: t > 0 ? t : null });
    };

    const finish = (status: SweepSummary['status']): void => {
      if (stopped) return;
      stopped = status;
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(budgetTimer);
      for (const s of inFlight) s.destroy();
      inFlight.clear();
      // Abandoned probes keep state 0; flush addresses that still had work outstanding so the caller
      // sees every address exactly once (unless cancelled: then the user no longer wants results).
      if (status === 'budget-exhausted') {
        for (let a = 0; a < nAddr; a++) if ((remaining[a] as number) > 0) { remaining[a] = 0; emitAddress(a); }
      }
      const counts: Record<PortState, number> = { open: 0, closed: 0, filtered: 0, error: 0, abandoned: 0 };
      for (let i = 0; i < total; i++) counts[PORT_STATES[state[i] as number] as PortState]++;
      progress(true);
      resolve({
        status,
        elapsedMs: Math.round(performance.now() - started),
        probesTotal: total,
        probesDone: done,
        probesAbandoned: total - done,
        counts,
      });
    };

    const complete = (slot: number, code: number, err: string | null): void => {
      if (stopped) return;
      state[slot] = code;
      if (err) errorCodes.set(slot, err);
      done++;
      const a = (slot / nPorts) | 0;
      if ((code === STATE_OPEN || code === STATE_CLOSED) && firstAnswer[a] === 0) firstAnswer[a] = Date.now();
      const left = (remaining[a] as number) - 1;
      remaining[a] = left;
      if (left === 0) emitAddress(a);
      if (done === total) { finish('completed'); return; }
      progress(false);
      pump();
    };

    const launch = (g: number): void => {
      // Map the global probe number to (address, port) through the windowed ordering above.
      const block = win * nPorts;
      const w = (g / block) | 0;
      const base = w * win;
      const size = Math.min(win, nAddr - base);
      const r = g - w * block;
      const p = (r / size) | 0;
      const a = base + (r - p * size);
      const slot = a * nPorts + p;
      let host = addrText[a];
      if (host === undefined) { host = intToIpv4(source.at(a)); addrText[a] = host; }
      const socket = net.connect({ host, port: ports[p] as number });
      inFlight.add(socket);
      let settled = false;
      const settle = (code: number, err: string | null): void => {
        if (settled) return;
        settled = true;
        inFlight.delete(socket);
        complete(slot, code, err);
      };
      socket.setTimeout(options.probeTimeoutMs);
      socket.once('connect', () => {
        // RST instead of FIN: the peer frees the connection at once and we leave no TIME_WAIT behind.
        socket.resetAndDestroy();
        settle(STATE_OPEN, null);
      });
      socket.once('timeout', () => {
        socket.destroy();
        settle(STATE_FILTERED, null);
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        const c = e.code ?? 'unknown';
        settle(REFUSED.has(c) ? STATE_CLOSED : FILTERED.has(c) ? STATE_FILTERED : STATE_ERROR, REFUSED.has(c) || FILTERED.has(c) ? null : c);
      });
    };

    const pump = (): void => {
      while (!stopped && inFlight.size < concurrency && next < total) launch(next++);
    };

    const onAbort = (): void => finish('cancelled');
    let budgetTimer: NodeJS.Timeout | undefined;
    if (total === 0) { finish('completed'); return; }
    if (signal?.aborted) { finish('cancelled'); return; }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (options.budgetMs > 0 && Number.isFinite(options.budgetMs)) {
      budgetTimer = setTimeout(() => finish('budget-exhausted'), options.budgetMs);
    }
    progress(true);
    pump();
  });
}
