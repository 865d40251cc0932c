/**
 * The core's call handlers, one per name in the contract. `dispatch` is the only way in: it treats the
 * name and argument as unknown, rejects unknown names, parses the argument with the contract's schema,
 * and turns every failure into a wire error.
 */
import type { z } from 'zod';
import {
  AppError,
  type CallName,
  type CallResult,
  calls,
  fieldsFromZod,
  isCallName,
} from '../../shared/contract';
import { appendAudit, listAudit, verifyAudit } from './audit/audit-log';
import type { CoreServices } from './services';
import { checkJob } from './hosts/check-job';
import { deleteHosts, findHostByAddress, getHost, insertHost, listHosts, updateHost } from './hosts/host-queries';
import { getJobDetail, listJobs, listLogLines } from './jobs/job-queries';
import { schemaVersion } from './db/open';

type ParsedArg<K extends CallName> = z.output<(typeof calls)[K]['arg']>;
type Handlers = { [K in CallName]: (arg: ParsedArg<K>, s: CoreServices) => Promise<CallResult<K>> | CallResult<K> };

const handlers: Handlers = {
  'app/info': (_arg, s) => ({
    version: s.version,
    schemaVersion: schemaVersion(s.db),
    dataDir: s.dataDir,
    runtime: s.runtime,
  }),

  'hosts/list': (_arg, s) => listHosts(s.db),

  'hosts/get': ({ id }, s) => {
    const h = getHost(s.db, id);
    if (!h) throw new AppError('not-found', `No machine with id ${id}`);
    return h;
  },

  'hosts/create': (input, s) =>
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

  'hosts/update': ({ id, patch }, s) =>
    s.db.transaction(() => {
      if (!getHost(s.db, id)) throw new AppError('not-found', `No machine with id ${id}`);
      if (patch.address) {
        const other = findHostByAddress(s.db, patch.address);
        if (other && other.id !== id) {
          throw new AppError('conflict', `${patch.address} belongs to another machine`, {
            address: 'Another machine has this address',
          });
        }
      }
      const h = updateHost(s.db, id, patch)!;
      appendAudit(s.db, { actor: 'user', action: 'host.update', targetType: 'host', targetId: id, details: { fields: Object.keys(patch) } });
      s.events.emit('inventory/changed', { hostIds: [id], reason: 'updated' });
      return h;
    })(),

  'hosts/remove': ({ ids }, s) =>
    s.db.transaction(() => {
      const existing = ids.map((id) => getHost(s.db, id)).filter((h) => h !== undefined);
      deleteHosts(s.db, ids);
      for (const h of existing) {
        appendAudit(s.db, { actor: 'user', action: 'host.remove', targetType: 'host', targetId: h.id, details: { address: h.address } });
      }
      s.events.emit('inventory/changed', { hostIds: ids, reason: 'removed' });
      return { ok: true as const };
    })(),

  'hosts/check': ({ ids }, s) => {
    const all = listHosts(s.db);
    const hosts = ids ? all.filter((h) => ids.includes(h.id)) : all;
    if (hosts.length === 0) throw new AppError('bad-request', 'No machines to check: add one first');
    const title = hosts.length === 1 ? `Check ${hosts[0]!.address}` : `Check ${hosts.length} machines`;
    const jobId = s.jobs.start('check', title, { ids: hosts.map((h) => h.id) }, checkJob(s.db, s.events, hosts));
    return { jobId };
  },

  'jobs/list': ({ limit }, s) => listJobs(s.db, limit ?? 50),

  'jobs/get': ({ id }, s) => {
    const j = getJobDetail(s.db, id);
    if (!j) throw new AppError('not-found', `No job ${id}`);
    return j;
  },

  'jobs/log': ({ id, afterId }, s) => listLogLines(s.db, id, afterId ?? 0),

  'jobs/cancel': ({ id }, s) => {
    s.jobs.cancel(id);
    return { ok: true as const };
  },

  'audit/list': (arg, s) => listAudit(s.db, arg),

  'audit/verify': (_arg, s) => verifyAudit(s.db),
};

export interface DispatchOptions {
  /** Validate results against the contract too (on in tests, where a drift must fail loudly). */
  checkResults?: boolean;
}

export async function dispatch(
  services: CoreServices,
  name: unknown,
  arg: unknown,
  options: DispatchOptions = {},
): Promise<unknown> {
  if (!isCallName(name)) throw new AppError('unknown-call', `Unknown call ${JSON.stringify(String(name)).slice(0, 120)}`);
  const spec = calls[name];
  const parsed = spec.arg.safeParse(arg);
  if (!parsed.success) {
    const fields = fieldsFromZod(parsed.error);
    const first = Object.entries(fields)[0];
    throw new AppError('bad-request', first ? `${first[1]}${first[0] !== '_' ? ` (${first[0]})` : ''}` : 'Invalid request', fields);
  }
  const handler = handlers[name] as (a: unknown, s: CoreServices) => unknown;
  const result = await handler(parsed.data, services);
  if (options.checkResults) {
    const check = spec.result.safeParse(result);
    if (!check.success) throw new AppError('internal', `Result of ${name} breaks the contract: ${check.error.message}`);
  }
  return result;
}
