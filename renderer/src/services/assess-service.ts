/** Assessment calls: start a job, read a machine's updates and history, and the settings that shape them. */
import type { AppSettings } from '../../../shared/contract';
import { invoke } from './client';

export const assessService = {
  start: (ids?: number[]) => invoke('assess/start', ids ? { ids } : {}),
  updates: (id: number) => invoke('hosts/updates', { id }),
  history: (id: number, limit = 5) => invoke('hosts/assessments', { id, limit }),
  settings: () => invoke('settings/get'),
  updateSettings: (patch: Partial<AppSettings>) => invoke('settings/update', patch),
};
