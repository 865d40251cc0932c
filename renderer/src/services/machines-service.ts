/** The machines domain's calls; stores use these, components never call the bridge directly. */
import type { HostInput } from '../../../shared/contract';
import { invoke } from './client';

export const machinesService = {
  list: () => invoke('machines/list'),
  create: (input: HostInput) => invoke('machines/create', input),
  update: (id: number, patch: Partial<HostInput>) => invoke('machines/update', { id, patch }),
  remove: (ids: number[]) => invoke('machines/remove', { ids }),
  check: (ids?: number[]) => invoke('machines/check', ids ? { ids } : {}),
  recheck: (ids: number[]) => invoke('machines/recheck', { ids }),
  repair: (id: number) => invoke('machines/repair', { id }),
};
