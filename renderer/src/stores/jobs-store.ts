/** Jobs for the tray: the recent list, kept live by `job/updated` events. */
import { create } from 'zustand';
import type { Job, JobLogLine, JobTarget } from '../../../shared/contract';
import { jobsService } from '../services/jobs-service';
import { useUiStore } from './ui-store';

export interface JobsState {
  jobs: Job[];
  targets: Record<number, JobTarget[]>;
  logs: Record<number, JobLogLine[]>;
  trayOpen: boolean;
  /** Jobs that finished (or failed) while the tray was closed: the badge counts them until the tray is opened. */
  unseen: number[];
  /** Finished jobs the user cleared from the tray. */
  cleared: number[];
}

export interface JobsActions {
  load(): Promise<void>;
  applyUpdate(job: Job, targets: JobTarget[]): void;
  appendLog(lines: JobLogLine[]): void;
  loadLog(id: number): Promise<void>;
  cancel(id: number): Promise<void>;
  /** Opening the tray counts as seeing what finished. */
  setTrayOpen(open: boolean): void;
  /** Takes finished and failed jobs out of the tray (running ones stay). */
  clearFinished(): void;
}

export const initialJobsState: JobsState = { jobs: [], targets: {}, logs: {}, trayOpen: false, unseen: [], cleared: [] };

const isActive = (j: Job): boolean => j.state === 'queued' || j.state === 'running';
const FAILED: ReadonlySet<Job['state']> = new Set(['failed', 'partial']);

export const useJobsStore = create<JobsState & JobsActions>()((set, get) => ({
  ...initialJobsState,
  async load() {
    set({ jobs: await jobsService.list(30) });
  },
  applyUpdate(job, targets) {
    const before = get().jobs.find((j) => j.id === job.id);
    // A job seen ending now (not one already ended when the list was loaded).
    const endedNow = !isActive(job) && (!before || isActive(before));
    set((s) => {
      const others = s.jobs.filter((j) => j.id !== job.id);
      const jobs = [job, ...others].sort((a, b) => b.id - a.id).slice(0, 30);
      const unseen = endedNow && !s.trayOpen && !s.unseen.includes(job.id) ? [...s.unseen, job.id] : s.unseen;
      return { jobs, unseen, targets: { ...s.targets, [job.id]: targets } };
    });
    if (endedNow && FAILED.has(job.state)) {
      const why = job.error ?? job.summary;
      useUiStore.getState().toast('error', `${job.title} ${job.state === 'partial' ? 'partly failed' : 'failed'}${why ? `: ${why}` : ''}`);
    }
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
  setTrayOpen: (open) => set(open ? { trayOpen: true, unseen: [] } : { trayOpen: false }),
  clearFinished: () => set((s) => ({ cleared: [...new Set([...s.cleared, ...s.jobs.filter((j) => !isActive(j)).map((j) => j.id)])], unseen: [] })),
}));

export const jobsSelectors = {
  active: (s: JobsState): Job[] => s.jobs.filter(isActive),
  isActive,
  /** What the open tray lists: running jobs and finished ones not cleared. */
  listed: (s: JobsState): Job[] => s.jobs.filter((j) => isActive(j) || !s.cleared.includes(j.id)),
  /** The collapsed tray's badge: running jobs and those that ended unseen. */
  badge: (s: JobsState): number => s.jobs.filter(isActive).length + s.unseen.filter((id) => s.jobs.some((j) => j.id === id)).length,
  finishedCount: (s: JobsState): number => s.jobs.filter((j) => !isActive(j) && !s.cleared.includes(j.id)).length,
};
