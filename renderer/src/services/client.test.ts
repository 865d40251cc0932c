import { afterEach, describe, expect, it } from 'vitest';
import { onAnyEvent, setTransport } from './client';

afterEach(() => setTransport(null));

describe('onAnyEvent', () => {
  it('passes on the events the contract declares, drops other names, and stops when unsubscribed', () => {
    const listeners = new Set<(name: string, payload: unknown) => void>();
    setTransport({
      invoke: async () => ({ ok: true, value: null }),
      onEvent: (fn) => (listeners.add(fn), () => listeners.delete(fn)),
      onState: () => () => undefined,
    });
    const got: [string, unknown][] = [];
    const off = onAnyEvent((name, payload) => got.push([name, payload]));
    listeners.forEach((fn) => fn('deploy/changed', { deploymentId: 1 }));
    listeners.forEach((fn) => fn('hosts/deleted-everything', {}));
    off();
    listeners.forEach((fn) => fn('deploy/changed', { deploymentId: 2 }));
    expect(got).toEqual([['deploy/changed', { deploymentId: 1 }]]);
    expect(listeners.size).toBe(0);
  });
});
