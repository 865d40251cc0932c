/** Schedules: list, save, remove, run now, pause all. */
import type { ScheduleInput } from '../../../shared/contract';
import { invoke } from './client';

export const schedulesService = {
  list: () => invoke('schedules/list'),
  save: (input: ScheduleInput) => invoke('schedules/save', input),
  remove: (id: number) => invoke('schedules/delete', { id }),
  runNow: (id: number) => invoke('schedules/run-now', { id }),
  pause: (paused: boolean) => invoke('schedules/pause', { paused }),
};
