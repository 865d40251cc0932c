/** The Schedules page: every schedule with its next runs and last outcome, and whether all are paused. */
import { create } from 'zustand';
import type { ScheduleInput, SchedulesState } from '../../../shared/contract';
import { schedulesService } from '../services/schedules-service';
import { errorText } from './error-text';
import { busyRunner } from './busy';

export interface SchedulesStoreState {
  /** Null until first read. */
  data: SchedulesState | null;
  error: string | null;
  busy: boolean;
}

export interface SchedulesActions {
  load(): Promise<void>;
  /** Changes fail to the caller, which says why (a bad expression, a folder Patchwell may not write to). */
  save(input: ScheduleInput): Promise<void>;
  remove(id: number): Promise<void>;
  /** What the run did, in words. */
  runNow(id: number): Promise<string>;
  setPaused(paused: boolean): Promise<void>;
}

export const initialSchedulesState: SchedulesStoreState = { data: null, error: null, busy: false };

export const useSchedulesStore = create<SchedulesStoreState & SchedulesActions>()((set, get) => {
  const busy = busyRunner(set);
  return {
    ...initialSchedulesState,
    async load() {
      try {
        set({ data: await schedulesService.list(), error: null });
      } catch (e) {
        set({ error: errorText(e) });
      }
    },
    save: (input) => busy(async () => set({ data: await schedulesService.save(input), error: null })),
    remove: (id) => busy(async () => set({ data: await schedulesService.remove(id), error: null })),
    runNow: (id) =>
      busy(async () => {
        const { message } = await schedulesService.runNow(id);
        await get().load();
        return message;
      }),
    setPaused: (paused) => busy(async () => set({ data: await schedulesService.pause(paused), error: null })),
  };
});

/** A finished job may be a schedule's last run: its outcome column changes. */
export const endsScheduledRun = (state: SchedulesStoreState, jobId: number): boolean =>
  state.data?.schedules.some((s) => s.lastJobId === jobId) ?? false;
