import { appendAudit } from '../audit/audit-log';
import { setTagProfile } from '../machines/machine-profile';
import { tagProfileViews } from '../intel/machine-risk';
import { machineRiskCache } from '../intel/patch-cache';
import type { HandlerMap } from './types';

export const machineRiskHandlers: HandlerMap<'machines/risk' | 'tags/profiles' | 'tags/set-profile'> = {
  'machines/risk': (_arg, s) => machineRiskCache(s.events).get(s.db),
  'tags/profiles': (_arg, s) => tagProfileViews(s.db),
  // A tag's profile changes every score of its machines: audited, then everything derived is rebuilt.
  'tags/set-profile': (profile, s) =>
    s.db.transaction(() => {
      const before = setTagProfile(s.db, profile);
      appendAudit(s.db, { actor: 'user', action: 'tag.profile', targetType: 'tag', targetId: profile.tag, details: { before, after: profile } });
      s.events.emit('inventory/changed', { hostIds: [], reason: 'tags' });
      return tagProfileViews(s.db);
    })(),
};
