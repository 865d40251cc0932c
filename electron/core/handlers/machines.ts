import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { checkJob } from '../machines/check-job';
import {
  deleteHosts,
  findHostByAddress,
  getHost,
  insertHost,
  listHosts,
  setHostCredential,
  updateHost,
} from '../machines/machine-queries';
import type { HandlerMap } from './types';

function requireHost(s: Parameters<HandlerMap<'machines/get'>['machines/get']>[1], id: number) {
  const h = getHost(s.db, id);
  if (!h) throw new AppError('not-found', `No machine with id ${id}`);
  return h;
}

export const machineHandlers: HandlerMap<
  'machines/list' | 'machines/get' | 'machines/create' | 'machines/update' | 'machines/remove' | 'machines/check' | 'machines/set-credential' | 'machines/accept-host-key'
> = {
  'machines/list': (_arg, s) => listHosts(s.db),

  'machines/get': ({ id }, s) => requireHost(s, id),

  'machines/create': (input, s) =>
    s.db.transaction(() => {
      if (findHostByAddress(s.db, input.address)) {
        throw new AppError('conflict', `${input.address} is already in the inventory`, {
          address: 'This address is already in the inventory',
        });
      }
      const h = insertHost(s.db, input);
      appendAudit(s.db, { actor: 'user', action: 'host.create', targetType: 'host', targetId: h.id, details: { address: h.address } });
      s.events.emit('inventory/changed', { hostIds: [h.id], reason: 'created' });
      return h;
    })(),

  'machines/update': ({ id, patch }, s) =>
    s.db.transaction(() => {
      requireHost(s, id);
      if (patch.address) {
        const other = findHostByAddress(s.db, patch.address);
        if (other && other.id !== id) {
          throw new AppError('conflict', `${patch.address} belongs to another machine`, { address: 'Another machine has this address' });
        }
      }
      const h = updateHost(s.db, id, patch)!;
      appendAudit(s.db, { actor: 'user', action: 'host.update', targetType: 'host', targetId: id, details: { fields: Object.keys(patch) } });
      s.events.emit('inventory/changed', { hostIds: [id], reason: 'updated' });
      return h;
    })(),

  'machines/remove': ({ ids }, s) =>
    s.db.transaction(() => {
      const existing = ids.map((id) => getHost(s.db, id)).filter((h) => h !== undefined);
      deleteHosts(s.db, ids);
      for (const h of existing) {
        appendAudit(s.db, { actor: 'user', action: 'host.remove', targetType: 'host', targetId: h.id, details: { address: h.address } });
      }
      s.events.emit('inventory/changed', { hostIds: ids, reason: 'removed' });
      return { ok: true as const };
    })(),

  'machines/check': ({ ids }, s) => {
    const all = listHosts(s.db);
    const hosts = ids ? all.filter((h) => ids.includes(h.id)) : all;
    if (hosts.length === 0) throw new AppError('bad-request', 'No machines to check: add one first');
    const title = hosts.length === 1 ? `Check ${hosts[0]!.address}` : `Check ${hosts.length} machines`;
    return { jobId: s.jobs.start('check', title, { ids: hosts.map((h) => h.id) }, checkJob(s.db, s.events, hosts)) };
  },

  'machines/set-credential': ({ ids, credentialId }, s) =>
    s.db.transaction(() => {
      if (credentialId !== null && !s.vault.get(credentialId)) throw new AppError('not-found', `No credential ${credentialId}`);
      setHostCredential(s.db, ids, credentialId);
      appendAudit(s.db, { actor: 'user', action: 'host.set-credential', targetType: 'host', targetId: ids.join(','), details: { credentialId } });
      s.events.emit('inventory/changed', { hostIds: ids, reason: 'credential' });
      return { ok: true as const };
    })(),

  'machines/accept-host-key': ({ id }, s) => {
    s.connections.acceptPendingKey(requireHost(s, id));
    return requireHost(s, id);
  },
};
