/**
 * The Machines table: search (name, address, OS, tag), sortable columns announced with aria-sort, grouping by
 * tag, a CSV of exactly the rows shown (formula cells defused), names from reverse DNS, and broken machines
 * flagged with their reason and the buttons that act on them.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, Host, MachineRisk } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialJobsState, useJobsStore } from '../stores/jobs-store';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { MachinesTable } from './machines-table';

const NOW = Date.UTC(2026, 10, 22, 12);

function host(id: number, over: Partial<Host> = {}): Host {
  return {
    id, address: `192.0.2.${id}`, hostname: null, displayName: null, osFamily: 'linux', osName: 'Debian GNU/Linux', osVersion: '12', kernel: null,
    tags: [], criticality: 'normal', exposed: false, sshPort: 22, transport: 'ssh', winrmPort: null, winrmHttps: false, winrmCert: null, credentialId: null,
    sshHostKey: 'SHA256:pinned', pendingHostKey: null, pendingWinrmCert: null, contactAllowedAt: NOW, platform: 'debian', arch: 'amd64', uptimeSeconds: null, rebootRequired: false, rebootReasons: [],
    health: { ok: true, problems: [] }, lastAssessedAt: NOW, lastError: null, mac: null, vendor: null, fingerprints: [], osGuess: null, pendingCount: 0,
    securityCount: 0, openPorts: [22], reachability: 'up', source: 'manual', notes: '', firstSeen: null, lastSeen: null, createdAt: NOW, updatedAt: NOW,
    ...over,
  };
}

const HOSTS: Host[] = [
  host(10, { hostname: 'files01', tags: ['office', 'backup'], pendingCount: 4 }),
  host(9, { displayName: 'Reception PC', osFamily: 'windows', osName: 'Windows 11 Pro', platform: 'windows', transport: 'winrm', tags: ['office'], pendingCount: 2 }),
  host(2, { fingerprints: [{ source: 'rdns', port: null, evidence: 'nas.example.lan', hint: null }], tags: [] }),
  host(30, { hostname: '=HYPERLINK("http://x")', tags: ['lab'], pendingCount: 1 }),
];

const calls: { name: string; arg: unknown }[] = [];
let saved: string[] = [];

function fakeCore(): void {
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      return { ok: true, value: { jobId: 7 } };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

function show(hosts: Host[] = HOSTS, risks: Map<number, MachineRisk> = new Map()) {
  return render(
    <MachinesTable hosts={hosts} risks={risks} selectedIds={[]} detailId={null} onToggle={() => undefined} onSelect={() => undefined} onOpen={() => undefined} now={NOW} />,
  );
}

/** The names in the table's rows, top to bottom (group header rows have no name button). */
const names = (): string[] =>
  within(screen.getByRole('table', { name: 'Machines' }))
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.querySelector('td:nth-child(2) button')?.textContent ?? `[${r.textContent}]`);

const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
};

describe('MachinesTable', () => {
  beforeEach(() => {
    calls.length = 0;
    saved = [];
    useMachinesStore.setState({ ...initialMachinesState, saveCsv: (csv: string) => void saved.push(csv) });
    useUiStore.setState(initialUiState);
    useJobsStore.setState(initialJobsState);
    fakeCore();
  });
  afterEach(() => {
    cleanup();
    setTransport(null);
  });

  it('names machines by their host name, else reverse DNS, else the address, and lists them by address', () => {
    show();
    expect(names()).toEqual(['nas.example.lan', 'Reception PC', 'files01', '=HYPERLINK("http://x")']);
  });

  it('searches name, address, OS and tag', () => {
    show();
    const search = screen.getByRole('searchbox', { name: 'Search machines' });
    fireEvent.change(search, { target: { value: 'nas' } });
    expect(names()).toEqual(['nas.example.lan']);
    fireEvent.change(search, { target: { value: 'windows' } });
    expect(names()).toEqual(['Reception PC']);
    fireEvent.change(search, { target: { value: 'backup' } });
    expect(names()).toEqual(['files01']);
    fireEvent.change(search, { target: { value: '192.0.2.30' } });
    expect(names()).toEqual(['=HYPERLINK("http://x")']);
    fireEvent.change(search, { target: { value: 'office debian' } });
    expect(names()).toEqual(['files01']);
    expect(screen.getByRole('status').textContent).toBe('1 of 4 machines');
    fireEvent.change(search, { target: { value: 'nothing-like-this' } });
    expect(screen.getByText(/No machine matches/)).toBeDefined();
  });

  it('sorts by a column with a button in its header, says so with aria-sort, and reverses on a second press', () => {
    show();
    const header = (name: string) => screen.getByRole('columnheader', { name: new RegExp(`^${name}`) });
    expect(header('Address').getAttribute('aria-sort')).toBe('ascending');
    expect(header('Updates').getAttribute('aria-sort')).toBe('none');
    // A real <button>: reachable with Tab, pressed with Enter or Space.
    const updates = within(header('Updates')).getByRole('button');
    expect(updates.tagName).toBe('BUTTON');
    fireEvent.click(updates);
    expect(header('Updates').getAttribute('aria-sort')).toBe('ascending');
    expect(header('Address').getAttribute('aria-sort')).toBe('none');
    expect(names()).toEqual(['nas.example.lan', '=HYPERLINK("http://x")', 'Reception PC', 'files01']);
    fireEvent.click(updates);
    expect(header('Updates').getAttribute('aria-sort')).toBe('descending');
    expect(names()).toEqual(['files01', 'Reception PC', '=HYPERLINK("http://x")', 'nas.example.lan']);
    fireEvent.click(within(header('Name')).getByRole('button'));
    expect(names()).toEqual(['=HYPERLINK("http://x")', 'files01', 'nas.example.lan', 'Reception PC']);
  });

  it('groups by tag, a machine with two tags in both groups, the untagged last', () => {
    show();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Group by tag' }));
    expect(screen.getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['backup (1)', 'lab (1)', 'office (2)', '(no tag) (1)']);
    expect(names()).toEqual([
      '[backup (1)]', 'files01',
      '[lab (1)]', '=HYPERLINK("http://x")',
      '[office (2)]', 'Reception PC', 'files01',
      '[(no tag) (1)]', 'nas.example.lan',
    ]);
  });

  it('exports exactly the rows and texts shown, as CSV, with formula-like cells defused', () => {
    show();
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search machines' }), { target: { value: 'office' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Group by tag' }));
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(saved).toHaveLength(1);
    expect(saved[0]!.split('\r\n')).toEqual([
      'Group,Name,Address,OS,State,Last seen,Updates,Risk,Tags,Criticality',
      'backup,files01,192.0.2.10,Linux · Debian GNU/Linux,Answering,never,4,—,"office, backup",normal',
      'office,Reception PC,192.0.2.9,Windows · Windows 11 Pro,Answering,never,2,—,office,normal',
      'office,files01,192.0.2.10,Linux · Debian GNU/Linux,Answering,never,4,—,"office, backup",normal',
      '',
    ]);
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search machines' }), { target: { value: 'lab' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Group by tag' }));
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(saved[1]!.split('\r\n')[1]).toBe(`"'=HYPERLINK(""http://x"")",192.0.2.30,Linux · Debian GNU/Linux,Answering,never,1,—,lab,normal`);
  });

  it('flags a broken dpkg with its reason and repairs it; a changed key or a silent machine can be checked again', async () => {
    const broken = host(5, { hostname: 'web01', health: { ok: false, problems: ['dpkg --audit: pw-fixture-a 1.0-2 is unpacked but not configured'] } });
    const keyChanged = host(6, { hostname: 'db01', pendingHostKey: 'SHA256:other' });
    const silent = host(7, {
      hostname: 'app01',
      reachability: 'down',
      lastError: { command: null, exitCode: null, stderrTail: '', message: 'Stopped answering at step updates (the connection to 192.0.2.7 was lost (closed))' },
    });
    const rpmBroken = host(8, { hostname: 'rocky01', platform: 'rhel', health: { ok: false, problems: ['dnf check: rpmdb problem'] } });
    show([broken, keyChanged, silent, rpmBroken]);

    const rowOf = (name: string) => screen.getByRole('button', { name }).closest('tr')!;
    const web = within(rowOf('web01'));
    expect(web.getByText('Package manager broken')).toBeDefined();
    expect(web.getByText(/pw-fixture-a 1\.0-2 is unpacked but not configured/)).toBeDefined();
    fireEvent.click(web.getByRole('button', { name: 'Repair dpkg on web01 (dpkg --configure -a)' }));
    await settle();
    expect(calls).toEqual([{ name: 'machines/repair', arg: { id: 5 } }]);
    expect(useJobsStore.getState().trayOpen).toBe(true);

    const db = within(rowOf('db01'));
    expect(db.getByText('Host key changed')).toBeDefined();
    expect(db.queryByRole('button', { name: /Repair/ })).toBeNull();
    fireEvent.click(db.getByRole('button', { name: 'Check db01 again' }));
    await settle();
    expect(calls.at(-1)).toEqual({ name: 'machines/recheck', arg: { ids: [6] } });

    const app = within(rowOf('app01'));
    expect(app.getByText('Not answering')).toBeDefined();
    expect(app.getByText(/^Stopped answering at step updates/)).toBeDefined();
    expect(app.getByRole('button', { name: 'Check app01 again' })).toBeDefined();

    // dpkg --configure -a is no repair for an RPM database: only Check again is offered.
    const rocky = within(rowOf('rocky01'));
    expect(rocky.getByText('Package manager broken')).toBeDefined();
    expect(rocky.queryByRole('button', { name: /Repair/ })).toBeNull();

    // A healthy machine has neither button.
    cleanup();
    show([host(1, { hostname: 'ok01' })]);
    expect(within(screen.getByRole('button', { name: 'ok01' }).closest('tr')!).queryByRole('button', { name: /again|Repair/ })).toBeNull();
  });
});
