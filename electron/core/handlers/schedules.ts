import { pauseSchedules, removeSchedule, runScheduleNow, saveSchedule, schedulesState } from '../schedules/schedules';
import type { HandlerMap } from './types';

export const scheduleHandlers: HandlerMap<'schedules/list' | 'schedules/save' | 'schedules/delete' | 'schedules/run-now' | 'schedules/pause'> = {
  'schedules/list': (_arg, s) => schedulesState(s, Date.now()),
  'schedules/save': (input, s) => saveSchedule(s, input, Date.now()),
  'schedules/delete': ({ id }, s) => removeSchedule(s, id, Date.now()),
  'schedules/run-now': ({ id }, s) => {
    const { jobId, message } = runScheduleNow(s, id, Date.now());
    return { jobId, message };
  },
  'schedules/pause': ({ paused }, s) => pauseSchedules(s, paused, Date.now()),
};
