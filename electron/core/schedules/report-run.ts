/**
 * A scheduled report: written as a job covering the time since the schedule's last run, then copied into the
 * schedule's folder, as the user sees any other job.
 */
import fs from 'node:fs';
import path from 'node:path';
import { appendAudit } from '../audit/audit-log';
import { chromiumPrinter, findChromium } from '../reports/pdf';
import { generateReport, reportsDir } from '../reports/report-files';
import type { CoreServices } from '../services';
import { announceReport, reportOutcome } from '../reports/report-job';

/** A folder a schedule may write to: absolute, an existing directory, writable. Returns the problem, or null. */
export function folderProblem(folder: string): string | null {
  if (!path.isAbsolute(folder)) return 'Use an absolute folder path';
  try {
    if (!fs.statSync(folder).isDirectory()) return 'That is not a folder';
    fs.accessSync(folder, fs.constants.W_OK);
    return null;
  } catch {
    return 'The folder does not exist or Patchwell may not write to it';
  }
}

/** Starts the report job for a period; returns its id. */
export function startScheduledReport(s: CoreServices, sch: { id: number; name: string; folder: string }, period: { from: number; to: number }): number {
  const chromium = findChromium();
  return s.jobs.start('report', `${sch.name}: report to ${sch.folder}`, { schedule: sch.id, period }, async (ctx) => {
    ctx.progress(0, 2);
    const problem = folderProblem(sch.folder);
    if (problem) throw new Error(`${sch.folder}: ${problem}`);
    const m = await generateReport(s.db, s.dataDir, {
      period,
      title: `Patch compliance report (${sch.name})`,
      appVersion: s.version,
      printer: s.pdfPrinter ?? (chromium ? chromiumPrinter(chromium) : null),
      now: period.to,
      jobId: ctx.jobId,
      signal: ctx.signal,
      onManifest: (manifest) => announceReport(s, manifest),
    });
    ctx.progress(1);
    const target = path.join(sch.folder, `patchwell-report-${m.id}`);
    fs.mkdirSync(target, { recursive: true });
    for (const name of [...m.files.map((f) => f.name), 'manifest.json']) fs.copyFileSync(path.join(reportsDir(s.dataDir), m.id, name), path.join(target, name));
    appendAudit(s.db, { actor: 'system', action: 'report.scheduled', targetType: 'report', targetId: m.id, details: { schedule: sch.id, folder: sch.folder, dataHash: m.dataHash } });
    ctx.progress(2);
    return reportOutcome(m, ctx, `; written to ${target}`);
  });
}
