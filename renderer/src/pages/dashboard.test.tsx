import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeResult, DashboardSummary, Host } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialDashboardState, useDashboardStore } from '../stores/dashboard-store';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { initialPatchesState, usePatchesStore } from '../stores/patches-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { DashboardPage } from './dashboard';

const states = (over: Partial<DashboardSummary['states']>): DashboardSummary['states'] => ({
  'needs-attention': 0,
  unreachable: 0,
  'not-assessed': 0,
  'kev-exposed': 0,
  'updates-pending': 0,
  'up-to-date': 0,
  ...over,
});

const assessed: DashboardSummary = {
  machines: 4,
  states: states({ 'needs-attention': 1, 'kev-exposed': 1, 'updates-pending': 1, 'up-to-date': 1 }),
  kev: { cves: 1, machines: 1 },
  topUpdates: [{ package: 'openssl', candidateVersion: '3.0.15-1', score: 92, band: 'critical', machines: 1, kevCves: ['CVE-2024-0001'] }],
  topMachines: [{ hostId: 3, label: 'files01', score: 92, band: 'critical', openUpdates: 2, kevCves: 1 }],
  trend: [
    { day: '2026-11-20', machines: 4, openUpdates: 9, kevOpen: 2, critical: 2, high: 3, machinesAtRisk: 2 },
    { day: '2026-11-22', machines: 4, openUpdates: 3, kevOpen: 1, critical: 1, high: 0, machinesAtRisk: 1 },
  ],
};

let summaryCalls = 0;
let emit: ((name: string, payload: unknown) => void) | null = null;

function transport(summary: DashboardSummary): void {
  summaryCalls = 0;
  const answers: Record<string, unknown> = {
    'credentials/list': [{ id: 1 }],
    'deploy/plan': { rings: [], skipped: [], warnings: [], concurrency: 4, gatePercent: 100, deployNow: false, totalItems: 0 },
    'deploy/list': [{ id: 1 }],
    'dashboard/summary': summary,
  };
  setTransport({
    invoke: async (name: string): Promise<BridgeResult> => {
      if (name === 'dashboard/summary') summaryCalls++;
      return { ok: true, value: structuredClone(answers[name] ?? null) };
    },
    onEvent: (fn) => {
      emit = fn;
      return () => (emit = null);
    },
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

function withMachines(n: number): void {
  useMachinesStore.setState({ hosts: Array.from({ length: n }, (_, i) => ({ id: i + 1, reachability: 'up', lastAssessedAt: 5, tags: [] }) as unknown as Host), loaded: true });
}

afterEach(() => {
  cleanup();
  setTransport(null);
  emit = null;
  useMachinesStore.setState(initialMachinesState);
  useDashboardStore.setState(initialDashboardState);
  usePatchesStore.setState(initialPatchesState);
  useUiStore.setState(initialUiState);
});

describe('Dashboard', () => {
  it('asks for machines first, and reads no risk figures without any', async () => {
    transport({ ...assessed, machines: 0 });
    useMachinesStore.setState({ hosts: [], loaded: true });
    render(<DashboardPage />);
    await settle();
    expect(screen.getByRole('region', { name: 'Welcome to Patchwell' })).toBeTruthy();
    expect(summaryCalls).toBe(0);
  });

  it('says to assess when machines are known but none is assessed', async () => {
    transport({ ...assessed, machines: 2, states: states({ 'not-assessed': 2 }), kev: { cves: 0, machines: 0 }, topUpdates: [], topMachines: [], trend: [] });
    withMachines(2);
    render(<DashboardPage />);
    await settle();
    const empty = screen.getByRole('region', { name: 'Nothing assessed yet' });
    fireEvent.click(within(empty).getByRole('button', { name: 'Open Machines' }));
    expect(useUiStore.getState().page).toBe('machines');
    expect(screen.getByTitle('Machines by state').closest('svg')?.textContent).toContain('2 machines: 2 not assessed yet.');
  });

  it('shows states, KEV exposure, top risks and the trend, each number also as text, and links to where to act', async () => {
    transport(assessed);
    withMachines(4);
    render(<DashboardPage />);
    await settle();
    expect(screen.getByRole('img', { name: /Machines by state/ }).textContent).toContain(
      '4 machines: 1 need attention after a deployment, 1 exposed to known exploited vulnerabilities, 1 with updates pending, 1 up to date.',
    );
    const kev = screen.getByRole('region', { name: 'Known exploited vulnerabilities' });
    expect(kev.textContent).toContain("1 CVE on CISA's KEV list is open on 1 machine.");
    const trend = screen.getByRole('img', { name: /Fleet risk over time/ });
    expect(trend.querySelector('desc')?.textContent).toBe(
      'From 2026-11-20 to 2026-11-22: open updates from 9 to 3; critical from 2 to 1; high from 3 to 0; KEV-listed CVEs open from 2 to 1; machines at risk from 2 to 1.',
    );
    expect(trend.querySelectorAll('polyline')).toHaveLength(5);
    expect(screen.getByRole('table', { name: 'Fleet risk by day' }).querySelectorAll('tbody tr')).toHaveLength(2);

    fireEvent.click(screen.getByRole('button', { name: 'files01' }));
    expect(useMachinesStore.getState().detailId).toBe(3);
    expect(useUiStore.getState().page).toBe('machines');
    fireEvent.click(screen.getByRole('button', { name: 'openssl 3.0.15-1' }));
    expect(usePatchesStore.getState().filter).toBe('openssl');
    fireEvent.click(within(kev).getByRole('button', { name: 'Show them on Patches' }));
    expect(usePatchesStore.getState()).toMatchObject({ filter: '', onlyKev: true });
    expect(useUiStore.getState().page).toBe('patches');
  });

  it('reads the figures again when the inventory changes', async () => {
    transport(assessed);
    withMachines(4);
    render(<DashboardPage />);
    await settle();
    expect(summaryCalls).toBe(1);
    act(() => emit?.('inventory/changed', { hostIds: [3], reason: 'assessed' }));
    await settle();
    expect(summaryCalls).toBe(2);
  });
});
