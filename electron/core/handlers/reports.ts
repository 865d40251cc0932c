import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { chromiumPrinter, findChromium } from '../reports/pdf';
import { generateReport, listReports, readReportFile, type ReportStep } from '../reports/report-files';
import { announceReport, reportOutcome } from '../reports/report-job';
import type { HandlerMap } from './types';

export const reportHandlers: HandlerMap<'reports/generate' | 'reports/list' | 'reports/prepare' | 'reports/file'> = {
  'reports/generate': ({ period, title }, s) => {
    const chromium = findChromium();
    const label = `${new Date(period.from).toISOString().slice(0, 10)} – ${new Date(period.to).toISOString().slice(0, 10)}`;
    const jobId = s.jobs.start('report', `Report ${label}`, { period, title }, async (ctx) => {
      // The summary (its own small collection and its print) comes first, before the full report's data is read.
      const steps: ReportStep[] = ['summary-pdf', 'collect', 'write', 'full-pdf'];
      ctx.progress(0, steps.length);
      const m = await generateReport(s.db, s.dataDir, {
        period,
        ...(title ? { title } : {}),
        appVersion: s.version,
        printer: s.pdfPrinter ?? (chromium ? chromiumPrinter(chromium, s.warmChromium) : null),
        jobId: ctx.jobId,
        signal: ctx.signal,
        onStep: (step) => ctx.progress(steps.indexOf(step)),
        onManifest: (manifest, which) => {
          announceReport(s, manifest);
          if (which === 'summary' && manifest.pdfs.summary.state === 'ready' && manifest.pdfs.full.state === 'printing') {
            ctx.summary('Executive summary ready; printing the full detail');
          }
          const st = which ? manifest.pdfs[which] : null;
          if (st && st.state === 'failed') ctx.log('error', `${which === 'summary' ? 'Executive summary' : 'Full report'} PDF: ${st.error ?? 'failed'}`);
        },
      });
      ctx.progress(steps.length);
      appendAudit(s.db, { actor: 'user', action: 'report.generate', targetType: 'report', targetId: m.id, details: { period, dataHash: m.dataHash, summaryHash: m.summaryHash, auditHead: m.auditHead } });
      return reportOutcome(m, ctx);
    });
    return { jobId };
  },
  'reports/list': (_arg, s) => listReports(s.dataDir, (id) => s.jobs.isRunning(id)),
  'reports/prepare': (_arg, s) => {
    // The desktop app prints with Electron's own Chromium, which is already running.
    if (s.pdfPrinter || !s.warmChromium) return { warm: false };
    const chromium = findChromium();
    return { warm: chromium !== null && s.warmChromium.prepare(chromium) };
  },
  'reports/file': ({ id, name }, s) => {
    try {
      return readReportFile(s.dataDir, id, name);
    } catch (e) {
      throw new AppError('not-found', e instanceof Error ? e.message : String(e));
    }
  },
};
