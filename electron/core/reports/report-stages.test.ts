/**
 * The report's two PDFs: the executive summary is listed and readable while the full report still prints; a
 * cancel stops the full report and keeps the summary; a failed print says which PDF and why. The printer here
 * holds the full report until the test lets it go, so the order is the test's, never a race; the last test
 * stops a real Chromium.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, EventPayload } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { openDatabase, type Db } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import { chromiumPrinter, findChromium, type PdfPrinter } from './pdf';
import { generateReport, listReports, readReportFile, type ReportManifest, type WhichPdf } from './report-files';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);
const period = { from: NOW - 30 * DAY, to: NOW };

function seed(db: Db = openDatabase(':memory:')): Db {
  insertHost(db, { address: '127.0.0.2', displayName: 'front-desk' });
  return db;
}

/** Prints the summary at once; holds the full report until `release` or `fail`, and stops on abort as Chromium does. */
function heldPrinter() {
  // Let go before the full print starts (it starts only once the summary is out), it is not held at all.
  let released = false;
  let release: () => void = () => (released = true);
  let fail: (e: Error) => void = () => undefined;
  const printed: string[] = [];
  const printer: PdfPrinter = {
    name: 'held',
    print: async (html, pdf, signal) => {
      if (path.basename(html) === 'report.html' && !released) {
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          fail = reject;
          signal?.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')));
        });
      }
      fs.writeFileSync(pdf, `%PDF-1.4 ${path.basename(html)} ${'x'.repeat(200)}`);
      printed.push(path.basename(html));
    },
  };
  return { printer, printed, release: () => release(), fail: (e: Error) => fail(e) };
}

/** Resolves with the manifest as saved when `which` ended. */
function whenSaved(which: WhichPdf) {
  let resolve: (m: ReportManifest) => void = () => undefined;
  const saved = new Promise<ReportManifest>((r) => (resolve = r));
  const order: (WhichPdf | null)[] = [];
  const onManifest = (m: ReportManifest, w: WhichPdf | null): void => {
    order.push(w);
    // A copy: the manifest object goes on changing as the full report ends.
    if (w === which) resolve(structuredClone(m));
  };
  return { saved, order, onManifest };
}

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pw-report-stages-'));

describe('the executive summary first', () => {
  it('lists the report and serves summary.pdf while the full report is still printing', async () => {
    const dir = tmp();
    const held = heldPrinter();
    const summary = whenSaved('summary');
    const running = generateReport(seed(), dir, { period, now: NOW, jobId: 7, printer: held.printer, onManifest: summary.onManifest });

    const atSummary = await summary.saved;
    expect(atSummary.pdfs.summary).toMatchObject({ file: 'summary.pdf', state: 'ready', error: null });
    expect(atSummary.pdfs.full).toMatchObject({ file: 'report.pdf', state: 'printing' });
    expect(held.printed).toEqual(['summary.html']);
    // Listed now, with the summary to fetch and no half-made report.pdf offered.
    const listed = listReports(dir, (id) => id === 7);
    expect(listed.map((r) => [r.id, r.pdfs.summary.state, r.pdfs.full.state])).toEqual([[atSummary.id, 'ready', 'printing']]);
    expect(listed[0]!.files.map((f) => f.name)).toContain('summary.pdf');
    expect(listed[0]!.files.map((f) => f.name)).not.toContain('report.pdf');
    expect(Buffer.from(readReportFile(dir, atSummary.id, 'summary.pdf').base64, 'base64').toString()).toMatch(/^%PDF-1\.4 summary\.html/);
    expect(() => readReportFile(dir, atSummary.id, 'report.pdf')).toThrow(/No such report file/);

    held.release();
    const done = await running;
    expect(summary.order).toEqual([null, 'summary', 'full']);
    expect(done.pdfs.full).toMatchObject({ state: 'ready', error: null });
    expect(done.pdfError).toBeNull();
    expect(done.files.map((f) => f.name)).toEqual(expect.arrayContaining(['summary.pdf', 'report.pdf', 'summary.html', 'report.html']));
  });

  it('the summary is a few pages of the same evidence: summary figures and hash, not the detail tables', async () => {
    const dir = tmp();
    const held = heldPrinter();
    const running = generateReport(seed(), dir, { period, now: NOW, printer: held.printer });
    held.release();
    const m = await running;
    const html = fs.readFileSync(path.join(dir, 'reports', m.id, 'summary.html'), 'utf8');
    expect(html).toContain('Executive summary');
    // Its own data's hash (summary.json, collected before the full report's data), which the full report states too.
    const own = fs.readFileSync(path.join(dir, 'reports', m.id, 'summary.json'), 'utf8');
    expect(m.summaryHash).toBe(createHash('sha256').update(own).digest('hex'));
    expect(html).toContain(`Data SHA-256: ${m.summaryHash}`);
    expect(m.dataHash).toBe(createHash('sha256').update(fs.readFileSync(path.join(dir, 'reports', m.id, 'data.json'))).digest('hex'));
    expect(fs.readFileSync(path.join(dir, 'reports', m.id, 'report.html'), 'utf8')).toContain(`Executive summary data SHA-256: ${m.summaryHash}`);
    expect(html).not.toContain('<h2>Machines</h2>');
    expect(html).not.toContain('<h2>Audit trail</h2>');
    expect(fs.readFileSync(path.join(dir, 'reports', m.id, 'report.html'), 'utf8')).toContain('<h2>Audit trail</h2>');
  });

  it('a cancel while the full report prints keeps the executive summary and says the full report was cancelled', async () => {
    const dir = tmp();
    const held = heldPrinter();
    const summary = whenSaved('summary');
    const abort = new AbortController();
    const running = generateReport(seed(), dir, { period, now: NOW, printer: held.printer, signal: abort.signal, onManifest: summary.onManifest });
    await summary.saved;
    abort.abort(new Error('Cancelled by the user'));
    const m = await running;
    expect(m.pdfs.summary.state).toBe('ready');
    expect(m.pdfs.full).toMatchObject({ state: 'cancelled', error: 'Cancelled by the user' });
    expect(m.files.map((f) => f.name)).toContain('summary.pdf');
    expect(fs.existsSync(path.join(dir, 'reports', m.id, 'report.pdf'))).toBe(false);
    expect(listReports(dir)[0]!.pdfs).toMatchObject({ summary: { state: 'ready' }, full: { state: 'cancelled' } });
  });

  it('a failed full print is reported with its reason; the summary stays', async () => {
    const dir = tmp();
    const held = heldPrinter();
    const summary = whenSaved('summary');
    const running = generateReport(seed(), dir, { period, now: NOW, printer: held.printer, onManifest: summary.onManifest });
    await summary.saved;
    held.fail(new Error('Chromium could not print the PDF: killed'));
    const m = await running;
    expect(m.pdfs.full).toMatchObject({ state: 'failed', error: 'Chromium could not print the PDF: killed' });
    expect(m.pdfError).toBe('Chromium could not print the PDF: killed');
    expect(m.pdfs.summary.state).toBe('ready');
  });

  it('a failed summary print is reported too, while the full report is still printed', async () => {
    const dir = tmp();
    const printer: PdfPrinter = {
      name: 'summary fails',
      print: async (html, pdf) => {
        if (path.basename(html) === 'summary.html') throw new Error('no room for the summary');
        fs.writeFileSync(pdf, `%PDF-1.4 ${'x'.repeat(200)}`);
      },
    };
    const m = await generateReport(seed(), dir, { period, now: NOW, printer });
    expect(m.pdfs.summary).toMatchObject({ state: 'failed', error: 'no room for the summary' });
    expect(m.pdfs.full.state).toBe('ready');
    expect(m.pdfError).toBe('no room for the summary');
  });

  it('a PDF left printing by a process that stopped is listed as failed, never as printing for ever', async () => {
    const dir = tmp();
    const held = heldPrinter();
    const summary = whenSaved('summary');
    void generateReport(seed(), dir, { period, now: NOW, jobId: 3, printer: held.printer, onManifest: summary.onManifest });
    await summary.saved;
    expect(listReports(dir, () => true)[0]!.pdfs.full.state).toBe('printing');
    const gone = listReports(dir, () => false)[0]!;
    expect(gone.pdfs.full).toMatchObject({ state: 'failed', error: expect.stringMatching(/stopped while this PDF was printing/) });
    expect(gone.pdfError).toMatch(/stopped while this PDF was printing/);
    held.release();
  });

  it('reads a report written before there were two PDFs', () => {
    const dir = tmp();
    const id = '20261101-120000-abcdef';
    fs.mkdirSync(path.join(dir, 'reports', id), { recursive: true });
    const old = { id, title: 't', period, generatedAt: NOW, dataHash: 'h', auditHead: 'a', auditOk: true, machines: 1, compliancePct: null, files: [{ name: 'report.pdf', bytes: 300 }], pdfError: null };
    fs.writeFileSync(path.join(dir, 'reports', id, 'manifest.json'), JSON.stringify(old));
    expect(listReports(dir)[0]).toMatchObject({ jobId: null, pdfError: null, pdfs: { summary: { state: 'none' }, full: { state: 'ready' } } });
  });
});

describe('the report job', () => {
  let core: Core | null = null;
  afterEach(async () => {
    await core?.close();
    core = null;
  });

  it('announces the executive summary before the full report ends, and a cancel then keeps it', async () => {
    const held = heldPrinter();
    core = createCore({ dataDir: tmp(), runtime: 'browser', checkResults: true, scheduler: false, pdfPrinter: held.printer, throttleMs: 0 });
    seed(core.services.db);
    const seen: EventEnvelope[] = [];
    let summaryReady: (p: EventPayload<'reports/changed'>) => void = () => undefined;
    const ready = new Promise<EventPayload<'reports/changed'>>((r) => (summaryReady = r));
    core.subscribe((e) => {
      seen.push(e);
      if (e.name === 'reports/changed' && e.payload.summary === 'ready') summaryReady(e.payload);
    });

    const { jobId } = await core.call('reports/generate', { period });
    const announced = await ready;
    expect(announced).toMatchObject({ jobId, summary: 'ready', full: 'printing' });
    expect(core.services.jobs.isRunning(jobId)).toBe(true);
    const listed = await core.call('reports/list');
    expect(listed[0]).toMatchObject({ id: announced.reportId, jobId, pdfs: { summary: { state: 'ready' }, full: { state: 'printing' } } });
    expect((await core.call('reports/file', { id: announced.reportId, name: 'summary.pdf' })).mime).toBe('application/pdf');

    await core.call('jobs/cancel', { id: jobId });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: jobId })).state).toBe('cancelled');
    const after = (await core.call('reports/list'))[0]!;
    expect(after.pdfs).toMatchObject({ summary: { state: 'ready' }, full: { state: 'cancelled' } });
    expect(after.files.map((f) => f.name)).toContain('summary.pdf');
    const changes = seen.filter((e): e is EventEnvelope<'reports/changed'> => e.name === 'reports/changed').map((e) => [e.payload.summary, e.payload.full]);
    expect(changes).toEqual([['printing', 'printing'], ['ready', 'printing'], ['ready', 'cancelled']]);
  });

  it('ends partial with the failed PDF named in its log', async () => {
    const held = heldPrinter();
    core = createCore({ dataDir: tmp(), runtime: 'browser', checkResults: true, scheduler: false, pdfPrinter: held.printer, throttleMs: 0 });
    seed(core.services.db);
    let summaryReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (summaryReady = r));
    core.subscribe((e) => e.name === 'reports/changed' && e.payload.summary === 'ready' && summaryReady());
    const { jobId } = await core.call('reports/generate', { period });
    await ready;
    held.fail(new Error('Chromium could not print the PDF: out of memory'));
    await core.services.jobs.idle();
    const job = await core.call('jobs/get', { id: jobId });
    expect(job.state).toBe('partial');
    expect(job.summary).toMatch(/executive summary PDF only/);
    const log = await core.call('jobs/log', { id: jobId });
    expect(log.map((l) => l.message)).toContain('Full report PDF: Chromium could not print the PDF: out of memory');
  });
});

const chromium = findChromium();

describe.skipIf(!chromium)('the system Chromium', () => {
  it('stops printing when the report is cancelled and leaves no PDF', async () => {
    const dir = tmp();
    const html = path.join(dir, 'report.html');
    fs.writeFileSync(html, `<!doctype html><title>t</title>${'<p>row</p>'.repeat(20_000)}`);
    const pdf = path.join(dir, 'report.pdf');
    const abort = new AbortController();
    const printer = chromiumPrinter(chromium!);
    const printing = printer.print(html, pdf, abort.signal);
    abort.abort(new Error('Cancelled by the user'));
    await expect(printing).rejects.toThrow('Cancelled by the user');
    expect(fs.existsSync(pdf)).toBe(false);
    await printer.close!();
  }, 60_000);

  it('prints both PDFs of a report in one Chromium and leaves none running after it', async () => {
    const dir = tmp();
    const inner = chromiumPrinter(chromium!);
    let warmed = 0;
    let closed = 0;
    const printer: PdfPrinter = { ...inner, warm: () => (warmed++, inner.warm!()), close: async () => (closed++, await inner.close!()) };
    const m = await generateReport(seed(), dir, { period, now: NOW, printer });
    expect([warmed, closed]).toEqual([1, 1]);
    expect(m.pdfs).toMatchObject({ summary: { state: 'ready' }, full: { state: 'ready' } });
    for (const f of ['summary.pdf', 'report.pdf']) expect(fs.readFileSync(path.join(dir, 'reports', m.id, f)).subarray(0, 5).toString()).toBe('%PDF-');

  }, 60_000);
});
