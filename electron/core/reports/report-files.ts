/**
 * Writes a report to its own folder under the data folder — report.html, report.pdf, data.json and one CSV per
 * table, plus manifest.json — and lists and reads them back. Report ids and file names are checked against the
 * manifest before any path is built, so a request cannot read outside a report folder.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toCsv } from './csv';
import { outcomeRows } from './outcome-csv';
import type { PdfPrinter } from './pdf';
import { canonicalJson, collectReport, dataHash, type ReportPeriod } from './report-data';
import { KEV_ROWS_IN_SUMMARY, renderReportHtml, renderSummaryHtml } from './report-html';
import { readSnapshot } from './report-snapshot';
import { collectSummary } from './report-summary';
import type { Db } from '../db/open';
import type { ReportPdfStatus } from '../../../shared/contract';

/** Where one of a report's PDFs stands (the contract's ReportPdfStatus). */
export type PdfStatus = ReportPdfStatus;

export interface ReportManifest {
  id: string;
  title: string;
  period: ReportPeriod;
  generatedAt: number;
  /** The full report's data hash; empty until its data is collected (the summary is listed before). */
  dataHash: string;
  /** SHA-256 of summary.json, the executive summary's own data. Absent in reports written before it had its own. */
  summaryHash?: string;
  auditHead: string;
  auditOk: boolean;
  machines: number;
  compliancePct: number | null;
  files: { name: string; bytes: number }[];
  /** Why there is no full PDF (or, failing that, no executive summary PDF), when there is none. */
  pdfError: string | null;
  /** The job writing it: its full detail is cancelled through it. Null in reports written before the two stages. */
  jobId: number | null;
  /** The executive summary PDF (a few pages, printed first) and the full report's PDF. */
  pdfs: { summary: PdfStatus; full: PdfStatus };
}

const ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
const MIME: Record<string, string> = {
  '.html': 'text/html', '.pdf': 'application/pdf', '.csv': 'text/csv', '.json': 'application/json',
};
const NO_PRINTER = 'No PDF printer here: install Chromium or set PATCHWELL_CHROMIUM (the HTML report prints to PDF from any browser)';

export function reportsDir(dataDir: string): string {
  return path.join(dataDir, 'reports');
}

function newId(now: number): string {
  const iso = new Date(now).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** The job's steps, in their order: the summary is collected and printed before the full report's data is read. */
export type ReportStep = 'summary-pdf' | 'collect' | 'write' | 'full-pdf';
export type WhichPdf = keyof ReportManifest['pdfs'];

export interface GenerateOptions {
  period: ReportPeriod;
  title?: string;
  appVersion?: string;
  printer: PdfPrinter | null;
  now?: number;
  /** The job writing the report, recorded in its manifest. */
  jobId?: number;
  /** Cancels the report: a PDF being printed is stopped and marked cancelled; a PDF already printed stays. */
  signal?: AbortSignal;
  onStep?: (step: ReportStep) => void;
  /**
   * The manifest was (re)written: first when the report is listed with its summary printing (`which` null), then
   * when each PDF ends (the executive summary always before the full report).
   */
  onManifest?: (manifest: ReportManifest, which: WhichPdf | null) => void;
}

function cancelledError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Cancelled');
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Collects, writes and prints the executive summary first — its own small collection, so it is out within a few
 * seconds whatever the period — and only then collects the full report, writes every format and prints it. The
 * report is listed (its manifest written) when the summary's page is written, and again as each PDF ends, so the
 * summary can be opened while the full detail is still being made. Both collections read one snapshot of the
 * inventory (report-snapshot.ts). The printer is warmed at the start (Chromium's start-up overlaps the summary's
 * collection) and shared by both prints.
 */
export async function generateReport(db: Db, dataDir: string, o: GenerateOptions): Promise<ReportManifest> {
  o.printer?.warm?.();
  let snapshot: ReturnType<typeof readSnapshot> | null = null;
  try {
    snapshot = readSnapshot(db);
    return await writeReport(snapshot.db, dataDir, o, snapshot.end);
  } finally {
    snapshot?.end();
    await o.printer?.close?.();
  }
}

/** `endRead` ends the snapshot once the full report's data is collected, long before its print ends. */
async function writeReport(db: Db, dataDir: string, o: GenerateOptions, endRead: () => void): Promise<ReportManifest> {
  const now = o.now ?? Date.now();
  const signal = o.signal;
  const stopIfCancelled = (): void => {
    if (signal?.aborted) throw cancelledError(signal);
  };
  const options = { now, ...(o.title ? { title: o.title } : {}), ...(o.appVersion ? { appVersion: o.appVersion } : {}) };
  o.onStep?.('summary-pdf');
  const summaryData = collectSummary(db, o.period, KEV_ROWS_IN_SUMMARY, options);
  stopIfCancelled();
  const summaryHash = dataHash(summaryData);
  const id = newId(now);
  const dir = path.join(reportsDir(dataDir), id);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const write = (name: string, text: string): void => fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
  const status = (file: PdfStatus['file']): PdfStatus =>
    o.printer ? { file, state: 'printing', error: null, ms: null } : { file, state: 'failed', error: NO_PRINTER, ms: null };
  const manifest: ReportManifest = {
    id,
    title: summaryData.title,
    period: o.period,
    generatedAt: now,
    dataHash: '',
    summaryHash,
    auditHead: summaryData.auditChain.head,
    auditOk: summaryData.auditChain.ok,
    machines: summaryData.executive.summary.machines,
    compliancePct: summaryData.executive.summary.compliancePct,
    files: [],
    pdfError: null,
    jobId: o.jobId ?? null,
    pdfs: { summary: status('summary.pdf'), full: status('report.pdf') },
  };
  // `announce` false: the files listed change (report.html, the CSVs) but no PDF ended.
  const save = (which: WhichPdf | null, announce = true): void => {
    manifest.files = listedFiles(dir, manifest.pdfs);
    manifest.pdfError = manifest.pdfs.full.error ?? manifest.pdfs.summary.error;
    // Written aside and renamed: a reader never sees half a manifest, and a report is listed whole or not at all.
    fs.writeFileSync(path.join(dir, 'manifest.json.tmp'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
    fs.renameSync(path.join(dir, 'manifest.json.tmp'), path.join(dir, 'manifest.json'));
    if (announce) o.onManifest?.(manifest, which);
  };
  try {
    write('summary.html', renderSummaryHtml(summaryData, summaryHash));
    write('summary.json', canonicalJson(summaryData));
  } catch (e) {
    // Not listed yet (no manifest): nothing of it is kept.
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  save(null);

  // Stops the full print when the rest of the report cannot be written.
  const unwritten = new AbortController();
  const printSignal = signal ? AbortSignal.any([signal, unwritten.signal]) : unwritten.signal;
  const printer = o.printer;
  const print = async (which: WhichPdf, html: string): Promise<void> => {
    if (!printer) return;
    const started = performance.now();
    const st = manifest.pdfs[which];
    try {
      await printer.print(path.join(dir, html), path.join(dir, st.file), printSignal);
      if (printSignal.aborted) throw cancelledError(printSignal);
      st.state = 'ready';
    } catch (e) {
      st.state = printSignal.aborted ? 'cancelled' : 'failed';
      st.error = message(e);
      fs.rmSync(path.join(dir, st.file), { force: true });
    }
    st.ms = Math.round(performance.now() - started);
  };
  await print('summary', 'summary.html');
  if (printer) save('summary');

  // The full report's part: once the summary is listed, a cancel or a failure here keeps it and says so.
  let full: Promise<void> = Promise.resolve();
  try {
    stopIfCancelled();
    o.onStep?.('collect');
    const data = collectReport(db, o.period, options);
    endRead();
    stopIfCancelled();
    o.onStep?.('write');
    const hash = dataHash(data);
    Object.assign(manifest, { dataHash: hash, auditHead: data.auditChain.head, auditOk: data.auditChain.ok, machines: data.summary.machines, compliancePct: data.summary.compliancePct });
    write('report.html', renderReportHtml(data, hash, summaryHash));
    // The print starts before the JSON and CSV are written: that work overlaps Chromium's layout of the detail.
    full = print('full', 'report.html');
    write('data.json', canonicalJson(data));
    writeCsvs(write, data);
    stopIfCancelled();
    save(null, false);
    o.onStep?.('full-pdf');
    await full;
  } catch (e) {
    unwritten.abort(e);
    await full;
    const st = manifest.pdfs.full;
    st.state = signal?.aborted ? 'cancelled' : 'failed';
    st.error = printer ? message(e) : `${NO_PRINTER}; the full report was not written either: ${message(e)}`;
    fs.rmSync(path.join(dir, st.file), { force: true });
  }
  save(printer ? 'full' : null);
  return manifest;
}

/** The files a reader may fetch now: every one written, except a PDF that is not (or no longer) ready. */
function listedFiles(dir: string, pdfs: ReportManifest['pdfs']): { name: string; bytes: number }[] {
  const hidden = new Set([...Object.values(pdfs).filter((p) => p.state !== 'ready').map((p) => p.file), 'manifest.json', 'manifest.json.tmp']);
  return fs.readdirSync(dir).sort().filter((name) => !hidden.has(name)).map((name) => ({ name, bytes: fs.statSync(path.join(dir, name)).size }));
}

function writeCsvs(write: (name: string, text: string) => void, data: ReturnType<typeof collectReport>): void {
  write('machines.csv', toCsv(
    ['id', 'name', 'address', 'os', 'criticality', 'status', 'open_updates', 'findings', 'kev_findings', 'reboot_required', 'last_assessed'],
    data.machines.map((m) => [m.id, m.name, m.address, m.os, m.criticality, m.status, m.pending, m.findings, m.kev, m.rebootRequired, m.lastAssessedAt === null ? '' : new Date(m.lastAssessedAt).toISOString()]),
  ));
  write('findings.csv', toCsv(
    ['machine', 'package', 'installed_version', 'fixed_in', 'cves', 'kev', 'urgency', 'risk_score', 'risk_band', 'opened', 'fixed', 'exposure_days'],
    data.critical.map((f) => [f.host, f.package, f.installedVersion, f.fixedIn, f.cves.join(' '), f.kev, f.urgency, f.score, f.band, new Date(f.openedAt).toISOString(), f.resolvedAt === null ? '' : new Date(f.resolvedAt).toISOString(), f.exposureDays]),
  ));
  write('deployments.csv', toCsv(
    ['deployment', 'title', 'state', 'rollback_of', 'started', 'finished', 'machine', 'package', 'from', 'to', 'result', 'item_state', 'outcome', 'approved_by', 'approver', 'approval_audit_id', 'approved_at'],
    data.deployments.flatMap((d) => d.items.map((i) => [d.id, d.title, d.state, d.rollbackOf, new Date(d.createdAt).toISOString(), d.finishedAt === null ? '' : new Date(d.finishedAt).toISOString(), i.host, i.package, i.from, i.to, i.result, i.state, i.outcome, i.approvedBy, i.approver, i.approvalAuditId, i.approvedAt === null ? '' : new Date(i.approvedAt).toISOString()])),
  ));
  write('outcomes.csv', toCsv(['metric', 'value', 'detail', 'how'], outcomeRows(data.outcomes)));
  write('audit.csv', toCsv(['id', 'time', 'actor', 'action', 'target', 'details'], data.audit.map((a) => [a.id, new Date(a.ts).toISOString(), a.actor, a.action, a.target, a.details])));
}

/**
 * Every report with a manifest, newest first. `isRunning` tells whether a report's job still runs: a PDF whose job
 * is gone (Patchwell stopped while it printed) is shown as failed, never as printing for ever.
 */
export function listReports(dataDir: string, isRunning: (jobId: number) => boolean = () => false): ReportManifest[] {
  const root = reportsDir(dataDir);
  if (!fs.existsSync(root)) return [];
  const out: ReportManifest[] = [];
  for (const id of fs.readdirSync(root)) {
    if (!ID.test(id)) continue;
    let raw: Partial<ReportManifest> & Omit<ReportManifest, 'pdfs' | 'jobId'>;
    try {
      raw = JSON.parse(fs.readFileSync(path.join(root, id, 'manifest.json'), 'utf8')) as typeof raw;
    } catch {
      // A folder without a readable manifest is a report that did not finish: not listed.
      continue;
    }
    out.push(withPdfStates(raw, isRunning));
  }
  return out.sort((a, b) => b.generatedAt - a.generatedAt);
}

const INTERRUPTED = 'Patchwell stopped while this PDF was printing: generate the report again';

function withPdfStates(raw: Partial<ReportManifest> & Omit<ReportManifest, 'pdfs' | 'jobId'>, isRunning: (jobId: number) => boolean): ReportManifest {
  const jobId = raw.jobId ?? null;
  // Reports written before the executive summary had one PDF, ready or with its error.
  const pdfs = raw.pdfs ?? {
    summary: { file: 'summary.pdf', state: 'none', error: null, ms: null },
    full: raw.files.some((f) => f.name === 'report.pdf')
      ? { file: 'report.pdf', state: 'ready', error: null, ms: null }
      : { file: 'report.pdf', state: 'failed', error: raw.pdfError ?? 'No PDF', ms: null },
  };
  const stale = (st: PdfStatus): PdfStatus => (st.state === 'printing' && (jobId === null || !isRunning(jobId)) ? { ...st, state: 'failed', error: INTERRUPTED } : st);
  const fixed = { summary: stale(pdfs.summary), full: stale(pdfs.full) };
  return { ...raw, jobId, pdfs: fixed, pdfError: fixed.full.error ?? fixed.summary.error };
}

export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export function readReportFile(dataDir: string, id: string, name: string): { name: string; mime: string; base64: string } {
  if (!ID.test(id)) throw new Error('No such report');
  const manifest = listReports(dataDir).find((m) => m.id === id);
  const file = manifest?.files.find((f) => f.name === name);
  if (!manifest || !file || name === 'manifest.json') throw new Error('No such report file');
  if (file.bytes > MAX_FILE_BYTES) throw new Error(`${name} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB: open it from ${path.join(reportsDir(dataDir), id)}`);
  const buf = fs.readFileSync(path.join(reportsDir(dataDir), id, name));
  return { name, mime: MIME[path.extname(name)] ?? 'application/octet-stream', base64: buf.toString('base64') };
}
