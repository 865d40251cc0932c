import { appendAudit } from '../audit/audit-log';
import { OfficeCacheControl } from '../office-cache/office-cache-control';
import type { CoreServices } from '../services';
import { getSettings } from '../settings';
import type { HandlerMap } from './types';

// Test doubles of the services have no control: they answer as a process that does not run the cache.
const controlOf = (s: CoreServices) => s.officeCacheControl ?? new OfficeCacheControl(s.dataDir, false);

export const officeCacheHandlers: HandlerMap<'cache/status' | 'cache/clear'> = {
  'cache/status': (_arg, s) => controlOf(s).status(getSettings(s.db).officeCache),
  'cache/clear': async (_arg, s) => {
    const state = await controlOf(s).clear(getSettings(s.db).officeCache);
    s.db.transaction(() => appendAudit(s.db, { actor: 'user', action: 'cache.clear' }))();
    return state;
  },
};
