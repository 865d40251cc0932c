/** The notices' calls: list, mark seen, clear the seen ones. */
import { invoke } from './client';

export const noticesService = {
  list: (limit = 100) => invoke('notices/list', { limit }),
  markSeen: (ids?: number[]) => invoke('notices/mark-seen', ids ? { ids } : {}),
  clearSeen: () => invoke('notices/clear-seen'),
};
