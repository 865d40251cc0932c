import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MachineRisk, TagProfileView } from '../../../shared/contract';
import { AppError } from '../../../shared/contract';
import { machineRiskService } from '../services/machine-risk-service';
import { initialMachineRiskState, riskByHost, useMachineRiskStore } from './machine-risk-store';
import { initialUiState, useUiStore } from './ui-store';

vi.mock('../services/machine-risk-service', () => ({
  machineRiskService: { list: vi.fn(), tagProfiles: vi.fn(), setTagProfile: vi.fn() },
}));

const risk = (hostId: number, score: number): MachineRisk =>
  ({ hostId, score, band: 'high', why: '', openUpdates: 1, criticalUpdates: 0, highUpdates: 1, kevCves: 0, findings: 1, criticality: 'normal', exposed: false, profileFrom: [] }) satisfies MachineRisk;
const tag = (name: string, exposed = false): TagProfileView => ({ tag: name, criticality: null, exposed, machines: 1 });
const down = new AppError('unavailable', 'Lost the connection to Patchwell');

beforeEach(() => {
  vi.resetAllMocks();
  useMachineRiskStore.setState(initialMachineRiskState);
  useUiStore.setState(initialUiState);
});

describe('machine risk store', () => {
  it('loads the risks, and keeps the last ones with the error when a refresh fails', async () => {
    vi.mocked(machineRiskService.list).mockResolvedValueOnce([risk(1, 80), risk(2, 10)]).mockRejectedValueOnce(down);
    await useMachineRiskStore.getState().load();
    expect(useMachineRiskStore.getState()).toMatchObject({ loaded: true, error: null });
    expect(riskByHost(useMachineRiskStore.getState().risks).get(2)?.score).toBe(10);
    await useMachineRiskStore.getState().load();
    expect(useMachineRiskStore.getState()).toMatchObject({ loaded: true, error: 'Lost the connection to Patchwell' });
    expect(useMachineRiskStore.getState().risks).toHaveLength(2);
  });

  it('reads and saves tag profiles; a failed read is said in a toast', async () => {
    vi.mocked(machineRiskService.tagProfiles).mockResolvedValueOnce([tag('dmz')]).mockRejectedValueOnce(down);
    vi.mocked(machineRiskService.setTagProfile).mockResolvedValueOnce([tag('dmz', true)]);
    await useMachineRiskStore.getState().loadTags();
    expect(useMachineRiskStore.getState().tags).toEqual([tag('dmz')]);
    await useMachineRiskStore.getState().setTagProfile({ tag: 'dmz', criticality: null, exposed: true });
    expect(machineRiskService.setTagProfile).toHaveBeenCalledWith({ tag: 'dmz', criticality: null, exposed: true });
    expect(useMachineRiskStore.getState().tags).toEqual([tag('dmz', true)]);
    await useMachineRiskStore.getState().loadTags();
    expect(useMachineRiskStore.getState()).toMatchObject({ tags: [tag('dmz', true)], tagsError: 'Lost the connection to Patchwell' });
    expect(useUiStore.getState().toasts.map((t) => [t.kind, t.text])).toEqual([['error', 'Lost the connection to Patchwell']]);
  });

  it('lets a refused tag profile reach the caller', async () => {
    vi.mocked(machineRiskService.setTagProfile).mockRejectedValueOnce(new AppError('bad-request', 'no such tag'));
    await expect(useMachineRiskStore.getState().setTagProfile({ tag: 'x', criticality: null, exposed: false })).rejects.toThrow('no such tag');
    expect(useMachineRiskStore.getState().tags).toBeNull();
  });
});
