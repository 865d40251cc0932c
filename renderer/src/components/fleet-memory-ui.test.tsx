import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeResult, OutcomeMetrics, PatchRow } from '../../../shared/contract';
import { PatchesPage } from '../pages/patches';
import { setTransport } from '../services/client';
import { initialOutcomesState, useOutcomesStore } from '../stores/outcomes-store';
import { initialPatchesState, usePatchesStore } from '../stores/patches-store';
import { OutcomeMetricsSection } from './outcome-metrics';
import { VersionHistory } from './version-history';

const FAILED = 'rolled back on File server, 3 Dec: verify: Health check failed (exit 3): systemctl is-active nginx';

const nginx: PatchRow = {
  key: 'nginx\u00001.22.1-9+deb12u1',
  package: 'nginx',
  candidateVersion: '1.22.1-9+deb12u1',
  installedVersions: ['1.22.1-9'],
  hostIds: [2],
  hostLabels: ['Web'],
  isSecurity: true,
  urgency: null,
  cves: [],
  kevCves: [],
  ransomware: false,
  epss: null,
  epssPercentile: null,
  risk: { score: 50, band: 'medium', why: '', factors: [] },
  approvedHosts: 0,
  firstDetectedAt: 0,
  notes: [],
  memory: {
    package: 'nginx',
    version: '1.22.1-9+deb12u1',
    marked: true,
    failures: [
      { event: 'rolled-back', cause: 'health check failed', detail: '', hostId: 1, hostLabel: 'File server', platform: 'debian', deploymentId: 4, at: 0, active: true, text: FAILED },
    ],
    succeeded: { canary: 0, others: 2 },
    summary: `Failed before: ${FAILED}`,
  },
};

const outcomes: OutcomeMetrics = {
  period: { from: 0, to: 1 },
  firstTimeSuccess: { machines: 3, firstTime: 1, pct: 33.3, how: 'how first-time' },
  deployTime: { machines: 4, medianSeconds: 75, slowest: { hostLabel: 'B', seconds: 120, deploymentId: 1 }, how: 'how deploy time' },
  detectionToFix: { all: { count: 5, meanDays: 4, p90Days: 10 }, kev: { count: 2, meanDays: 6, p90Days: 10 }, how: 'how detection' },
  kevExposure: { findings: [{ host: 'C', package: 'openssl', fixedIn: '3.0.15', cves: ['CVE-2024-1'], openedAt: 0, resolvedAt: null, days: 3 }], totalDays: 3, how: 'how exposure' },
  rollbacksByCause: { total: 2, causes: [{ cause: 'health check failed', count: 1 }, { cause: 'rolled back by hand', count: 1 }], how: 'how rollbacks' },
};

function transport(sent: { name: string; arg: unknown }[]): void {
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      sent.push({ name, arg });
      if (name === 'patches/list') return { ok: true, value: { rows: [nginx], feeds: [] } };
      if (name === 'patches/approve') return { ok: true, value: { approved: 1 } };
      if (name === 'dashboard/outcomes') return { ok: true, value: outcomes };
      return { ok: true, value: null };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

afterEach(() => {
  cleanup();
  setTransport(null);
  usePatchesStore.setState(initialPatchesState);
  useOutcomesStore.setState(initialOutcomesState);
});

describe('fleet memory on the Patches page', () => {
  it('asks for confirmation with the history before approving a version that failed before, and says so to the core', async () => {
    const sent: { name: string; arg: unknown }[] = [];
    transport(sent);
    // jsdom lays out nothing, so the dialog's <dialog> has no showModal: give it the minimum.
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.open = true;
    };
    HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
      this.open = false;
    };
    render(<PatchesPage />);
    await settle();
    act(() => usePatchesStore.setState({ selected: [nginx.key] }));
    fireEvent.click(screen.getByRole('button', { name: /Approve 1 selected/ }));
    await settle();
    expect(sent.some((c) => c.name === 'patches/approve')).toBe(false);
    const dialog = screen.getByRole('dialog', { name: 'Approve versions that failed before?', hidden: true });
    expect(within(dialog).getByText(FAILED)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve anyway', hidden: true }));
    await settle();
    expect(sent.find((c) => c.name === 'patches/approve')?.arg).toEqual({
      items: [{ package: 'nginx', candidateVersion: '1.22.1-9+deb12u1' }],
      acknowledgeHistory: true,
    });
  });

  it('shows each failure, the successes, and offers to clear the mark', () => {
    let cleared = 0;
    render(<VersionHistory row={nginx} onClear={() => cleared++} />);
    expect(screen.getByText(FAILED)).toBeTruthy();
    expect(screen.getByText(/Succeeded on 0 canary and 2 other machines/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: /Clear the mark/ }));
    expect(cleared).toBe(1);
  });
});

describe('outcome metrics on the Dashboard', () => {
  it('shows each figure with how it is computed, and reloads for another period', async () => {
    const sent: { name: string; arg: unknown }[] = [];
    transport(sent);
    render(<OutcomeMetricsSection />);
    await settle();
    expect(screen.getByText('33.3% (1 of 3)')).toBeTruthy();
    expect(screen.getByText('1 min 15 s / 2 min 0 s (B)')).toBeTruthy();
    expect(screen.getByText('2: 1 health check failed, 1 rolled back by hand')).toBeTruthy();
    for (const how of ['how first-time', 'how deploy time', 'how detection', 'how exposure', 'how rollbacks']) expect(screen.getByText(how)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Outcome period'), { target: { value: '90' } });
    await settle();
    expect(sent.filter((c) => c.name === 'dashboard/outcomes').map((c) => c.arg)).toEqual([{ days: 30 }, { days: 90 }]);
  });
});
