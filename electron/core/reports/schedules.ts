/**
 * Recurring reports: each schedule says how often and into which folder. The core checks every minute (and at
 * start-up, so one missed while the computer was off runs once) and writes a report covering the time since the
 * schedule's last run into its folder, as a job the user sees like any other.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ReportSchedule } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { CoreServices } from '../services';
import { putSetting, readSetting } from '../settings';
import { chromiumPrinter, findChromium } from './pdf';
import { generateReport, reportsDir } from './report-files';

const KEY = 'reportSchedules';
const DAY = 86_400_000;
export const INTERVAL_MS: Record<ReportSchedule['every'], number> = { daily: DAY, weekly: 7 * DAY, monthly: 30 * DAY };

export function getSchedules(s: Pick<CoreServices, 'db'>): ReportSchedule[] {
  return readSetting<ReportSchedule[]>(s.db, KEY) ?? [];
}

export function saveSchedules(s: Pick<CoreServices, 'db'>, list: readonly ReportSchedule[]): void {
  putSetting(s.db, KEY, list);
}

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

export function isDue(schedule: ReportSchedule, now: number): boolean {
  return schedule.lastRunAt === null || now - schedule.lastRunAt >= INTERVAL_MS[schedule.every];
}

/** Starts a report job for every due schedule; returns the job ids. */
export function runDueSchedules(s: CoreServices, now = Date.now()): number[] {
  const list = getSchedules(s);
  const jobs: number[] = [];
  let changed = false;
  for (const sch of list) {
    if (!isDue(sch, now)) continue;
    const from = sch.lastRunAt ?? now - INTERVAL_MS[sch.every];
    sch.lastRunAt = now;
    changed = true;
    const chromium = findChromium();
    jobs.push(
      s.jobs.start('report', `Scheduled ${sch.every} report to ${sch.folder}`, { schedule: sch.id }, async (ctx) => {
        ctx.progress(0, 2);
        const problem = folderProblem(sch.folder);
        if (problem) throw new Error(`${sch.folder}: ${problem}`);
        const m = await generateReport(s.db, s.dataDir, { period: { from, to: now }, title: `Patch compliance report (${sch.every})`, appVersion: s.version, printer: s.pdfPrinter ?? (chromium ? chromiumPrinter(chromium) : null), now });
        ctx.progress(1);
        const target = path.join(sch.folder, `patchwell-report-${m.id}`);
        fs.mkdirSync(target, { recursive: true });
        for (const name of [...m.files.map((f) => f.name), 'manifest.json']) fs.copyFileSync(path.join(reportsDir(s.dataDir), m.id, name), path.join(target, name));
        appendAudit(s.db, { actor: 'system', action: 'report.scheduled', targetType: 'report', targetId: m.id, details: { schedule: sch.id, folder: sch.folder, dataHash: m.dataHash } });
        ctx.progress(2);
        if (m.pdfError) ctx.log('warn', `No PDF: ${m.pdfError}`);
        return { state: m.pdfError ? 'partial' : 'succeeded', summary: `Written to ${target}` };
      }),
    );
  }
  if (changed) saveSchedules(s, list);
  return jobs;
}

/** Checks the schedules now and then every minute; returns the stop function. */
export function startScheduler(s: CoreServices, everyMs = 60_000): () => void {
  const tick = (): void => {
    try {
      runDueSchedules(s);
    } catch {
      // A broken schedule row must not stop the core; the next tick tries again.
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
