/**
 * Prints a report's HTML to PDF with Electron's own Chromium, for the core (which runs in a utility process and
 * cannot reach Electron's APIs). Only files inside the data folder's reports/ are accepted; the page is loaded
 * in a hidden, sandboxed window with JavaScript off, and anything it tries to fetch is refused.
 */
import { BrowserWindow, session } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { isReportPath } from './report-paths';

export async function printReportPdf(dataDir: string, htmlFile: string, pdfFile: string): Promise<void> {
  if (!isReportPath(dataDir, htmlFile, '.html') || !isReportPath(dataDir, pdfFile, '.pdf')) {
    throw new Error('Refused: not a report file of this data folder');
  }
  const partition = `pw-print-${Date.now()}`;
  const ses = session.fromPartition(partition, { cache: false });
  // The report references nothing; if it ever did, nothing leaves the machine.
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith('file://') }));
  const win = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, session: ses, webSecurity: true },
  });
  try {
    await win.loadFile(htmlFile);
    // Electron's default margins (1 cm each side): Electron 45's margins no longer take a marginType.
    const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
    fs.writeFileSync(pdfFile, pdf, { mode: 0o600 });
  } finally {
    win.destroy();
  }
  if (!fs.existsSync(pdfFile) || fs.statSync(pdfFile).size < 100) throw new Error(`No PDF was written to ${path.basename(pdfFile)}`);
}
