/** The office cache's state, and emptying it (its settings are app settings: settings-service). */
import { invoke } from './client';

export const officeCacheService = {
  status: () => invoke('cache/status'),
  clear: () => invoke('cache/clear'),
};
