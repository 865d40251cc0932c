/** The Deployments page: the plan for what is approved, past and running deployments, and the one opened. */
import { create } from 'zustand';
import type {
  DeploymentDetail, DeploymentSummary, HostDeploySettings, JobLogLine, MaintenanceWindows, PlanView, SnapshotRetention, SnapshotView,
} from '../../../shared/contract';
import { deployService } from '../services/deploy-service';
import { saveText } from '../services/reports-service';
import { busyRunner } from './busy';

export interface PlanOptions {
  concurrency: number;
  gatePercent: number;
  deployNow: boolean;
}

export interface DeployState {
  plan: PlanView | null;
  options: PlanOptions;
  list: DeploymentSummary[];
  openId: number | null;
  detail: DeploymentDetail | null;
  log: JobLogLine[];
  settings: HostDeploySettings[];
  windows: MaintenanceWindows[];
  snapshots: SnapshotView[];
  retention: SnapshotRetention | null;
  loaded: boolean;
  error: string | null;
  busy: boolean;
}

export interface DeployActions {
  load(): Promise<void>;
  loadPlan(): Promise<void>;
  setOptions(patch: Partial<PlanOptions>): void;
  start(confirmed: boolean): Promise<number>;
  open(id: number | null): Promise<void>;
  refreshOpen(): Promise<void>;
  cancel(id: number): Promise<void>;
  resume(id: number, mode: 'resume' | 'repair'): Promise<void>;
  rollback(id: number, hostIds?: number[]): Promise<number>;
  loadSetup(): Promise<void>;
  saveSettings(ids: number[], patch: Partial<Omit<HostDeploySettings, 'hostId'>>): Promise<void>;
  saveWindows(tag: string, rules: MaintenanceWindows['rules']): Promise<void>;
  prune(r: SnapshotRetention): Promise<number>;
  /** Hands the inventory and a playbook of the approved versions to the user as two files. */
  exportAnsible(): Promise<{ machines: number; approved: number }>;
}

export const initialDeployState: DeployState = {
  plan: null,
  options: { concurrency: 4, gatePercent: 100, deployNow: false },
  list: [],
  openId: null,
  detail: null,
  log: [],
  settings: [],
  windows: [],
  snapshots: [],
  retention: null,
  loaded: false,
  error: null,
  busy: false,
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const useDeployStore = create<DeployState & DeployActions>()((set, get) => ({
  ...initialDeployState,
  async load() {
    try {
      const [list] = await Promise.all([deployService.list(), get().loadPlan()]);
      set({ list, loaded: true, error: null });
      if (get().openId !== null) await get().refreshOpen();
    } catch (e) {
      set({ loaded: true, error: message(e) });
    }
  },
  async loadPlan() {
    set({ plan: await deployService.plan(get().options) });
  },
  setOptions(patch) {
    set((s) => ({ options: { ...s.options, ...patch } }));
    void get().loadPlan().catch((e: unknown) => set({ error: message(e) }));
  },
  start: (confirmed) =>
    busyRunner(set)(async () => {
      const { deploymentId } = await deployService.start({ ...get().options, confirmed });
      await get().load();
      await get().open(deploymentId);
      return deploymentId;
    }),
  async open(id) {
    set({ openId: id, detail: null, log: [] });
    if (id !== null) await get().refreshOpen();
  },
  async refreshOpen() {
    const id = get().openId;
    if (id === null) return;
    const detail = await deployService.get(id);
    const log = detail.jobId ? await deployService.log(detail.jobId) : [];
    if (get().openId === id) set({ detail, log });
  },
  async cancel(id) {
    await deployService.cancel(id);
    await get().load();
  },
  async resume(id, mode) {
    await deployService.resume(id, mode);
    await get().load();
  },
  async rollback(id, hostIds) {
    const { deploymentId } = await deployService.rollback(id, hostIds);
    await get().load();
    await get().open(deploymentId);
    return deploymentId;
  },
  async loadSetup() {
    const [settings, windows, snapshots, retention] = await Promise.all([
      deployService.settings(), deployService.windows(), deployService.snapshots(), deployService.retention(),
    ]);
    set({ settings, windows, snapshots, retention });
  },
  async saveSettings(ids, patch) {
    await deployService.setSettings(ids, patch);
    set({ settings: await deployService.settings() });
    await get().loadPlan();
  },
  async saveWindows(tag, rules) {
    set({ windows: await deployService.setWindows(tag, rules) });
    await get().loadPlan();
  },
  async prune(r) {
    const { toDelete } = await deployService.prune(r);
    set({ retention: r, snapshots: await deployService.snapshots() });
    return toDelete;
  },
  async exportAnsible() {
    const r = await deployService.ansibleExport();
    saveText('patchwell-inventory.yml', 'application/yaml', r.inventory);
    saveText('patchwell-approved.yml', 'application/yaml', r.playbook);
    return { machines: r.machines, approved: r.approved };
  },
}));

/** Whether new log lines belong to the deployment open on screen (its log is then out of date). */
export const showsLogOf = (s: Pick<DeployState, 'detail'>, lines: JobLogLine[]): boolean =>
  !!s.detail?.jobId && lines.some((l) => l.jobId === s.detail!.jobId);

/** "3 succeeded · 1 rolled back" from a deployment's counts, the non-zero ones only. */
export function countsText(counts: DeploymentSummary['counts']): string {
  const label: Partial<Record<keyof typeof counts, string>> = {
    succeeded: 'updated', 'rolled-back': 'rolled back', 'rollback-failed': 'rollback failed', failed: 'failed', running: 'running',
    pending: 'pending', waiting: 'waiting for window', interrupted: 'interrupted', skipped: 'not started', cancelled: 'cancelled',
  };
  return (Object.entries(counts) as [keyof typeof counts, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${label[k] ?? k}`)
    .join(' · ');
}
