import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackgroundStatus, BridgeResult } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialBackgroundState, useBackgroundStore } from '../stores/background-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { BackgroundSection } from './background-section';

const calls: [string, unknown][] = [];

/** A fake core answering like the background handlers. */
function fakeCore(): void {
  let status: BackgroundStatus = { mode: 'scheduled', startAtLogin: false, schedulesPaused: false, schedules: 0, jobs: [], deployments: [] };
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push([name, arg]);
      if (name === 'background/set') status = { ...status, ...(arg as Partial<BackgroundStatus>) };
      else if (name !== 'background/status') throw new Error(`unexpected call ${name}`);
      return { ok: true, value: structuredClone(status) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

describe('BackgroundSection', () => {
  beforeEach(() => {
    calls.length = 0;
    useUiStore.setState(initialUiState);
    useBackgroundStore.setState(initialBackgroundState);
    fakeCore();
  });
  afterEach(cleanup);

  it('shows the default and changes what closing the window does and start at login', async () => {
    render(<BackgroundSection />);
    await settle();
    const select = screen.getByLabelText('When the window closes') as HTMLSelectElement;
    expect(select.value).toBe('scheduled');
    fireEvent.change(select, { target: { value: 'always' } });
    await settle();
    fireEvent.click(screen.getByRole('checkbox', { name: /Start at login/ }));
    await settle();
    expect(calls).toEqual([
      ['background/status', undefined],
      ['background/set', { mode: 'always' }],
      ['background/set', { startAtLogin: true }],
    ]);
    expect((screen.getByLabelText('When the window closes') as HTMLSelectElement).value).toBe('always');
    expect((screen.getByRole('checkbox', { name: /Start at login/ }) as HTMLInputElement).checked).toBe(true);
  });
});
