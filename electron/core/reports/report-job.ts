/** What a report job tells the user as it goes and at its end, shared by reports made by hand and by schedules. */
import type { JobContext, JobOutcome } from '../jobs/job-runner';
import type { CoreServices } from '../services';
import type { ReportManifest } from './report-files';

/** Tells every window a report was listed or one of its PDFs ended (the Reports page offers the summary at once). */
export function announceReport(s: CoreServices, m: ReportManifest): void {
  s.events.emit('reports/changed', { reportId: m.id, jobId: m.jobId, summary: m.pdfs.summary.state, full: m.pdfs.full.state });
}

/** A report job's end: a PDF missing (no printer, or it failed) is a partial report, and says which and why. */
export function reportOutcome(m: ReportManifest, ctx: JobContext, where = ''): JobOutcome {
  const missing = (['summary', 'full'] as const).filter((w) => m.pdfs[w].state !== 'ready');
  const failed = missing.filter((w) => m.pdfs[w].state === 'failed');
  if (m.pdfError && failed.length) ctx.log('warn', `No PDF: ${m.pdfError}`);
  const what = missing.length === 0 ? 'both PDFs' : missing.length === 2 ? 'no PDF' : missing[0] === 'full' ? 'executive summary PDF only' : 'full PDF only, no executive summary';
  return {
    state: failed.length ? 'partial' : 'succeeded',
    summary: `${m.files.length} files (${what}), ${m.machines} machines${where}`,
  };
}
