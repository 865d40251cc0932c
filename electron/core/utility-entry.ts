/**
 * Entry of Electron's utility process: the core, off the main thread, talking to main over parentPort.
 * Main relays renderer calls here and our events back; nothing here knows about Electron's APIs.
 */
import path from 'node:path';
import { mainMessage, toWireError, type EventMessage, type PrintPdfRequest, type ResponseMessage } from '../../shared/contract';
import { Correlator } from '../../shared/correlator';
import { createCore, defaultDataDir, type Core } from './core';
import { installProcessGuard } from './process-guard';
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
const printing = new Correlator({ peer: 'Electron' });
const electronPrinter: PdfPrinter = {
  name: 'Electron',
  print: async (htmlFile, pdfFile, signal) => {
    const printed = printing.call((id) => port.postMessage({ type: 'print-pdf', id, htmlFile, pdfFile } satisfies PrintPdfRequest));
    if (!signal) return void (await printed);
    // Main cannot stop a printToPDF under way: a cancelled report stops waiting, and its manifest never lists the file.
    printed.catch(() => undefined);
    await Promise.race([
      printed,
      new Promise<never>((_resolve, reject) => {
        if (signal.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('Cancelled'));
        signal.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new Error('Cancelled')), { once: true });
      }),
    ]);
  },
};

port.on('message', ({ data }) => {
  const parsed = mainMessage.safeParse(data);
  if (!parsed.success) return; // main only sends these; anything else is dropped
  const msg = parsed.data;
  if (msg === 'shutdown') {
    if (core) void core.close().finally(() => process.exit(0));
    return;
  }
  if (msg.type === 'print-pdf-result') {
    printing.answer(msg);
    return;
  }
  if (msg.type === 'init') {
    if (core !== null) return; // one init per process: main sends it first, and once
    const vaultKey = msg.vaultKey === null ? undefined : Buffer.from(msg.vaultKey, 'base64');
    core = createCore({ dataDir: defaultDataDir(), runtime: 'electron', resourcesDir: path.join(__dirname, '../../resources'), pdfPrinter: electronPrinter, ...(vaultKey?.length === 32 ? { vaultKey } : {}) });
    installProcessGuard({ storage: () => core?.services.storage ?? null });
    core.subscribe((e) => port.postMessage({ type: 'event', name: e.name, payload: e.payload } satisfies EventMessage));
    return;
  }
  if (core === null) return; // calls before the init have no core to answer them (main sends the init first)
  const { id, name, arg } = msg;
  core.callFromWire(name, arg).then(
    (value) => port.postMessage({ type: 'result', id, ok: true, value } satisfies ResponseMessage),
    (err: unknown) => port.postMessage({ type: 'result', id, ok: false, error: toWireError(err) } satisfies ResponseMessage),
  );
});
