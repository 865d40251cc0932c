/**
 * Starts the core in a utility process and relays: renderer calls go in with an id, results come back
 * matched by id, and events fan out to every window.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import path from 'node:path';
import {
  toWireError, utilityMessage, type BridgeResult, type CoreInitMessage, type PrintPdfRequest, type PrintPdfResult, type RequestMessage,
} from '../../shared/contract';
import { Correlator } from '../../shared/correlator';
import { printReportPdf } from './print-pdf';

export interface CoreProcess {
  call(name: string, arg: unknown): Promise<BridgeResult>;
  onEvent(fn: (name: string, payload: unknown) => void): void;
  stop(): Promise<void>;
}

export function startCoreProcess(dataDir: string, vaultKey: Buffer | null): CoreProcess {
  const child: UtilityProcess = utilityProcess.fork(path.join(__dirname, '../core/utility.cjs'), [], {
    serviceName: 'Patchwell core',
    env: { ...process.env, PATCHWELL_HOME: dataDir },
    stdio: 'inherit',
  });
  const init: CoreInitMessage = { type: 'init', vaultKey: vaultKey ? vaultKey.toString('base64') : null };
  child.postMessage(init);
  const calls = new Correlator({ peer: 'the Patchwell core' });
  const listeners: ((name: string, payload: unknown) => void)[] = [];

  // The core asks main to print a report with Electron's Chromium (it cannot itself: utility process).
  const print = (req: PrintPdfRequest): void => {
    const answer = (r: PrintPdfResult): void => child.postMessage(r);
    printReportPdf(dataDir, req.htmlFile, req.pdfFile).then(
      () => answer({ type: 'print-pdf-result', id: req.id, ok: true }),
      (e: unknown) => answer({ type: 'print-pdf-result', id: req.id, ok: false, error: toWireError(e) }),
    );
  };

  child.on('message', (data: unknown) => {
    const msg = utilityMessage.safeParse(data);
    if (!msg.success) return; // the core only sends these; anything else is dropped
    if (msg.data.type === 'print-pdf') print(msg.data);
    else if (msg.data.type === 'event') for (const fn of listeners) fn(msg.data.name, msg.data.payload);
    else calls.answer(msg.data);
  });

  child.on('exit', (code) => {
    calls.failAll({ name: 'CoreExited', message: `The Patchwell core stopped (exit ${code})`, code: 'unavailable' });
  });

  return {
    call(name, arg) {
      return calls.request((id) => child.postMessage({ type: 'call', id, name, arg } satisfies RequestMessage)).result;
    },
    onEvent(fn) {
      listeners.push(fn);
    },
    stop() {
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.postMessage('shutdown');
        setTimeout(() => {
          child.kill();
          resolve();
        }, 5000).unref();
      });
    },
  };
}
