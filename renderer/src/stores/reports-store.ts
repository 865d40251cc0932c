/** The Reports page: written reports, the report being written, and the audit check (recurring reports are schedules). */
import { create } from 'zustand';
import type { AuditEntry, AuditVerifyResult, EventPayload, Job, ReportInfo } from '../../../shared/contract';
import { appService } from '../services/app-service';
import { reportsService, saveFile } from '../services/reports-service';
import { errorText } from './error-text';

export interface ReportsState {
  /** Null until first read. */
  reports: ReportInfo[] | null;
  error: string | null;
  /** A report job was started here and has not finished yet. */
  generating: boolean;
  audit: { verify: AuditVerifyResult; entries: AuditEntry[] } | null;
  /** A report whose executive summary just became ready while its full report still prints: offered at once. */
  summaryReady: string | null;
}

export interface ReportsActions {
  load(): Promise<void>;
  generate(from: number, to: number): Promise<void>;
  /**
   * Asks the core to have its PDF printer's browser running before Generate is clicked. Only a head start: when
   * it fails, the report starts its own browser, so the failure is not shown.
   */
  prepare(): Promise<void>;
  /** A job changed: when it is a report job that ended, the one being written is done. */
  jobUpdated(job: Job): void;
  /** A report was listed or one of its PDFs ended (the core's reports/changed). */
  reportChanged(change: EventPayload<'reports/changed'>): void;
  dismissSummary(): void;
  /** Cancels the full report still printing; its executive summary stays. */
  cancelPrinting(jobId: number): Promise<void>;
  download(reportId: string, fileName: string): Promise<void>;
  verifyAudit(): Promise<void>;
}

export const initialReportsState: ReportsState = { reports: null, error: null, generating: false, audit: null, summaryReady: null };

/** A report job that ran to its end, however it ended. */
export const isFinishedReportJob = (job: Job): boolean => job.kind === 'report' && job.state !== 'running' && job.state !== 'queued';

export const useReportsStore = create<ReportsState & ReportsActions>()((set) => ({
  ...initialReportsState,
  async load() {
    try {
      set({ reports: await reportsService.list(), error: null });
    } catch (e) {
      set({ error: errorText(e) });
    }
  },
  async generate(from, to) {
    set({ generating: true });
    try {
      await reportsService.generate(from, to);
    } catch (e) {
      set({ generating: false });
      throw e;
    }
  },
  async prepare() {
    try {
      await reportsService.prepare();
    } catch {
      // Nothing to tell the user: the report prints all the same, only its browser starts with it.
    }
  },
  jobUpdated(job) {
    if (isFinishedReportJob(job)) set({ generating: false });
  },
  reportChanged(change) {
    // Offered once, when it becomes ready ahead of the full report; it stays offered until opened or dismissed.
    if (change.summary === 'ready' && change.full === 'printing') set({ summaryReady: change.reportId });
  },
  dismissSummary() {
    set({ summaryReady: null });
  },
  async cancelPrinting(jobId) {
    await reportsService.cancel(jobId);
  },
  async download(reportId, fileName) {
    const f = await reportsService.file(reportId, fileName);
    saveFile(`patchwell-${reportId}-${f.name}`, f.mime, f.base64);
  },
  async verifyAudit() {
    const [verify, entries] = await Promise.all([appService.auditVerify(), appService.auditList(100)]);
    set({ audit: { verify, entries } });
  },
}));
