/**
 * A Chromium started before the user asks for a report: the Reports page asks for one when it opens
 * ('reports/prepare'), and the next report takes it over, so the executive summary's print is only the print
 * (Chromium's own start-up, about 2 s here, is otherwise the floor of "summary ready"). One process at most; it is
 * closed when nobody took it within `idleMs`, and when the core shuts down. A report finding none here (never
 * prepared, taken by another report, closed, or dead) starts its own, as without the holder.
 */
import { endChromium, launchChromium, openPage, type LaunchedChromium, type OpenedPage } from './chromium-launch';

/** A Chromium started ahead, with a page made ready in it for the report's first print (null if that failed). */
export interface WarmBrowser extends LaunchedChromium {
  readonly opened: Promise<OpenedPage | null>;
}

/** The timer the idle close runs on: tests pass their own and fire it, so no test waits for real time. */
export interface IdleTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: IdleTimers = {
  // Unref'd: a warm Chromium never keeps the process from exiting on its own.
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Long enough to pick a period and click Generate; short enough that an open, unused page does not hold ~100 MB. */
export const WARM_IDLE_MS = 120_000;

export interface WarmChromiumOptions {
  idleMs?: number;
  timers?: IdleTimers;
  /** How a Chromium is started (tests count starts); default launchChromium. */
  launch?: (binary: string) => LaunchedChromium;
}

export class WarmChromium {
  private held: WarmBrowser | null = null;
  private idle: unknown = null;
  private closed = false;
  private readonly idleMs: number;
  private readonly timers: IdleTimers;
  private readonly launch: (binary: string) => LaunchedChromium;

  constructor(o: WarmChromiumOptions = {}) {
    this.idleMs = o.idleMs ?? WARM_IDLE_MS;
    this.timers = o.timers ?? realTimers;
    this.launch = o.launch ?? launchChromium;
  }

  /**
   * Has a Chromium of `binary` started (or starting) and ready to be taken, and counts the idle time afresh.
   * Returns false once the holder is closed (the core shutting down).
   */
  prepare(binary: string): boolean {
    if (this.closed) return false;
    if (this.held && (!this.held.pipe.alive || this.held.binary !== binary)) this.drop();
    if (!this.held) {
      const launched = this.launch(binary);
      // The page too: opening one (its renderer, attaching, page events) is a few tenths of a second at print time.
      const c: WarmBrowser = { ...launched, opened: openPage(launched.pipe).catch(() => null) };
      this.held = c;
      // One that dies while held is forgotten, so the next report starts its own instead of printing in a dead one.
      void c.pipe.exited.then(() => {
        if (this.held === c) {
          this.held = null;
          this.stopIdle();
        }
      });
    }
    this.stopIdle();
    this.idle = this.timers.set(() => {
      this.idle = null;
      this.drop();
    }, this.idleMs);
    return true;
  }

  /** Hands the held Chromium of `binary` over to a report, which ends it; null when there is none alive. */
  take(binary: string): WarmBrowser | null {
    const c = this.held;
    if (!c || c.binary !== binary || !c.pipe.alive) return null;
    this.held = null;
    this.stopIdle();
    return c;
  }

  /** The Chromium held now, for the bench's memory figure and tests; null when none. */
  get current(): WarmBrowser | null {
    return this.held;
  }

  /** Ends the held Chromium (if any) and refuses to start another: the core is shutting down. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopIdle();
    const c = this.held;
    this.held = null;
    if (c) await endChromium(c);
  }

  private drop(): void {
    const c = this.held;
    this.held = null;
    this.stopIdle();
    // Nothing waits on it: a profile folder that cannot be removed is left to the system's temporary-file cleaning.
    if (c) endChromium(c).catch(() => undefined);
  }

  private stopIdle(): void {
    if (this.idle !== null) this.timers.clear(this.idle);
    this.idle = null;
  }
}
