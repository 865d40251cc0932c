/**
 * PDF from the report's HTML. The headless host prints with the system's Chromium in headless mode (one browser
 * per report, both PDFs printed in it), from a file, with the network switched off (the HTML has no external
 * reference anyway). In the desktop app the core is handed a printer that asks Electron's main process to print with webContents.printToPDF
 * (electron/main/print-pdf.ts). Without either, a report still gets HTML, CSV and JSON and says why no PDF.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { endChromium, launchChromium, openPage, type LaunchedChromium, type OpenedPage } from './chromium-launch';
import type { ChromiumPipe } from './chromium-pipe';
import type { WarmChromium } from './warm-chromium';

export interface PdfPrinter {
  readonly name: string;
  /** Rejects once `signal` aborts (a cancelled report), leaving no PDF behind where the printer can stop. */
  print(htmlFile: string, pdfFile: string, signal?: AbortSignal): Promise<void>;
  /** Starts what printing needs (a browser) ahead of the first print, so its start-up overlaps the caller's work. */
  warm?(): void;
  /** Ends what warm() or print() started; a print after it starts afresh. */
  close?(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const wanted = env.PATCHWELL_CHROMIUM;
  if (wanted) return fs.existsSync(wanted) ? wanted : null;
  return CANDIDATES.find((c) => fs.existsSync(c)) ?? null;
}

/** The full detail of a big fleet takes minutes on a busy machine: 10 minutes before a print counts as stuck. */
const PRINT_TIMEOUT_MS = 600_000;
/** A browser nobody prints in (a caller that never closed it) ends after this long. */
const IDLE_MS = 15_000;

/**
 * Prints with one headless Chromium kept for as long as the caller prints (warm() to close()), each PDF in a new
 * page of it. The same flags as a one-off `chromium --headless --print-to-pdf` (chromium-launch.ts), and the same
 * PDF settings that switch sets: backgrounds printed, the page's CSS page size, no header or footer. Given a warm
 * holder, it takes the Chromium started there ahead of the report (the Reports page opened) instead of starting
 * one; a taken Chromium that turns out dead is replaced once by a fresh one, so the report prints all the same.
 */
export function chromiumPrinter(binary: string, warm?: WarmChromium): PdfPrinter {
  /** `opened`: the page the warm holder made ready in it, for the first print. */
  let browser: (LaunchedChromium & { taken: boolean; opened?: Promise<OpenedPage | null> }) | null = null;
  let printing = 0;
  let idle: NodeJS.Timeout | null = null;
  const close = async (): Promise<void> => {
    if (idle) clearTimeout(idle);
    idle = null;
    const b = browser;
    browser = null;
    if (b) await endChromium(b);
  };
  const idleLater = (): void => {
    if (idle) clearTimeout(idle);
    idle = printing === 0 ? setTimeout(() => void close(), IDLE_MS) : null;
  };
  const start = (fresh = false): NonNullable<typeof browser> => {
    if (browser) return browser;
    const warmOne = fresh ? null : warm?.take(binary) ?? null;
    const b = warmOne ? { ...warmOne, taken: true } : { ...launchChromium(binary), taken: false };
    browser = b;
    // A Chromium that dies is forgotten, so the next print starts another.
    void b.pipe.exited.then(() => {
      if (browser === b) browser = null;
    });
    return b;
  };
  return {
    name: `Chromium (${binary})`,
    warm: () => {
      start();
      idleLater();
    },
    close,
    print: async (htmlFile, pdfFile, signal) => {
      if (signal?.aborted) throw abortReason(signal);
      printing++;
      if (idle) clearTimeout(idle);
      try {
        const b = start();
        const opened = b.opened;
        b.opened = undefined;
        try {
          await printInPage(b.pipe, htmlFile, pdfFile, signal, opened);
        } catch (e) {
          // A warm Chromium may have died while nobody watched (killed, out of memory) before its exit was seen.
          if (!b.taken || b.pipe.alive || signal?.aborted) throw e;
          if (browser === b) browser = null;
          await printInPage(start(true).pipe, htmlFile, pdfFile, signal);
        }
      } catch (e) {
        fs.rmSync(pdfFile, { force: true });
        if (signal?.aborted) throw abortReason(signal);
        throw new Error(`Chromium could not print the PDF: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        printing--;
        idleLater();
      }
      if (!fs.existsSync(pdfFile) || fs.statSync(pdfFile).size < 100) throw new Error('Chromium printed no PDF');
    },
  };
}

/**
 * Opens `htmlFile` in a new page (or in `opened`, a page made ready ahead of the print), prints it to `pdfFile`
 * (streamed, so a 200-page PDF never sits in one message) and closes the page.
 */
async function printInPage(pipe: ChromiumPipe, htmlFile: string, pdfFile: string, signal?: AbortSignal, opened?: Promise<OpenedPage | null>): Promise<void> {
  let stop: (e: Error) => void = () => undefined;
  const stopped = new Promise<never>((_resolve, reject) => (stop = reject));
  // Never left unhandled when nothing awaits it any more.
  stopped.catch(() => undefined);
  const timer = setTimeout(() => stop(new Error(`no PDF after ${PRINT_TIMEOUT_MS / 60_000} minutes`)), PRINT_TIMEOUT_MS);
  const onAbort = (): void => stop(abortReason(signal!));
  signal?.addEventListener('abort', onAbort);
  const within = <T>(p: Promise<T>): Promise<T> => Promise.race([p, stopped]);
  // A page made after a cancel is closed all the same (finally, below). One made ahead that failed is made afresh.
  const page = (opened ?? Promise.resolve(null)).then((p) => p ?? openPage(pipe));
  let out: number | null = null;
  try {
    const { sessionId } = await within(page);
    let off = (): void => undefined;
    const loaded = new Promise<void>((resolve) => (off = pipe.on('Page.loadEventFired', (_p, sid) => sid === sessionId && resolve())));
    try {
      const nav = (await within(pipe.send('Page.navigate', { url: pathToFileURL(htmlFile).href }, sessionId))) as { errorText?: string };
      if (nav.errorText) throw new Error(`could not open ${path.basename(htmlFile)}: ${nav.errorText}`);
      await within(loaded);
    } finally {
      off();
    }
    const { stream } = (await within(pipe.send('Page.printToPDF', {
      printBackground: true, preferCSSPageSize: true, displayHeaderFooter: false, transferMode: 'ReturnAsStream',
    }, sessionId))) as { stream: string };
    out = fs.openSync(pdfFile, 'w', 0o600);
    for (;;) {
      const chunk = (await within(pipe.send('IO.read', { handle: stream, size: 4 * 1024 * 1024 }, sessionId))) as { data: string; base64Encoded?: boolean; eof: boolean };
      fs.writeSync(out, Buffer.from(chunk.data, chunk.base64Encoded ? 'base64' : 'utf8'));
      if (chunk.eof) break;
    }
    void pipe.send('IO.close', { handle: stream }, sessionId).catch(() => undefined);
  } finally {
    if (out !== null) fs.closeSync(out);
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // Closing the page also ends a print still under way in it (a cancel).
    void page.then((p) => pipe.send('Target.closeTarget', { targetId: p.targetId })).catch(() => undefined);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Cancelled');
}
