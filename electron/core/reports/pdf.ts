/**
 * PDF from the report's HTML. The headless host prints with the system's Chromium in headless mode, from a
 * file, with the network switched off (the HTML has no external reference anyway). In the desktop app the
 * core is handed a printer that asks Electron's main process to print with webContents.printToPDF
 * (electron/main/print-pdf.ts). Without either, a report still gets HTML, CSV and JSON and says why no PDF.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PdfPrinter {
  readonly name: string;
  /** Rejects once `signal` aborts (a cancelled report), leaving no PDF behind where the printer can stop. */
  print(htmlFile: string, pdfFile: string, signal?: AbortSignal): Promise<void>;
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const wanted = env.PATCHWELL_CHROMIUM;
  if (wanted) return fs.existsSync(wanted) ? wanted : null;
  return CANDIDATES.find((c) => fs.existsSync(c)) ?? null;
}

export function chromiumPrinter(binary: string): PdfPrinter {
  return {
    name: `Chromium (${binary})`,
    print: (htmlFile, pdfFile, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(abortReason(signal));
        const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-pdf-'));
        const args = [
          '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
          '--disable-sync', '--disable-extensions', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>',
          `--user-data-dir=${profile}`, '--no-pdf-header-footer', `--print-to-pdf=${pdfFile}`,
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          pathToFileURL(htmlFile).href,
        ];
        // The full detail of a big fleet takes minutes on a busy machine: 10 minutes before it counts as stuck.
        execFile(binary, args, { timeout: 600_000, maxBuffer: 8 * 1024 * 1024, ...(signal ? { signal } : {}) }, (err, _stdout, stderr) => {
          fs.rmSync(profile, { recursive: true, force: true });
          if (signal?.aborted) {
            fs.rmSync(pdfFile, { force: true });
            return reject(abortReason(signal));
          }
          if (err) return reject(new Error(`Chromium could not print the PDF: ${err.message}${stderr ? ` — ${String(stderr).trim().split('\n').slice(-2).join(' ')}` : ''}`));
          if (!fs.existsSync(pdfFile) || fs.statSync(pdfFile).size < 100) return reject(new Error('Chromium printed no PDF'));
          resolve();
        });
      }),
  };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Cancelled');
}
