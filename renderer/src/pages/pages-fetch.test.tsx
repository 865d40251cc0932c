/**
 * A page fetches its data once when it opens, not in a loop: a hook depending on the whole store state
 * once re-ran after every load and flooded the core with tens of thousands of calls.
 */
import { act, cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeResult } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialDeployState, useDeployStore } from '../stores/deploy-store';
import { initialPatchesState, usePatchesStore } from '../stores/patches-store';
import { DeploymentsPage } from './deployments';
import { PatchesPage } from './patches';

const answers: Record<string, unknown> = {
  'patches/list': { rows: [], feeds: [] },
  'deploy/list': [],
  'deploy/plan': { rings: [], skipped: [], warnings: [], concurrency: 4, gatePercent: 100, deployNow: false, totalItems: 0 },
  'deploy/settings': [],
  'deploy/windows': [],
  'snapshots/list': [],
  'snapshots/retention': { keepPerHost: 5, maxAgeDays: 90 },
  'machines/list': [],
};

function countingTransport(): Map<string, number> {
  const calls = new Map<string, number>();
  setTransport({
    invoke: async (name: string): Promise<BridgeResult> => {
      const n = (calls.get(name) ?? 0) + 1;
      calls.set(name, n);
      // A fetch loop is cut off here (the call never answers), so the test fails instead of spinning.
      if (n > 50) return new Promise(() => undefined);
      // Every answer is a fresh object, as from the real core, so a store always sees "new" data.
      return { ok: true, value: structuredClone(answers[name] ?? null) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
  return calls;
}

afterEach(() => {
  cleanup();
  setTransport(null);
  usePatchesStore.setState(initialPatchesState);
  useDeployStore.setState(initialDeployState);
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

describe('pages fetch once', () => {
  it('Patches', async () => {
    const calls = countingTransport();
    render(<PatchesPage />);
    await settle();
    expect(calls.get('patches/list')).toBe(1);
  });

  it('Deployments', async () => {
    const calls = countingTransport();
    render(<DeploymentsPage />);
    await settle();
    expect(calls.get('deploy/list')).toBe(1);
    expect(calls.get('deploy/plan')).toBe(1);
  });
});
