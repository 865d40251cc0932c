/** Jobs for the tray: the recent list, kept live by `job/updated` events. */
import { create } from 'zustand';
import type { Job, JobLogLine, JobTarget } from '../../../shared/contract';
import { jobsService } from '../services/jobs-service';

export interface JobsState {
  jobs: Job[];
  targets: Record<number, JobTarget[]>;
  logs: Record<number, JobLogLine[]>;
  trayOpen: boolean;
}

export interface JobsActions {
  load(): Promise<void>;
  applyUpdate(job: Job, targets: JobTarget[]): void;
  appendLog(lines: JobLogLine[]): void;
  loadLog(id: number): Promise<void>;
  cancel(id: number): Promise<void>;
  setTrayOpen(open: boolean): void;
}

export const initialJobsState: JobsState = { jobs: [], targets: {}, logs: {}, trayOpen: false };

export const useJobsStore = create<JobsState & JobsActions>()((set) => ({
  ...initialJobsState,
  async load() {
    set({ jobs: await jobsService.list(30) });
  },
  applyUpdate(job, targets) {
    set((s) => {
      const others = s.jobs.filter((j) => j.id !== job.id);
      const jobs = [job, ...others].sort((a, b) => b.id - a.id).slice(0, 30);
      return { jobs, targets: { ...s.targets, [job.id]: targets } };
    });
  },
  appendLog(lines) {
    set((s) => {
      const logs = { ...s.logs };
      for (const line of lines) {
        const existing = logs[line.jobId];
        // Only jobs whose log is open are kept in memory.
        if (existing && !existing.some((l) => l.id === line.id)) logs[line.jobId] = [...existing, line].slice(-1000);
      }
      return { logs };
    });
  },
  async loadLog(id) {
    const lines = await jobsService.log(id);
    set((s) => ({ logs: { ...s.logs, [id]: lines } }));
    const detail = await jobsService.get(id);
    set((s) => ({ targets: { ...s.targets, [id]: detail.targets } }));
  },
  async cancel(id) {
    await jobsService.cancel(id);
  },
  setTrayOpen: (open) => set({ trayOpen: open }),
}));

export const jobsSelectors = {
  active: (s: JobsState): Job[] => s.jobs.filter((j) => j.state === 'queued' || j.state === 'running'),
  isActive: (j: Job): boolean => j.state === 'queued' || j.state === 'running',
};
