/** Patches calls: the prioritised list and approvals of exact versions. */
import { invoke } from './client';

export const patchesService = {
  list: () => invoke('patches/list'),
  byMachine: () => invoke('patches/by-machine'),
  approve: (items: { package: string; candidateVersion: string; hostIds?: number[] }[], acknowledgeHistory = false) =>
    invoke('patches/approve', { items, ...(acknowledgeHistory ? { acknowledgeHistory } : {}) }),
  /** The admin clears a version's fleet-memory mark (audited). */
  clearMark: (pkg: string, version: string) => invoke('patches/clear-mark', { package: pkg, version }),
};
