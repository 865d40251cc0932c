/** A counting semaphore: the global cap on concurrent SSH connections across every job. */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private inUse = 0;

  constructor(private readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.inUse >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          this.waiting = this.waiting.filter((w) => w !== grant);
          reject(signal!.reason ?? new Error('aborted'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(grant);
      });
    } else {
      this.inUse++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // A waiter takes over the slot directly, so the count never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.inUse--;
    };
  }

  get active(): number {
    return this.inUse;
  }
}
