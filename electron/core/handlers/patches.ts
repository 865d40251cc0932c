import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { clearMark, markedInRequest, versionMemory } from '../deploy/fleet-memory';
import { isStale, listFeeds } from '../intel/intel-store';
import { byMachineCache, patchRowsCache } from '../intel/patch-cache';
import { ApprovalBlockedError, approveUpdates } from '../intel/patch-queries';
import type { HandlerMap } from './types';

export const patchHandlers: HandlerMap<'patches/list' | 'patches/by-machine' | 'patches/approve' | 'patches/history' | 'patches/clear-mark'> = {
  'patches/list': (_arg, s) => ({
    rows: patchRowsCache(s.events).get(s.db),
    feeds: listFeeds(s.db).map((f) => ({ ...f, stale: isStale(f) })),
  }),
  'patches/by-machine': (_arg, s) => byMachineCache(s.events).get(s.db),
  // Every approval names the exact versions, per machine, and is audited with them.
  'patches/approve': ({ items, acknowledgeHistory }, s) =>
    s.db.transaction(() => {
      // A version that failed or was rolled back before is approved only by someone who was shown why.
      const marked = markedInRequest(s.db, items);
      if (marked.length && !acknowledgeHistory) {
        const lines = marked.map((m) => `${m.package} ${m.version}: ${m.failures[0]!.text}`);
        throw new AppError('conflict', `Failed before, nothing was approved: ${lines.join('; ')}. Approve again acknowledging this history.`);
      }
      const history = new Map(marked.map((m) => [`${m.package}\u0000${m.version}`, m.failures.map((f) => f.text)]));
      let approved: ReturnType<typeof approveUpdates>;
      try {
        approved = approveUpdates(s.db, items, 'user');
      } catch (e) {
        if (e instanceof ApprovalBlockedError) throw new AppError('bad-request', e.message);
        throw e;
      }
      for (const a of approved) {
        const acknowledged = history.get(`${a.package}\u0000${a.to}`);
        appendAudit(s.db, {
          actor: 'user',
          action: 'patch.approve',
          targetType: 'host',
          targetId: a.hostId,
          details: { package: a.package, from: a.from, to: a.to, ...(acknowledged ? { acknowledgedHistory: acknowledged } : {}) },
        });
      }
      if (approved.length) s.events.emit('inventory/changed', { hostIds: [...new Set(approved.map((a) => a.hostId))], reason: 'approved' });
      return { approved: approved.length };
    })(),
  'patches/history': ({ package: pkg, version }, s) => versionMemory(s.db, pkg, version),
  'patches/clear-mark': ({ package: pkg, version, reason }, s) => {
    const cleared = clearMark(s.db, pkg, version, reason ?? '');
    // The Patches rows carry the mark: they are rebuilt.
    if (cleared) s.events.emit('inventory/changed', { hostIds: [], reason: 'memory-cleared' });
    return { cleared };
  },
};
