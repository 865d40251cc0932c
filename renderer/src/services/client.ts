/**
 * The one client for the core, typed from the contract. It uses the preload's bridge inside Electron and a
 * WebSocket to the headless host in a browser; callers cannot tell which.
 */
import {
  AppError,
  isEventName,
  serverMessage,
  type BridgeResult,
  type CallArg,
  type CallName,
  type CallResult,
  type EventName,
  type PatchwellBridge,
  type RequestMessage,
} from '../../../shared/contract';
import { Correlator, unwrap } from '../../../shared/correlator';

type Listener = (name: string, payload: unknown) => void;
export type ConnectionState = 'connecting' | 'open' | 'closed';

interface Transport {
  invoke(name: string, arg: unknown): Promise<BridgeResult>;
  onEvent(listener: Listener): () => void;
  onState(listener: (s: ConnectionState) => void): () => void;
}

function preloadTransport(bridge: PatchwellBridge): Transport {
  return { invoke: bridge.invoke, onEvent: bridge.onEvent, onState: (fn) => (fn('open'), () => undefined) };
}

/** A WebSocket transport that reconnects with backoff and fails in-flight calls when the link drops. */
export function webSocketTransport(url: string): Transport {
  let ws: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let retry = 0;
  const calls = new Correlator({ peer: 'Patchwell' });
  const queue: string[] = [];
  const eventListeners = new Set<Listener>();
  const stateListeners = new Set<(s: ConnectionState) => void>();

  const setState = (s: ConnectionState): void => {
    state = s;
    for (const fn of stateListeners) fn(s);
  };

  const connect = (): void => {
    setState('connecting');
    ws = new WebSocket(url);
    ws.onopen = () => {
      retry = 0;
      setState('open');
      for (const text of queue.splice(0)) ws!.send(text);
    };
    ws.onmessage = (e: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      const msg = serverMessage.safeParse(data);
      if (!msg.success) return;
      if (msg.data.type === 'event') {
        for (const fn of eventListeners) fn(msg.data.name, msg.data.payload);
        return;
      }
      calls.answer(msg.data);
    };
    ws.onclose = () => {
      calls.failAll({ name: 'Disconnected', message: 'Lost the connection to Patchwell', code: 'unavailable' });
      setState('closed');
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 250 * 2 ** retry);
    };
  };
  connect();

  return {
    invoke(name, arg) {
      return calls.request((id) => {
        const text = JSON.stringify({ type: 'call', id, name, arg } satisfies RequestMessage);
        if (state === 'open' && ws) ws.send(text);
        else queue.push(text);
      }).result;
    },
    onEvent(fn) {
      eventListeners.add(fn);
      return () => eventListeners.delete(fn);
    },
    onState(fn) {
      stateListeners.add(fn);
      fn(state);
      return () => stateListeners.delete(fn);
    },
  };
}

let transport: Transport | null = null;

function getTransport(): Transport {
  if (transport) return transport;
  const bridge = (window as unknown as { patchwell?: PatchwellBridge }).patchwell;
  transport = bridge
    ? preloadTransport(bridge)
    : webSocketTransport(webSocketUrl(location.href));
  return transport;
}

/**
 * The headless host's WebSocket, next to the page: the host serves the app under a path made at each start,
 * and its session cookie is sent only there (electron/host/server.ts).
 */
export function webSocketUrl(pageUrl: string): string {
  const url = new URL('ws', pageUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.href;
}

/** For tests: swap the transport. */
export function setTransport(t: Transport | null): void {
  transport = t;
}

/** Calls the core. Rejects with an {@link AppError} carrying the core's code and field messages. */
export async function invoke<K extends CallName>(
  name: K,
  ...arg: CallArg<K> extends undefined ? [] : [CallArg<K>]
): Promise<CallResult<K>> {
  // The core checked the argument against this call's schema and answers with that call's result.
  return unwrap(await getTransport().invoke(name, arg[0])) as CallResult<K>;
}

/**
 * Subscribes to every push event with one listener; returns the unsubscribe. Only the stores' event router
 * (stores/events.ts) uses it, so what each event refreshes is written in one table. Names the contract does
 * not declare are dropped here.
 */
export function onAnyEvent(fn: (name: EventName, payload: unknown) => void): () => void {
  return getTransport().onEvent((n, payload) => {
    if (isEventName(n)) fn(n, payload);
  });
}

export function onConnectionState(fn: (s: ConnectionState) => void): () => void {
  return getTransport().onState(fn);
}

export { AppError };
