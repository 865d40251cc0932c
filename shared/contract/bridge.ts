import type { WireError } from './errors';

/** What a bridge call settles with: errors travel as data because IPC drops an Error's own fields. */
export type BridgeResult = { ok: true; value: unknown } | { ok: false; error: WireError };

/**
 * The one object the preload exposes on `window.patchwell`. Untyped at this layer on purpose: the
 * renderer's client adds the contract's types, and the core validates every payload.
 */
export interface PatchwellBridge {
  invoke(name: string, arg: unknown): Promise<BridgeResult>;
  /** Subscribes to push events; returns the unsubscribe function. */
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
}

/** IPC channel names, shared by main and preload so they are written once. */
export const IPC_CALL = 'patchwell:call';
export const IPC_EVENT = 'patchwell:event';
