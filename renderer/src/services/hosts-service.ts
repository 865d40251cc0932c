/** The hosts domain's calls; stores use these, components never call the bridge directly. */
import type { HostInput } from '../../../shared/contract';
import { invoke } from './client';

export const hostsService = {
  list: () => invoke('hosts/list'),
  create: (input: HostInput) => invoke('hosts/create', input),
  update: (id: number, patch: Partial<HostInput>) => invoke('hosts/update', { id, patch }),
  remove: (ids: number[]) => invoke('hosts/remove', { ids }),
  check: (ids?: number[]) => invoke('hosts/check', ids ? { ids } : {}),
};

export const jobsService = {
  list: (limit = 50) => invoke('jobs/list', { limit }),
  get: (id: number) => invoke('jobs/get', { id }),
  log: (id: number, afterId = 0) => invoke('jobs/log', { id, afterId }),
  cancel: (id: number) => invoke('jobs/cancel', { id }),
};

export const appService = {
  info: () => invoke('app/info'),
  auditVerify: () => invoke('audit/verify'),
  auditList: (limit = 100) => invoke('audit/list', { limit }),
};
