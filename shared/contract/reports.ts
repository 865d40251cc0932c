/** Reports written offline: their manifest (period, evidence, files) and the files themselves. */
import { z } from 'zod';
import { epochMs } from './domain';

export const reportPeriod = z
  .object({ from: epochMs, to: epochMs })
  .refine((p) => p.from < p.to, { message: 'The period must end after it starts', path: ['to'] })
  .refine((p) => p.to - p.from <= 5 * 366 * 86_400_000, { message: 'A report covers at most five years', path: ['from'] });

/** Where one of a report's two PDFs stands; `none`: not made for this report (written before there were two). */
export const reportPdfState = z.enum(['printing', 'ready', 'failed', 'cancelled', 'none']);
export type ReportPdfState = z.infer<typeof reportPdfState>;

export const reportPdfStatus = z.object({
  /** The file it is written to, in the report's files once ready. */
  file: z.enum(['summary.pdf', 'report.pdf']),
  state: reportPdfState,
  /** Why it failed or was cancelled. */
  error: z.string().nullable(),
  /** How long its print took, once it ended. */
  ms: z.number().nonnegative().nullable(),
});
export type ReportPdfStatus = z.infer<typeof reportPdfStatus>;

export const reportInfo = z.object({
  id: z.string(),
  title: z.string(),
  period: z.object({ from: epochMs, to: epochMs }),
  generatedAt: epochMs,
  /** SHA-256 of the report's data (canonical JSON), stated in the report. */
  dataHash: z.string(),
  /** Head of the audit chain when the report was made. */
  auditHead: z.string(),
  auditOk: z.boolean(),
  machines: z.number().int().nonnegative(),
  compliancePct: z.number().nullable(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative() })),
  /** Why there is no full PDF (or, failing that, no executive summary PDF). */
  pdfError: z.string().nullable(),
  /** The job writing the report: cancelling it stops the PDF still printing. Null in older reports. */
  jobId: z.number().int().positive().nullable(),
  /** The executive summary (a few pages, printed first, summary.pdf) and the full report (report.pdf). */
  pdfs: z.object({ summary: reportPdfStatus, full: reportPdfStatus }),
});
export type ReportInfo = z.infer<typeof reportInfo>;

export const reportFile = z.object({ name: z.string(), mime: z.string(), base64: z.string() });
export type ReportFile = z.infer<typeof reportFile>;

/** The answer to 'reports/prepare'. */
export const reportPrepareResult = z.object({
  /**
   * A Chromium is started (or already held) for the next report's PDFs. False where reports print another way
   * (the desktop app's own Chromium), where no Chromium is installed, or while the core shuts down.
   */
  warm: z.boolean(),
});
export type ReportPrepareResult = z.infer<typeof reportPrepareResult>;
