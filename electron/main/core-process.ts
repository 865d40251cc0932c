/**
 * Starts the core in a utility process and relays: renderer calls go in with an id, results come back
 * matched by id, and events fan out to every window.
 */
import { utilityProcess, type UtilityProcess } from 'electron';
import path from 'node:path';
import { responseMessage, eventMessage, type BridgeResult } from '../../shared/contract';
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
  // The first message carries the vault key, so it never sits in the environment or on a command line.
  child.postMessage({ type: 'init', vaultKey: vaultKey ? vaultKey.toString('base64') : null });
  let nextId = 1;
  const pending = new Map<number, (r: BridgeResult) => void>();
  const listeners: ((name: string, payload: unknown) => void)[] = [];

  child.on('message', (data: unknown) => {
    // The core asks main to print a report with Electron's Chromium (it cannot itself: utility process).
    const print = data as { type?: unknown; id?: unknown; htmlFile?: unknown; pdfFile?: unknown };
    if (print?.type === 'print-pdf' && typeof print.id === 'number' && typeof print.htmlFile === 'string' && typeof print.pdfFile === 'string') {
      const id = print.id;
      printReportPdf(dataDir, print.htmlFile, print.pdfFile).then(
        () => child.postMessage({ type: 'print-pdf-result', id, ok: true }),
        (e: unknown) => child.postMessage({ type: 'print-pdf-result', id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
      return;
    }
    const res = responseMessage.safeParse(data);
    if (res.success) {
      const resolve = pending.get(res.data.id);
      pending.delete(res.data.id);
      resolve?.(res.data.ok ? { ok: true, value: res.data.value } : { ok: false, error: res.data.error });
      return;
    }
    const ev = eventMessage.safeParse(data);
    if (ev.success) for (const fn of listeners) fn(ev.data.name, ev.data.payload);
  });

  child.on('exit', (code) => {
    for (const resolve of pending.values()) {
      resolve({ ok: false, error: { name: 'CoreExited', message: `The Patchwell core stopped (exit ${code})`, code: 'unavailable' } });
    }
    pending.clear();
  });

  return {
    call(name, arg) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.postMessage({ type: 'call', id, name, arg });
      });
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
