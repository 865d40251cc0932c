import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppSettings, CallResult } from '../../../shared/contract';
import { AppError } from '../../../shared/contract';
import { appService } from '../services/app-service';
import { settingsService } from '../services/settings-service';
import { initialSettingsState, useSettingsStore } from './settings-store';

vi.mock('../services/settings-service', () => ({ settingsService: { get: vi.fn(), update: vi.fn() } }));
vi.mock('../services/app-service', () => ({ appService: { info: vi.fn() } }));

const settings = { refreshPackageLists: false, maxConcurrentHosts: 4 } as AppSettings;
const info = { version: '0.1.0', dataDir: '/tmp/pw', schemaVersion: 9, runtime: 'electron' } as CallResult<'app/info'>;

beforeEach(() => {
  vi.resetAllMocks();
  useSettingsStore.setState(initialSettingsState);
});

describe('settings store', () => {
  it('reads the settings and what the core says about itself; a part that fails is left out, the other stays', async () => {
    vi.mocked(appService.info).mockResolvedValueOnce(info).mockRejectedValueOnce(new AppError('unavailable', 'gone'));
    vi.mocked(settingsService.get).mockResolvedValueOnce(settings).mockResolvedValueOnce(settings);
    await useSettingsStore.getState().load();
    expect(useSettingsStore.getState()).toEqual(expect.objectContaining({ info, settings }));
    await useSettingsStore.getState().load();
    expect(useSettingsStore.getState()).toEqual(expect.objectContaining({ info: null, settings }));
  });

  it('shows the settings the core saved, and keeps the old ones when it refuses a change', async () => {
    useSettingsStore.setState({ settings });
    vi.mocked(settingsService.update)
      .mockResolvedValueOnce({ ...settings, maxConcurrentHosts: 8 })
      .mockRejectedValueOnce(new AppError('bad-request', 'too many'));
    await useSettingsStore.getState().update({ maxConcurrentHosts: 8 });
    expect(settingsService.update).toHaveBeenCalledWith({ maxConcurrentHosts: 8 });
    expect(useSettingsStore.getState().settings?.maxConcurrentHosts).toBe(8);
    await expect(useSettingsStore.getState().update({ maxConcurrentHosts: 64 })).rejects.toThrow('too many');
    expect(useSettingsStore.getState().settings?.maxConcurrentHosts).toBe(8);
  });
});
