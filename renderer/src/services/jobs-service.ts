/** The jobs tray's calls: list, read, follow the log, cancel. */
import { invoke } from './client';

export const jobsService = {
  list: (limit = 50) => invoke('jobs/list', { limit }),
  get: (id: number) => invoke('jobs/get', { id }),
  log: (id: number, afterId = 0) => invoke('jobs/log', { id, afterId }),
  cancel: (id: number) => invoke('jobs/cancel', { id }),
};
