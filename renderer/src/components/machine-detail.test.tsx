/**
 * The machine detail view: its health, its open updates (each opening the update's detail) and its history of
 * deployments, rollbacks and assessments, newest first; opened from the Machines page's details panel.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, Host, MachineDetail, UpdateDetail } from '../../../shared/contract';
import { MachinesPage } from '../pages/machines';
import { setTransport } from '../services/client';
import { initialDetailState, useDetailStore } from '../stores/detail-store';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { installDialogPolyfill } from './dialog-polyfill.test-util';

const NOW = Date.UTC(2026, 10, 22);
const HOUR = 3_600_000;

const host = {
  id: 1, address: '127.0.0.2', hostname: null, displayName: 'files', osFamily: 'linux', osName: 'Debian GNU/Linux', osVersion: '12', kernel: null,
  tags: [], criticality: 'normal', exposed: false, sshPort: 22, transport: 'ssh', winrmPort: null, winrmHttps: false, winrmCert: null, credentialId: null,
  sshHostKey: 'ssh-ed25519 AAAA', pendingHostKey: null, pendingWinrmCert: null, contactAllowedAt: null, platform: 'debian', arch: 'amd64', uptimeSeconds: 3600, rebootRequired: true, rebootReasons: ['linux-image'],
  health: { ok: false, problems: ['openssl 3.0.15 is half-configured'] }, lastAssessedAt: NOW, lastError: null, mac: null, vendor: null, fingerprints: [], osGuess: null,
  pendingCount: 1, securityCount: 1, openPorts: [22], reachability: 'up', source: 'manual', notes: '', firstSeen: null, lastSeen: NOW, createdAt: NOW, updatedAt: NOW,
} satisfies Host;

const item = (state: 'installed' | 'rolled-back', result: string) => ({ package: 'openssl', arch: 'amd64', fromVersion: '3.0.14', toVersion: '3.0.15', resultVersion: result, state });

const detail: MachineDetail = {
  hostId: 1,
  updates: [
    {
      key: 'libexpat1\u00002.5.0-1+deb12u1', package: 'libexpat1', arch: 'amd64', installedVersion: '2.5.0-1', candidateVersion: '2.5.0-1+deb12u1', isSecurity: true,
      cves: ['CVE-2024-45490', 'CVE-2024-45491'], kevCves: ['CVE-2024-45490'], score: 86, band: 'critical', why: 'Known exploited.',
      approval: { state: 'approved', by: 'alice', at: NOW, reason: null },
    },
  ],
  deployments: [
    { deploymentId: 2, title: 'Roll back openssl', rollbackOf: 1, state: 'rolled-back', step: 'done', failure: null, createdAt: NOW - 2 * HOUR, startedAt: NOW - 2 * HOUR, finishedAt: NOW - HOUR, items: [item('rolled-back', '3.0.14')] },
    { deploymentId: 1, title: 'openssl to 3.0.15', rollbackOf: null, state: 'succeeded', step: 'done', failure: null, createdAt: NOW - 5 * HOUR, startedAt: NOW - 5 * HOUR, finishedAt: NOW - 4 * HOUR, items: [item('installed', '3.0.15')] },
  ],
  assessments: [
    { id: 7, hostId: 1, jobId: null, state: 'succeeded', startedAt: NOW - 3 * HOUR, finishedAt: NOW - 3 * HOUR, pendingCount: 1, securityCount: 1, newCount: 1, fixedCount: 0, warnings: [], error: null },
  ],
};

const update: UpdateDetail = {
  key: 'libexpat1\u00002.5.0-1+deb12u1', package: 'libexpat1', candidateVersion: '2.5.0-1+deb12u1', isSecurity: true, urgency: 'high',
  cves: [{ cveId: 'CVE-2024-45490', kev: null, epss: null, cvss: null, vendorSeverity: null, url: 'https://www.cve.org/CVERecord?id=CVE-2024-45490' }],
  machines: [],
};

let calls: { name: string; arg: unknown }[] = [];
beforeAll(installDialogPolyfill);
beforeEach(() => {
  calls = [];
  const answers: Record<string, unknown> = { 'machines/list': [host], 'machines/detail': detail, 'patches/detail': update, 'machines/risk': [], 'machines/updates': [], 'machines/assessments': [], 'credentials/list': [] };
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      return { ok: true, value: structuredClone(answers[name] ?? null) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
  useMachinesStore.setState({ ...initialMachinesState, hosts: [host], loaded: true, detailId: 1 });
  useDetailStore.setState(initialDetailState);
});
afterEach(() => {
  cleanup();
  setTransport(null);
  useMachinesStore.setState(initialMachinesState);
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
};

describe('the machine detail view', { timeout: 20_000 }, () => {
  it("opens from the machine's details panel and shows its health, updates and history, newest first", async () => {
    render(<MachinesPage />);
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Updates and history' }));
    await settle();
    expect(calls.filter((c) => c.name === 'machines/detail').map((c) => c.arg)).toEqual([{ id: 1 }]);
    const d = screen.getByRole('dialog', { name: 'files' });
    const health = within(d).getByRole('region', { name: 'Health' });
    expect(health.textContent).toContain('unhealthy: openssl 3.0.15 is half-configured');
    expect(health.textContent).toContain('required (linux-image)');
    const updates = within(d).getByRole('table', { name: 'Open updates' });
    expect(updates.textContent).toContain('2.5.0-1 → 2.5.0-1+deb12u1');
    expect(updates.textContent).toContain('approved by alice');
    const history = within(within(d).getByRole('region', { name: 'History' })).getAllByRole('listitem').filter((li) => li.parentElement?.classList.contains('history'));
    expect(history.map((li) => li.querySelector('strong')?.textContent)).toEqual(['Rollback of deployment #1', 'Assessment', 'Deployment #1']);
    expect(history[0]!.textContent).toContain('openssl 3.0.14 → 3.0.15: rolled-back (now 3.0.14)');
    expect(history[2]!.textContent).toContain('openssl 3.0.14 → 3.0.15: installed');
    expect(history[1]!.textContent).toContain('1 pending (1 new, 0 fixed)');
  });

  it("opens an update's detail on top of it, and Close leaves the machine's open", async () => {
    render(<MachinesPage />);
    await settle();
    await act(() => useDetailStore.getState().openMachine(1));
    await settle();
    fireEvent.click(within(screen.getByRole('table', { name: 'Open updates' })).getByRole('button', { name: 'libexpat1' }));
    await settle();
    expect(calls.filter((c) => c.name === 'patches/detail').map((c) => c.arg)).toEqual([{ package: 'libexpat1', candidateVersion: '2.5.0-1+deb12u1' }]);
    const upd = screen.getByRole('dialog', { name: 'libexpat1 → 2.5.0-1+deb12u1' });
    expect(within(upd).getByRole('link', { name: 'CVE-2024-45490' }).getAttribute('href')).toBe('https://www.cve.org/CVERecord?id=CVE-2024-45490');
    fireEvent.click(within(upd).getByRole('button', { name: 'Close' }));
    await settle();
    expect(screen.queryByRole('dialog', { name: 'libexpat1 → 2.5.0-1+deb12u1' })).toBeNull();
    expect(screen.getByRole('dialog', { name: 'files' })).toBeTruthy();
  });
});
