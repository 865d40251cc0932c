import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { isStale, listFeeds } from '../intel/intel-store';
import { byMachineCache, patchRowsCache } from '../intel/patch-cache';
import { ApprovalBlockedError, approveUpdates } from '../intel/patch-queries';
import type { HandlerMap } from './types';

export const patchHandlers: HandlerMap<'patches/list' | 'patches/by-machine' | 'patches/approve'> = {
  'patches/list': (_arg, s) => ({
    rows: patchRowsCache(s.events).get(s.db),
    feeds: listFeeds(s.db).map((f) => ({ ...f, stale: isStale(f) })),
  }),
  'patches/by-machine': (_arg, s) => byMachineCache(s.events).get(s.db),
  // Every approval names the exact versions, per machine, and is audited with them.
  'patches/approve': ({ items }, s) =>
    s.db.transaction(() => {
      let approved: ReturnType<typeof approveUpdates>;
      try {
        approved = approveUpdates(s.db, items, 'user');
      } catch (e) {
        if (e instanceof ApprovalBlockedError) throw new AppError('bad-request', e.message);
        throw e;
      }
      for (const a of approved) {
        appendAudit(s.db, { actor: 'user', action: 'patch.approve', targetType: 'host', targetId: a.hostId, details: { package: a.package, from: a.from, to: a.to } });
      }
      if (approved.length) s.events.emit('inventory/changed', { hostIds: [...new Set(approved.map((a) => a.hostId))], reason: 'approved' });
      return { approved: approved.length };
    })(),
};
