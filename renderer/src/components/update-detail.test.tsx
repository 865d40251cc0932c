/**
 * The update detail view: a Patches row opens it on click or Enter (never only by hover), it lists every CVE
 * (none cut with "…") with a link to its record, every factor of the score, and each machine's versions and
 * approval; closing it gives focus back to the row.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, PatchRow, UpdateDetail } from '../../../shared/contract';
import { PatchesPage } from '../pages/patches';
import { setTransport } from '../services/client';
import { initialDetailState, useDetailStore } from '../stores/detail-store';
import { initialPatchesState, usePatchesStore } from '../stores/patches-store';
import { installDialogPolyfill } from './dialog-polyfill.test-util';

const NOW = Date.UTC(2026, 10, 22);
const CVES = Array.from({ length: 27 }, (_, i) => `CVE-2024-${45490 + i}`);
const risk = {
  score: 86,
  band: 'critical' as const,
  why: "CVE-2024-45490 is on CISA's Known Exploited Vulnerabilities list (added 2024-10-01); security update, high severity.",
  factors: [
    { key: 'severity', points: 40, text: 'security update, high severity' },
    { key: 'kev', points: 35, text: "CVE-2024-45490 is on CISA's Known Exploited Vulnerabilities list (added 2024-10-01)" },
    { key: 'cves', points: 4, text: 'no CVSS or EPSS known; 27 CVEs named in its changelog or advisories (a tie-breaker, at most +4)' },
    { key: 'exposure', points: 5, text: 'the machine serves ports 445' },
  ],
};

const row: PatchRow = {
  key: 'libexpat1\u00002.5.0-1+deb12u1', package: 'libexpat1', candidateVersion: '2.5.0-1+deb12u1', installedVersions: ['2.4.7-1', '2.5.0-1'],
  hostIds: [1, 2, 3, 4], hostLabels: ['files', 'desk-1', 'desk-2', 'desk-3'], isSecurity: true, urgency: 'high', cves: CVES, kevCves: ['CVE-2024-45490'],
  ransomware: false, epss: null, epssPercentile: null, risk, approvedHosts: 1, firstDetectedAt: NOW, notes: [],
};

const detail: UpdateDetail = {
  key: row.key,
  package: 'libexpat1',
  candidateVersion: '2.5.0-1+deb12u1',
  isSecurity: true,
  urgency: 'high',
  cves: CVES.map((cveId, i) => ({
    cveId,
    kev: i === 0 ? { dateAdded: '2024-10-01', dueDate: '2024-10-22', ransomware: false } : null,
    epss: i === 1 ? { score: 0.02, percentile: 0.8 } : null,
    cvss: i === 2 ? { score: 9.8, version: '3.1', source: 'DSA-5770-1' } : null,
    vendorSeverity: null,
    url: `https://www.cve.org/CVERecord?id=${cveId}`,
  })),
  machines: [
    { hostId: 1, label: 'files', arch: 'amd64', installedVersion: '2.5.0-1', candidateVersion: '2.5.0-1+deb12u1', risk, approval: { state: 'not-approved', by: null, at: null, reason: null }, detectedAt: NOW },
    {
      hostId: 2, label: 'desk-1', arch: 'amd64', installedVersion: '2.4.7-1', candidateVersion: '2.5.0-1+deb12u1',
      risk: { ...risk, score: 70, band: 'high', factors: [{ key: 'severity', points: 40, text: 'security update, high severity' }, { key: 'criticality', points: -9, text: 'low machine (×0.8)' }] },
      approval: { state: 'approved', by: 'alice', at: NOW, reason: null }, detectedAt: NOW,
    },
    { hostId: 3, label: 'desk-2', arch: 'amd64', installedVersion: '2.5.0-1', candidateVersion: '2.5.0-1+deb12u1', risk, approval: { state: 'blocked', by: null, at: null, reason: 'kiosk image is frozen (group kiosk)' }, detectedAt: NOW },
  ],
};

let calls: { name: string; arg: unknown }[] = [];
function transport(): void {
  calls = [];
  const answers: Record<string, unknown> = { 'patches/list': { rows: [row], feeds: [] }, 'patches/detail': detail };
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      return { ok: true, value: structuredClone(answers[name] ?? null) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
};

// The Patches list is virtual: it renders the rows that fit its scroller, and jsdom lays nothing out.
const sizes = (['clientHeight', 'clientWidth'] as const).map((k) => [k, Object.getOwnPropertyDescriptor(Element.prototype, k)] as const);
beforeAll(() => {
  installDialogPolyfill();
  for (const [k] of sizes) Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => 800 });
});
afterAll(() => {
  for (const [k] of sizes) delete (HTMLElement.prototype as unknown as Record<string, unknown>)[k];
});
beforeEach(() => {
  usePatchesStore.setState(initialPatchesState);
  useDetailStore.setState(initialDetailState);
  transport();
});
afterEach(() => {
  cleanup();
  setTransport(null);
});

async function patchesRow(): Promise<HTMLElement> {
  render(<PatchesPage />);
  await settle();
  const el = document.querySelector<HTMLElement>('.patch-row[data-key]');
  if (!el) throw new Error('no Patches row rendered');
  return el;
}

const dialog = (): HTMLElement => screen.getByRole('dialog', { name: 'libexpat1 → 2.5.0-1+deb12u1' });

describe('the update detail view', { timeout: 20_000 }, () => {
  it('opens when a row is clicked, and lists every CVE with its intelligence and a link to its record', async () => {
    const r = await patchesRow();
    fireEvent.click(within(r).getByText('libexpat1'));
    await settle();
    expect(calls.filter((c) => c.name === 'patches/detail').map((c) => c.arg)).toEqual([{ package: 'libexpat1', candidateVersion: '2.5.0-1+deb12u1' }]);
    const d = dialog();
    const table = within(d).getByRole('table', { name: 'CVEs' });
    const links = within(table).getAllByRole('link');
    expect(links.map((a) => a.textContent)).toEqual(CVES);
    for (const a of links) {
      expect(a.getAttribute('href')).toBe(`https://www.cve.org/CVERecord?id=${a.textContent}`);
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toContain('noopener');
    }
    expect(within(d).getByRole('heading', { name: '27 CVEs' })).toBeTruthy();
    expect(d.textContent).not.toContain('…');
    const rows = within(table).getAllByRole('row');
    expect(rows[1]!.textContent).toContain('KEV');
    expect(rows[1]!.textContent).toContain('added 2024-10-01, due 2024-10-22');
    expect(rows[2]!.textContent).toContain('2.0% (80th percentile)');
    expect(rows[3]!.textContent).toContain('9.8 (v3.1, DSA-5770-1)');
  });

  it('shows every factor of the score in words and points, and each machine with its versions and approval', async () => {
    fireEvent.click(await patchesRow());
    await settle();
    const d = dialog();
    const breakdown = within(d).getByRole('table', { name: 'Score breakdown on files' });
    expect(within(breakdown).getAllByRole('row').slice(1).map((tr) => tr.textContent)).toEqual([
      '+40security update, high severity',
      "+35CVE-2024-45490 is on CISA's Known Exploited Vulnerabilities list (added 2024-10-01)",
      '+4no CVSS or EPSS known; 27 CVEs named in its changelog or advisories (a tie-breaker, at most +4)',
      '+5the machine serves ports 445',
    ]);
    const machines = within(d).getByRole('table', { name: 'Machines that need it' });
    const text = within(machines).getAllByRole('row').slice(1).map((tr) => tr.textContent ?? '');
    expect(text[0]).toContain('files2.5.0-1 → 2.5.0-1+deb12u1');
    expect(text[0]).toContain('not approved');
    expect(text[1]).toContain('desk-12.4.7-1 → 2.5.0-1+deb12u1');
    expect(text[1]).toMatch(/approved by alice/);
    expect(text[2]).toContain('blocked: kiosk image is frozen (group kiosk)');
    // Another machine's breakdown, by keyboard-reachable button.
    fireEvent.click(within(machines).getByRole('button', { name: 'Breakdown on desk-1' }));
    expect(within(d).getByRole('table', { name: 'Score breakdown on desk-1' }).textContent).toContain('-9low machine (×0.8)');
  });

  it('opens with Enter on a focused row, not from its checkbox, and gives focus back to the row when it closes', async () => {
    const r = await patchesRow();
    fireEvent.click(within(r).getByRole('checkbox'));
    fireEvent.keyDown(within(r).getByRole('checkbox'), { key: 'Enter' });
    await settle();
    expect(calls.some((c) => c.name === 'patches/detail')).toBe(false);
    expect(r.tabIndex).toBe(0);
    r.focus();
    fireEvent.keyDown(r, { key: 'Enter' });
    await settle();
    const d = dialog();
    expect(d.hasAttribute('open')).toBe(true);
    expect(d.contains(document.activeElement)).toBe(true);
    // Escape makes the browser close the dialog and fire "close"; the polyfill does what the browser does.
    act(() => (d as HTMLDialogElement).close());
    await settle();
    expect(useDetailStore.getState().update).toBeNull();
    expect(document.activeElement).toBe(r);
  });

  it('the Close button closes it', async () => {
    fireEvent.click(await patchesRow());
    await settle();
    fireEvent.click(within(dialog()).getByRole('button', { name: 'Close' }));
    await settle();
    expect(useDetailStore.getState().update).toBeNull();
    expect(screen.queryByRole('dialog', { name: 'libexpat1 → 2.5.0-1+deb12u1' })).toBeNull();
  });
});
