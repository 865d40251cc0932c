import { AppError } from '../../../shared/contract';
import { canRepairDpkg } from '../../../shared/machine-state';
import { appendAudit } from '../audit/audit-log';
import { listHosts, getHost } from '../machines/machine-queries';
import { recheckJob } from '../machines/recheck-job';
import { repairJob } from '../machines/repair-job';
import { hostLabel } from '../../../shared/host-label';
import type { HandlerMap } from './types';

export const machineStateHandlers: HandlerMap<'machines/recheck' | 'machines/repair'> = {
  'machines/recheck': ({ ids }, s) => {
    const hosts = listHosts(s.db).filter((h) => ids.includes(h.id));
    if (hosts.length === 0) throw new AppError('not-found', 'None of these machines is in the inventory');
    const title = hosts.length === 1 ? `Check ${hostLabel(hosts[0]!)} again` : `Check ${hosts.length} machines again`;
    // Recorded as a "check" job: the jobs table's kinds are fixed by a CHECK constraint, and this is one.
    return { jobId: s.jobs.start('check', title, { ids: hosts.map((h) => h.id) }, recheckJob(s, hosts)) };
  },

  'machines/repair': ({ id }, s) => {
    const host = getHost(s.db, id);
    if (!host) throw new AppError('not-found', `No machine with id ${id}`);
    if (!canRepairDpkg(host)) {
      throw new AppError('bad-request', `${hostLabel(host)} has no interrupted dpkg to repair (its last check found ${host.health?.ok === false ? 'a problem that needs a person' : 'dpkg healthy'})`);
    }
    appendAudit(s.db, { actor: 'user', action: 'host.repair-dpkg.request', targetType: 'host', targetId: id, details: { address: host.address } });
    // A "check" job too (same constraint); its title says it changes the machine.
    return { jobId: s.jobs.start('check', `Repair dpkg on ${hostLabel(host)} (dpkg --configure -a)`, { id }, repairJob(s, host)) };
  },
};
