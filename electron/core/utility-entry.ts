/**
 * Entry of Electron's utility process: the core, off the main thread, talking to main over parentPort.
 * Main relays renderer calls here and our events back; nothing here knows about Electron's APIs.
 */
import path from 'node:path';
import { requestMessage, toWireError } from '../../shared/contract';
import { createCore, defaultDataDir, type Core } from './core';
import type { PdfPrinter } from './reports/pdf';

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

// Reports are printed to PDF by main with Electron's own Chromium: ask, and wait for the answer by id.
let nextPrint = 1;
const printing = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
const electronPrinter: PdfPrinter = {
  name: 'Electron',
  print: (htmlFile, pdfFile) =>
    new Promise((resolve, reject) => {
      const id = nextPrint++;
      printing.set(id, { resolve, reject });
      port.postMessage({ type: 'print-pdf', id, htmlFile, pdfFile });
    }),
};

port.on('message', ({ data }) => {
  const answer = data as { type?: unknown; id?: unknown; ok?: unknown; error?: unknown };
  if (answer?.type === 'print-pdf-result' && typeof answer.id === 'number') {
    const waiting = printing.get(answer.id);
    printing.delete(answer.id);
    if (answer.ok === true) waiting?.resolve();
    else waiting?.reject(new Error(typeof answer.error === 'string' ? answer.error : 'Electron could not print the PDF'));
    return;
  }
  if (core === null) {
    // The first message from main is the init, with the vault key unwrapped from the system keychain.
    const init = data as { type?: string; vaultKey?: string | null };
    if (init?.type !== 'init') return;
    const vaultKey = typeof init.vaultKey === 'string' ? Buffer.from(init.vaultKey, 'base64') : undefined;
    core = createCore({ dataDir: defaultDataDir(), runtime: 'electron', resourcesDir: path.join(__dirname, '../../resources'), pdfPrinter: electronPrinter, ...(vaultKey?.length === 32 ? { vaultKey } : {}) });
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
  live.callFromWire(name, arg).then(
    (value) => port.postMessage({ type: 'result', id, ok: true, value }),
    (err: unknown) => port.postMessage({ type: 'result', id, ok: false, error: toWireError(err) }),
  );
});
