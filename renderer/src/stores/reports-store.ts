/** The Reports page: written reports, the schedules that write them, the report being written, and the audit check. */
import { create } from 'zustand';
import type { AuditEntry, AuditVerifyResult, Job, ReportInfo, ReportSchedule } from '../../../shared/contract';
import { appService } from '../services/app-service';
import { reportsService, saveFile } from '../services/reports-service';
import { errorText } from './error-text';

export interface ReportsState {
  /** Null until first read. */
  reports: ReportInfo[] | null;
  error: string | null;
  schedules: ReportSchedule[];
  /** A report job was started here and has not finished yet. */
  generating: boolean;
  audit: { verify: AuditVerifyResult; entries: AuditEntry[] } | null;
}

export interface ReportsActions {
  load(): Promise<void>;
  loadSchedules(): Promise<void>;
  /** Schedule changes and downloads fail to the caller, which says why. */
  addSchedule(every: ReportSchedule['every'], folder: string): Promise<void>;
  removeSchedule(id: string): Promise<void>;
  generate(from: number, to: number): Promise<void>;
  /** A job changed: when it is a report job that ended, the one being written is done. */
  jobUpdated(job: Job): void;
  download(reportId: string, fileName: string): Promise<void>;
  verifyAudit(): Promise<void>;
}

export const initialReportsState: ReportsState = { reports: null, error: null, schedules: [], generating: false, audit: null };

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
  async loadSchedules() {
    try {
      set({ schedules: await reportsService.schedules() });
    } catch {
      // Kept as it was: the section then offers to add one, which says what is wrong if the core is.
    }
  },
  async addSchedule(every, folder) {
    set({ schedules: await reportsService.addSchedule(every, folder) });
  },
  async removeSchedule(id) {
    set({ schedules: await reportsService.removeSchedule(id) });
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
  jobUpdated(job) {
    if (isFinishedReportJob(job)) set({ generating: false });
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
