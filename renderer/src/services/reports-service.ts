/** Reports calls: generate one for a period, list them, get the printer ready, fetch a file for download, stop the one printing. */
import { invoke } from './client';

export const reportsService = {
  generate: (from: number, to: number, title?: string) => invoke('reports/generate', { period: { from, to }, ...(title ? { title } : {}) }),
  list: () => invoke('reports/list'),
  /** Has the core start the PDF printer's browser ahead of the next report. */
  prepare: () => invoke('reports/prepare'),
  file: (id: string, name: string) => invoke('reports/file', { id, name }),
  /** Stops the report's job: the PDF still printing is cancelled, a PDF already printed stays. */
  cancel: (jobId: number) => invoke('jobs/cancel', { id: jobId }),
};

/** Hands a file to the browser as a download (no navigation: the CSP and the app forbid it). */
export function saveFile(name: string, mime: string, base64: string): void {
  saveBlob(name, new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: mime }));
}

export function saveText(name: string, mime: string, text: string): void {
  saveBlob(name, new Blob([text], { type: mime }));
}

function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
