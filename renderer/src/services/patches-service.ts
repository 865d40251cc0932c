/** Patches calls: the prioritised list and approvals of exact versions. */
import { invoke } from './client';

export const patchesService = {
  list: () => invoke('patches/list'),
  byMachine: () => invoke('patches/by-machine'),
  approve: (items: { package: string; candidateVersion: string; hostIds?: number[] }[]) => invoke('patches/approve', { items }),
};
