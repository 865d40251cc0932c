import { describe, expect, it } from 'vitest';
import { AppError, type BridgeResult } from './contract';
import { Correlator, unwrap, type Clock } from './correlator';

/** A clock that only moves when told to. */
function manualClock(): Clock & { advance(ms: number): void; timers(): number } {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
    timers: () => timers.size,
  };
}

/** Whether a promise has settled yet, without waiting on time. */
async function settled<T>(p: Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  const marker = Symbol('pending');
  const value = await Promise.race([p, Promise.resolve(marker)]);
  return value === marker ? { done: false } : { done: true, value: value as T };
}

describe('Correlator', () => {
  it('sends each request under a fresh id and settles each with the answer of the same id, in any order', async () => {
    const c = new Correlator();
    const sent: number[] = [];
    const a = c.request((id) => sent.push(id));
    const b = c.request((id) => sent.push(id));
    expect(sent).toEqual([a.id, b.id]);
    expect(a.id).not.toBe(b.id);
    expect(c.answer({ id: b.id, ok: true, value: 'second' })).toBe(true);
    expect(c.answer({ id: a.id, ok: true, value: 'first' })).toBe(true);
    expect(await a.result).toEqual({ ok: true, value: 'first' });
    expect(await b.result).toEqual({ ok: true, value: 'second' });
    expect(c.pending).toBe(0);
  });

  it('ignores answers nobody waits for: unknown ids, and a second answer to the same id', async () => {
    const c = new Correlator();
    const a = c.request(() => undefined);
    expect(c.answer({ id: a.id + 100, ok: true, value: 'stray' })).toBe(false);
    expect(await settled(a.result)).toEqual({ done: false });
    expect(c.answer({ id: a.id, ok: true, value: 1 })).toBe(true);
    expect(c.answer({ id: a.id, ok: true, value: 2 })).toBe(false);
    expect(await a.result).toEqual({ ok: true, value: 1 });
  });

  it('rebuilds an error as {name, message, code} (and fields), dropping anything else it carried', async () => {
    const c = new Correlator();
    const a = c.request(() => undefined);
    c.answer({ id: a.id, ok: false, error: { name: 'AppError', message: 'No such machine', code: 'not-found', stack: 'at secret.ts:1', extra: 1 } });
    expect(await a.result).toEqual({ ok: false, error: { name: 'AppError', message: 'No such machine', code: 'not-found' } });

    const b = c.request(() => undefined);
    c.answer({ id: b.id, ok: false, error: { name: 'AppError', message: 'Bad', code: 'bad-request', fields: { address: 'Not an address' } } });
    const r = await b.result;
    expect(r).toEqual({ ok: false, error: { name: 'AppError', message: 'Bad', code: 'bad-request', fields: { address: 'Not an address' } } });
    expect(() => unwrap(r)).toThrow(AppError);
    expect(() => unwrap(r)).toThrow(expect.objectContaining({ code: 'bad-request', fields: { address: 'Not an address' } }));

    const m = c.request(() => undefined);
    c.answer({ id: m.id, ok: false, error: 'just a string' });
    expect(await m.result).toMatchObject({ ok: false, error: { code: 'internal', message: 'The core sent a malformed error' } });
  });

  it('call() resolves with the value or rejects with the rebuilt AppError', async () => {
    const c = new Correlator();
    let id = 0;
    const ok = c.call((i) => (id = i));
    c.answer({ id, ok: true, value: 42 });
    expect(await ok).toBe(42);
    const bad = c.call((i) => (id = i));
    c.answer({ id, ok: false, error: { name: 'AppError', message: 'Locked', code: 'conflict' } });
    await expect(bad).rejects.toMatchObject({ name: 'AppError', message: 'Locked', code: 'conflict' });
  });

  it('times out on the injected clock, and a late answer is then ignored', async () => {
    const clock = manualClock();
    const c = new Correlator({ clock, timeoutMs: 1000, peer: 'the core' });
    const a = c.request(() => undefined);
    const b = c.request(() => undefined, { timeoutMs: 5000 });
    clock.advance(999);
    expect(await settled(a.result)).toEqual({ done: false });
    clock.advance(1);
    expect(await a.result).toEqual({ ok: false, error: { name: 'Timeout', message: 'No answer from the core within 1000 ms', code: 'unavailable' } });
    expect(c.answer({ id: a.id, ok: true, value: 'late' })).toBe(false);
    // The other request keeps its own, longer timeout, and answering it clears its timer.
    expect(await settled(b.result)).toEqual({ done: false });
    c.answer({ id: b.id, ok: true, value: 'in time' });
    expect(clock.timers()).toBe(0);
    expect(await b.result).toEqual({ ok: true, value: 'in time' });
  });

  it('waits without a timer when no timeout is set', async () => {
    const clock = manualClock();
    const c = new Correlator({ clock });
    const a = c.request(() => undefined);
    expect(clock.timers()).toBe(0);
    clock.advance(10 ** 9);
    expect(await settled(a.result)).toEqual({ done: false });
  });

  it('cancels one request explicitly, and fails every waiting request when the link drops', async () => {
    const clock = manualClock();
    const c = new Correlator({ clock, timeoutMs: 1000 });
    const a = c.request(() => undefined);
    const b = c.request(() => undefined);
    const d = c.request(() => undefined);
    expect(c.cancel(a.id)).toBe(true);
    expect(c.cancel(a.id)).toBe(false);
    expect(await a.result).toEqual({ ok: false, error: { name: 'Cancelled', message: 'The request was cancelled', code: 'cancelled' } });
    const dropped = { name: 'Disconnected', message: 'Lost the connection', code: 'unavailable' } as const;
    c.failAll(dropped);
    const results: BridgeResult[] = [await b.result, await d.result];
    expect(results).toEqual([{ ok: false, error: dropped }, { ok: false, error: dropped }]);
    expect(c.pending).toBe(0);
    expect(clock.timers()).toBe(0);
  });

  it('settles a request whose send throws, as an error rather than a hang', async () => {
    const c = new Correlator();
    const a = c.request(() => {
      throw new Error('port closed');
    });
    expect(await a.result).toEqual({ ok: false, error: { name: 'InternalError', message: 'port closed', code: 'internal' } });
    expect(c.pending).toBe(0);
  });
});
