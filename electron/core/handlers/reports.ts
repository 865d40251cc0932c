import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { chromiumPrinter, findChromium } from '../reports/pdf';
import { generateReport, listReports, readReportFile } from '../reports/report-files';
import type { HandlerMap } from './types';

export const reportHandlers: HandlerMap<'reports/generate' | 'reports/list' | 'reports/file'> = {
  'reports/generate': ({ period, title }, s) => {
    const chromium = findChromium();
    const label = `${new Date(period.from).toISOString().slice(0, 10)} – ${new Date(period.to).toISOString().slice(0, 10)}`;
    const jobId = s.jobs.start('report', `Report ${label}`, { period, title }, async (ctx) => {
      const steps = ['collect', 'write', 'pdf'];
      ctx.progress(0, steps.length);
      const m = await generateReport(s.db, s.dataDir, {
        period,
        ...(title ? { title } : {}),
        appVersion: s.version,
        printer: s.pdfPrinter ?? (chromium ? chromiumPrinter(chromium) : null),
        onStep: (step) => ctx.progress(steps.indexOf(step)),
      });
      ctx.progress(steps.length);
      appendAudit(s.db, { actor: 'user', action: 'report.generate', targetType: 'report', targetId: m.id, details: { period, dataHash: m.dataHash, auditHead: m.auditHead } });
      if (m.pdfError) ctx.log('warn', `No PDF: ${m.pdfError}`);
      return { state: m.pdfError ? 'partial' : 'succeeded', summary: `${m.files.length - 1} files, ${m.machines} machines${m.pdfError ? ', no PDF' : ''}` };
    });
    return { jobId };
  },
  'reports/list': (_arg, s) => listReports(s.dataDir),
  'reports/file': ({ id, name }, s) => {
    try {
      return readReportFile(s.dataDir, id, name);
    } catch (e) {
      throw new AppError('not-found', e instanceof Error ? e.message : String(e));
    }
  },
};
