/** Reports written offline: their manifest (period, evidence, files) and the files themselves. */
import { z } from 'zod';
import { epochMs } from './domain';

export const reportPeriod = z
  .object({ from: epochMs, to: epochMs })
  .refine((p) => p.from < p.to, { message: 'The period must end after it starts', path: ['to'] })
  .refine((p) => p.to - p.from <= 5 * 366 * 86_400_000, { message: 'A report covers at most five years', path: ['from'] });

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
  pdfError: z.string().nullable(),
});
export type ReportInfo = z.infer<typeof reportInfo>;

export const reportFile = z.object({ name: z.string(), mime: z.string(), base64: z.string() });
export type ReportFile = z.infer<typeof reportFile>;
