/**
 * The event router: one subscription, each event to the stores on screen, the Deployments refetch coalesced.
 * The services are faked at their modules, so what is asserted is which calls reach the core.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job, JobLogLine, ScanResult } from '../../../shared/contract';
import { dashboardService } from '../services/dashboard-service';
import { deployService } from '../services/deploy-service';
import { jobsService } from '../services/jobs-service';
import { machinesService } from '../services/machines-service';
import { machineRiskService } from '../services/machine-risk-service';
import { patchesService } from '../services/patches-service';
import { reportsService } from '../services/reports-service';
import { initialDashboardState, useDashboardStore } from './dashboard-store';
import { initialDeployState, useDeployStore } from './deploy-store';
import { initialDiscoveryState, useDiscoveryStore } from './discovery-store';
import { isShown, watch } from './events';
import { initialMachinesState, useMachinesStore } from './machines-store';
import { initialJobsState, useJobsStore } from './jobs-store';
import { initialMachineRiskState, useMachineRiskStore } from './machine-risk-store';
import { initialPatchesState, usePatchesStore } from './patches-store';
import { initialReportsState, useReportsStore } from './reports-store';
import { initialUiState, useUiStore } from './ui-store';

const core = vi.hoisted(() => ({
  events: new Set<(name: string, payload: unknown) => void>(),
  states: new Set<(s: 'connecting' | 'open' | 'closed') => void>(),
}));

vi.mock('../services/client', () => ({
  onAnyEvent: (fn: (name: string, payload: unknown) => void) => {
    core.events.add(fn);
    return () => core.events.delete(fn);
  },
  onConnectionState: (fn: (s: 'connecting' | 'open' | 'closed') => void) => {
    core.states.add(fn);
    fn('open');
    return () => core.states.delete(fn);
  },
  invoke: () => {
    throw new Error('a store reached the core without its service');
  },
}));
vi.mock('../services/machines-service', () => ({ machinesService: { list: vi.fn(async () => []) } }));
vi.mock('../services/jobs-service', () => ({ jobsService: { list: vi.fn(async () => []) } }));
vi.mock('../services/app-service', () => ({ appService: {} }));
vi.mock('../services/machine-risk-service', () => ({
  machineRiskService: { list: vi.fn(async () => []), tagProfiles: vi.fn(async () => []) },
}));
vi.mock('../services/patches-service', () => ({ patchesService: { list: vi.fn(async () => ({ rows: [], feeds: [] })), byMachine: vi.fn() } }));
vi.mock('../services/deploy-service', () => ({
  deployService: {
    list: vi.fn(async () => []),
    plan: vi.fn(async () => ({ rings: [], skipped: [], warnings: [], concurrency: 4, gatePercent: 100, deployNow: false, totalItems: 0 })),
  },
}));
vi.mock('../services/reports-service', () => ({ reportsService: { list: vi.fn(async () => []) }, saveFile: vi.fn(), saveText: vi.fn() }));
vi.mock('../services/dashboard-service', () => ({ dashboardService: { summary: vi.fn(async () => null) } }));

const emit = (name: string, payload: unknown): void => core.events.forEach((fn) => fn(name, payload));
const connection = (s: 'connecting' | 'open' | 'closed'): void => core.states.forEach((fn) => fn(s));
/** Lets the answered promises of the fake services settle. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
const job = (over: Partial<Job>): Job => ({
  id: 1, kind: 'assess', title: 'Assess', state: 'running', current: 0, total: 1, summary: null, error: null, createdAt: 1, startedAt: 1, finishedAt: null, ...over,
});
const line = (jobId: number): JobLogLine => ({ id: 1, jobId, ts: 1, level: 'info', target: null, message: 'step' });

let offs: (() => void)[] = [];
const show = (...keys: Parameters<typeof watch>[0][]): void => {
  offs.push(...keys.map((k) => watch(k)));
};

beforeEach(() => {
  useMachinesStore.setState(initialMachinesState);
  useJobsStore.setState(initialJobsState);
  useMachineRiskStore.setState(initialMachineRiskState);
  usePatchesStore.setState(initialPatchesState);
  useDeployStore.setState(initialDeployState);
  useReportsStore.setState(initialReportsState);
  useDashboardStore.setState(initialDashboardState);
  useDiscoveryStore.setState(initialDiscoveryState);
  useUiStore.setState(initialUiState);
});

afterEach(() => {
  offs.forEach((off) => off());
  offs = [];
  vi.useRealTimers();
  vi.clearAllMocks();
});

describe('event routing', () => {
  it('subscribes once however many stores are shown, loads each as it is shown, and unsubscribes with the last', async () => {
    show('patches', 'dashboard', 'patches');
    await settle();
    expect(core.events.size).toBe(1);
    expect(core.states.size).toBe(1);
    expect(patchesService.list).toHaveBeenCalledTimes(2);
    expect(dashboardService.summary).toHaveBeenCalledTimes(1);
    offs.splice(0, 2).forEach((off) => off());
    expect(isShown('patches')).toBe(true);
    expect(core.events.size).toBe(1);
    offs.splice(0).forEach((off) => off());
    expect(isShown('patches')).toBe(false);
    expect(core.events.size).toBe(0);
    expect(core.states.size).toBe(0);
  });

  it('refetches on an inventory change only the stores on screen', async () => {
    show('patches', 'dashboard');
    await settle();
    vi.clearAllMocks();
    emit('inventory/changed', { hostIds: [1], reason: 'assessed' });
    await settle();
    expect(patchesService.list).toHaveBeenCalledTimes(1);
    expect(dashboardService.summary).toHaveBeenCalledTimes(1);
    expect(machinesService.list).not.toHaveBeenCalled();
    expect(machineRiskService.list).not.toHaveBeenCalled();
    expect(machineRiskService.tagProfiles).not.toHaveBeenCalled();
    expect(deployService.list).not.toHaveBeenCalled();
  });

  it('coalesces the Deployments refetches into one per 250 ms, and drops a pending one when the page goes', async () => {
    vi.useFakeTimers();
    show('deploy');
    await settle();
    vi.clearAllMocks();
    emit('deploy/changed', { deploymentId: 4 });
    emit('deploy/changed', { deploymentId: 4 });
    emit('inventory/changed', { hostIds: [1], reason: 'deployed' });
    expect(deployService.list).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(250);
    expect(deployService.list).toHaveBeenCalledTimes(1);
    emit('deploy/changed', { deploymentId: 4 });
    offs.splice(0).forEach((off) => off());
    await vi.advanceTimersByTimeAsync(1000);
    expect(deployService.list).toHaveBeenCalledTimes(1);
  });

  it('refetches the deployment for new log lines only when its log is the one open', async () => {
    vi.useFakeTimers();
    show('deploy');
    await settle();
    useDeployStore.setState({ detail: { jobId: 7 } as never });
    vi.clearAllMocks();
    emit('job/log', { lines: [line(8)] });
    await vi.advanceTimersByTimeAsync(250);
    expect(deployService.list).not.toHaveBeenCalled();
    emit('job/log', { lines: [line(8), line(7)] });
    await vi.advanceTimersByTimeAsync(250);
    expect(deployService.list).toHaveBeenCalledTimes(1);
  });

  it('gives every job change to the tray, and ends the report being written when its job ends', async () => {
    show('reports');
    await settle();
    vi.clearAllMocks();
    useReportsStore.setState({ generating: true });
    emit('job/updated', { job: job({ id: 5, kind: 'report', state: 'running' }), targets: [] });
    await settle();
    expect(useReportsStore.getState().generating).toBe(true);
    expect(reportsService.list).not.toHaveBeenCalled();
    expect(useJobsStore.getState().jobs.map((j) => j.id)).toEqual([5]);
    emit('job/updated', { job: job({ id: 6, kind: 'assess', state: 'succeeded' }), targets: [] });
    emit('job/updated', { job: job({ id: 5, kind: 'report', state: 'succeeded' }), targets: [] });
    await settle();
    expect(useReportsStore.getState().generating).toBe(false);
    expect(reportsService.list).toHaveBeenCalledTimes(1);
    expect(useJobsStore.getState().jobs.map((j) => [j.id, j.state])).toEqual([[6, 'succeeded'], [5, 'succeeded']]);
  });

  it('ends the report being written even when the Reports page is not shown, without reading the list', async () => {
    show('hosts');
    await settle();
    useReportsStore.setState({ generating: true });
    emit('job/updated', { job: job({ kind: 'report', state: 'failed' }), targets: [] });
    await settle();
    expect(useReportsStore.getState().generating).toBe(false);
    expect(reportsService.list).not.toHaveBeenCalled();
  });

  it("adds a machine a scan saw to that scan's results, and appends log lines of an open log", async () => {
    show('hosts');
    useDiscoveryStore.setState({ jobId: 3 });
    useJobsStore.setState({ logs: { 7: [] } });
    const result = { scanId: 9, address: '127.0.0.9', hostId: null, change: 'new' } as ScanResult;
    emit('discovery/host', { jobId: 2, result });
    emit('discovery/host', { jobId: 3, result });
    emit('job/log', { lines: [line(7), line(8)] });
    expect(useDiscoveryStore.getState()).toMatchObject({ scanId: 9, results: [result] });
    expect(useJobsStore.getState().logs).toEqual({ 7: [line(7)] });
  });

  it('refetches every shown store after a reconnect, not on the first open', async () => {
    show('hosts', 'jobs', 'tags');
    await settle();
    vi.clearAllMocks();
    connection('open');
    expect(machinesService.list).not.toHaveBeenCalled();
    connection('closed');
    expect(useUiStore.getState().connection).toBe('closed');
    connection('connecting');
    connection('open');
    await settle();
    expect(useUiStore.getState().connection).toBe('open');
    expect(machinesService.list).toHaveBeenCalledTimes(1);
    expect(jobsService.list).toHaveBeenCalledTimes(1);
    expect(machineRiskService.tagProfiles).toHaveBeenCalledTimes(1);
    expect(patchesService.list).not.toHaveBeenCalled();
  });
});
