/**
 * Entry of Electron's utility process: the core, off the main thread, talking to main over parentPort.
 * Main relays renderer calls here and our events back; nothing here knows about Electron's APIs.
 */
import { requestMessage, toWireError } from '../../shared/contract';
import { createCore, defaultDataDir } from './core';

interface ParentPortLike {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!port) {
  console.error('utility-entry must run in an Electron utility process');
  process.exit(1);
}

const core = createCore({ dataDir: defaultDataDir(), runtime: 'electron' });
core.subscribe((e) => port.postMessage({ type: 'event', name: e.name, payload: e.payload }));

port.on('message', ({ data }) => {
  if (data === 'shutdown') {
    void core.close().finally(() => process.exit(0));
    return;
  }
  const parsed = requestMessage.safeParse(data);
  if (!parsed.success) return; // main only sends well-formed requests; anything else is dropped
  const { id, name, arg } = parsed.data;
  core.call(name, arg).then(
    (value) => port.postMessage({ type: 'result', id, ok: true, value }),
    (err: unknown) => port.postMessage({ type: 'result', id, ok: false, error: toWireError(err) }),
  );
});
