import { appendAudit } from '../audit/audit-log';
import { backgroundStatus, setBackground } from '../background/background-status';
import type { HandlerMap } from './types';

export const backgroundHandlers: HandlerMap<'background/status' | 'background/set'> = {
  'background/status': (_arg, s) => backgroundStatus(s.db),
  'background/set': (patch, s) => {
    s.db.transaction(() => {
      setBackground(s.db, patch);
      // Pausing schedules stops planned work, so it is audited like any setting.
      appendAudit(s.db, { actor: 'user', action: 'settings.update', details: patch });
    })();
    s.events.emit('background/changed', {});
    return backgroundStatus(s.db);
  },
};
