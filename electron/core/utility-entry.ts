/**
 * Entry of Electron's utility process: the core, off the main thread, talking to main over parentPort.
 * Main relays renderer calls here and our events back; nothing here knows about Electron's APIs.
 */
import path from 'node:path';
import { requestMessage, toWireError } from '../../shared/contract';
import { createCore, defaultDataDir, type Core } from './core';

interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!port) {
  console.error('utility-entry must run in an Electron utility process');
  process.exit(1);
}

let core: Core | null = null;

port.on('message', ({ data }) => {
  if (core === null) {
    // The first message from main is the init, with the vault key unwrapped from the system keychain.
    const init = data as { type?: string; vaultKey?: string | null };
    if (init?.type !== 'init') return;
    const vaultKey = typeof init.vaultKey === 'string' ? Buffer.from(init.vaultKey, 'base64') : undefined;
    core = createCore({ dataDir: defaultDataDir(), runtime: 'electron', resourcesDir: path.join(__dirname, '../../resources'), ...(vaultKey?.length === 32 ? { vaultKey } : {}) });
    core.subscribe((e) => port.postMessage({ type: 'event', name: e.name, payload: e.payload }));
    return;
  }
  const live = core;
  if (data === 'shutdown') {
    void live.close().finally(() => process.exit(0));
    return;
  }
  const parsed = requestMessage.safeParse(data);
  if (!parsed.success) return; // main only sends well-formed requests; anything else is dropped
  const { id, name, arg } = parsed.data;
  live.call(name, arg).then(
    (value) => port.postMessage({ type: 'result', id, ok: true, value }),
    (err: unknown) => port.postMessage({ type: 'result', id, ok: false, error: toWireError(err) }),
  );
});
