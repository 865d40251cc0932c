import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { chromiumPrinter, findChromium } from '../reports/pdf';
import { generateReport, listReports, readReportFile } from '../reports/report-files';
import { folderProblem, getSchedules, saveSchedules } from '../reports/schedules';
import { randomUUID } from 'node:crypto';
import type { HandlerMap } from './types';

export const reportHandlers: HandlerMap<'reports/generate' | 'reports/list' | 'reports/file' | 'reports/schedules' | 'reports/add-schedule' | 'reports/remove-schedule'> = {
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
  'reports/schedules': (_arg, s) => getSchedules(s),
  'reports/add-schedule': ({ every, folder }, s) => {
    const problem = folderProblem(folder);
    if (problem) throw new AppError('bad-request', problem, { folder: problem });
    const list = [...getSchedules(s), { id: randomUUID().slice(0, 8), every, folder, lastRunAt: Date.now() }];
    s.db.transaction(() => {
      saveSchedules(s, list);
      appendAudit(s.db, { actor: 'user', action: 'report.schedule-add', details: { every, folder } });
    })();
    return list;
  },
  'reports/remove-schedule': ({ id }, s) => {
    const list = getSchedules(s).filter((x) => x.id !== id);
    s.db.transaction(() => {
      saveSchedules(s, list);
      appendAudit(s.db, { actor: 'user', action: 'report.schedule-remove', details: { id } });
    })();
    return list;
  },
};
