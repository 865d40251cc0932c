/** Deployment calls: plans, runs, rollbacks, per-machine settings, windows and snapshots. */
import type { HostDeploySettings, PlanRequest, SnapshotRetention, WindowRule } from '../../../shared/contract';
import { invoke } from './client';

export const deployService = {
  plan: (req: PlanRequest) => invoke('deploy/plan', req),
  start: (req: PlanRequest & { confirmed?: boolean }) => invoke('deploy/start', req),
  list: (limit = 100) => invoke('deploy/list', { limit }),
  get: (id: number) => invoke('deploy/get', { id }),
  cancel: (id: number) => invoke('deploy/cancel', { id }),
  resume: (id: number, mode: 'resume' | 'repair') => invoke('deploy/resume', { id, mode }),
  rollback: (id: number, hostIds?: number[]) => invoke('deploy/rollback', hostIds ? { id, hostIds } : { id }),
  settings: () => invoke('deploy/settings', {}),
  setSettings: (ids: number[], patch: Partial<Omit<HostDeploySettings, 'hostId'>>) => invoke('deploy/set-settings', { ids, patch }),
  windows: () => invoke('deploy/windows'),
  setWindows: (tag: string, rules: WindowRule[]) => invoke('deploy/set-windows', { tag, rules }),
  snapshots: (hostId?: number) => invoke('snapshots/list', hostId ? { hostId } : {}),
  retention: () => invoke('snapshots/retention'),
  prune: (r: SnapshotRetention) => invoke('snapshots/prune', r),
  log: (jobId: number) => invoke('jobs/log', { id: jobId }),
  ansibleExport: () => invoke('ansible/export', {}),
};
