/** Assessment calls: start a job, read a machine's updates and history. */
import { invoke } from './client';

export const assessService = {
  start: (ids?: number[], allowFirstContact = false) => invoke('assess/start', { ...(ids ? { ids } : {}), ...(allowFirstContact ? { allowFirstContact } : {}) }),
  firstContacts: (ids?: number[]) => invoke('machines/first-contacts', ids ? { ids } : {}),
  updates: (id: number) => invoke('machines/updates', { id }),
  history: (id: number, limit = 5) => invoke('machines/assessments', { id, limit }),
};
