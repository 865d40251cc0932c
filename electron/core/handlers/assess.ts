import { AppError } from '../../../shared/contract';
import { assessJob } from '../assess/assess-job';
import { listAssessments, listOpenUpdates } from '../assess/update-queries';
import { appendAudit } from '../audit/audit-log';
import { allowFirstContact, firstContactError, firstContactsNeeded } from '../machines/first-contact';
import { getHost, listHosts } from '../machines/machine-queries';
import { getSettings, updateSettings } from '../settings';
import type { HandlerMap } from './types';

export const assessHandlers: HandlerMap<'assess/start' | 'machines/first-contacts' | 'machines/updates' | 'machines/assessments' | 'settings/get' | 'settings/update'> = {
  'assess/start': ({ ids, refresh, allowFirstContact: allowed }, s) => {
    const all = listHosts(s.db);
    const hosts = ids ? all.filter((h) => ids.includes(h.id)) : all;
    if (hosts.length === 0) throw new AppError('bad-request', 'No machines to assess: add one first');
    s.vault.assertUnlocked();
    const firstContacts = firstContactsNeeded(hosts, (h) => s.vault.resolveFor(h));
    if (firstContacts.length > 0) {
      if (!allowed) throw firstContactError(firstContacts);
      allowFirstContact(s.db, firstContacts);
    }
    const settings = getSettings(s.db);
    const title = hosts.length === 1 ? `Assess ${hosts[0]!.address}` : `Assess ${hosts.length} machines`;
    const jobId = s.jobs.start(
      'assess',
      title,
      { ids: hosts.map((h) => h.id), refresh: refresh ?? settings.refreshPackageLists },
      assessJob(s, hosts, { refresh: refresh ?? settings.refreshPackageLists, concurrency: settings.maxConcurrentHosts }),
    );
    // Refreshing package lists changes the machine (apt-get update), so it is audited.
    s.db.transaction(() => appendAudit(s.db, { actor: 'user', action: 'assess.start', targetType: 'job', targetId: jobId, details: { hosts: hosts.map((h) => h.address), refresh: refresh ?? settings.refreshPackageLists } }))();
    return { jobId };
  },
  'machines/first-contacts': ({ ids }, s) => {
    const all = listHosts(s.db);
    return firstContactsNeeded(ids ? all.filter((h) => ids.includes(h.id)) : all, (h) => s.vault.resolveFor(h));
  },
  'machines/updates': ({ id }, s) => {
    if (!getHost(s.db, id)) throw new AppError('not-found', `No machine with id ${id}`);
    return listOpenUpdates(s.db, id);
  },
  'machines/assessments': ({ id, limit }, s) => listAssessments(s.db, id, limit ?? 20),
  'settings/get': (_arg, s) => getSettings(s.db),
  'settings/update': async (patch, s) => {
    const next = s.db.transaction(() => {
      const saved = updateSettings(s.db, patch);
      appendAudit(s.db, { actor: 'user', action: 'settings.update', details: patch });
      return saved;
    })();
    // The office cache changes at once: switched off, on, to offline mode, or to a new bound.
    if (patch.officeCache) await s.officeCacheControl?.apply(next.officeCache);
    return next;
  },
};
