import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSettings, BridgeResult, OfficeCacheStats } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialOfficeCacheState, useOfficeCacheStore } from '../stores/office-cache-store';
import { initialSettingsState, useSettingsStore } from '../stores/settings-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { OfficeCacheSection } from './office-cache-section';

const GIB = 1024 ** 3;
const calls: [string, unknown][] = [];

const baseSettings: AppSettings = {
  refreshPackageLists: true,
  maxConcurrentHosts: 8,
  schedulesPaused: false,
  officeCache: { enabled: true, maxBytes: 10 * GIB, offline: false },
};

/** A fake core answering like the settings and office cache handlers. */
function fakeCore(): void {
  let settings = structuredClone(baseSettings);
  let stats: OfficeCacheStats = {
    enabled: true, offline: false, dir: '/data/office-cache', bytes: 3 * GIB / 2, maxBytes: 10 * GIB, files: 412,
    hits: 7_980, misses: 420, bytesFromUpstream: 3 * GIB / 2, bytesServed: 30 * GIB,
  };
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push([name, arg]);
      if (name === 'settings/update') {
        settings = { ...settings, ...(arg as Partial<AppSettings>) };
        stats = { ...stats, enabled: settings.officeCache.enabled, offline: settings.officeCache.offline, maxBytes: settings.officeCache.maxBytes };
        return { ok: true, value: structuredClone(settings) };
      }
      if (name === 'cache/clear') stats = { ...stats, bytes: 0, files: 0 };
      else if (name !== 'cache/status') throw new Error(`unexpected call ${name}`);
      return { ok: true, value: structuredClone(stats) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

describe('OfficeCacheSection', () => {
  beforeEach(() => {
    calls.length = 0;
    useUiStore.setState(initialUiState);
    useOfficeCacheStore.setState(initialOfficeCacheState);
    useSettingsStore.setState({ ...initialSettingsState, settings: structuredClone(baseSettings) });
    fakeCore();
  });
  afterEach(cleanup);

  it('shows the size used and the limit, the counts, and what came from the internet', async () => {
    render(<OfficeCacheSection />);
    await settle();
    const state = screen.getByLabelText('Office cache state');
    expect(state.textContent).toContain('1.5 GiB of 10 GiB, 412 files');
    expect(state.textContent).toContain('7980 served from the cache, 420 fetched; 1.5 GiB from the internet, 30 GiB given to machines');
    expect(state.textContent).toContain('/data/office-cache');
    expect((screen.getByLabelText('Size limit') as HTMLSelectElement).value).toBe(String(10 * GIB));
  });

  it('switches offline mode, changes the limit and empties the cache through the core', async () => {
    render(<OfficeCacheSection />);
    await settle();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Offline mode' }));
    await settle();
    fireEvent.change(screen.getByLabelText('Size limit'), { target: { value: String(50 * GIB) } });
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Empty cache' }));
    await settle();
    expect(calls).toEqual([
      ['cache/status', undefined],
      ['settings/update', { officeCache: { enabled: true, maxBytes: 10 * GIB, offline: true } }],
      ['cache/status', undefined],
      ['settings/update', { officeCache: { enabled: true, maxBytes: 50 * GIB, offline: true } }],
      ['cache/status', undefined],
      ['cache/clear', undefined],
    ]);
    expect((screen.getByRole('checkbox', { name: 'Offline mode' }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByLabelText('Office cache state').textContent).toContain('0 bytes of 50 GiB, 0 files');
  });

  it('turns the cache off, and offline mode cannot be switched while it is off', async () => {
    render(<OfficeCacheSection />);
    await settle();
    fireEvent.click(screen.getByRole('checkbox', { name: /Lend the office cache/ }));
    await settle();
    expect(calls[1]).toEqual(['settings/update', { officeCache: { enabled: false, maxBytes: 10 * GIB, offline: false } }]);
    expect((screen.getByRole('checkbox', { name: 'Offline mode' }) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByLabelText('Office cache state').textContent).toContain('Not running');
  });
});
