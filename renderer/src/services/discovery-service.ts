/** Discovery calls for the scan dialog. */
import { invoke } from './client';

export const discoveryService = {
  suggest: () => invoke('discovery/suggest'),
  check: (include: string, exclude: string, extraPorts: number[]) => invoke('discovery/check', { include, exclude, extraPorts }),
  start: (include: string, exclude: string, extraPorts: number[], confirmLarge: boolean) =>
    invoke('discovery/start', { include, exclude, extraPorts, confirmLarge }),
  results: (jobId: number) => invoke('discovery/results', { jobId }),
  add: (scanId: number, addresses: string[]) => invoke('discovery/add', { scanId, addresses }),
};
