import { afterEach, describe, expect, it } from 'vitest';
import { onAnyEvent, setTransport, webSocketUrl } from './client';

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
    listeners.forEach((fn) => fn('machines/deleted-everything', {}));
    off();
    listeners.forEach((fn) => fn('deploy/changed', { deploymentId: 2 }));
    expect(got).toEqual([['deploy/changed', { deploymentId: 1 }]]);
    expect(listeners.size).toBe(0);
  });
});

describe('webSocketUrl', () => {
  it('connects next to the page, where the headless host sends its session cookie', () => {
    expect(webSocketUrl('http://127.0.0.1:8765/p/0a1b/')).toBe('ws://127.0.0.1:8765/p/0a1b/ws');
    expect(webSocketUrl('http://127.0.0.1:8765/p/0a1b/index.html?x=1#top')).toBe('ws://127.0.0.1:8765/p/0a1b/ws');
    expect(webSocketUrl('https://localhost:9000/')).toBe('wss://localhost:9000/ws');
  });
});
