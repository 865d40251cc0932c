/** The detail views' calls: one update across the fleet, one machine with its history. */
import { invoke } from './client';

export const detailService = {
  update: (pkg: string, candidateVersion: string) => invoke('patches/detail', { package: pkg, candidateVersion }),
  machine: (id: number) => invoke('machines/detail', { id }),
};
