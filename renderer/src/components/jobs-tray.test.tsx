import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, Job, Notice } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialDeployState, useDeployStore } from '../stores/deploy-store';
import { watch } from '../stores/events';
import { initialJobsState, useJobsStore } from '../stores/jobs-store';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { initialNoticesState, noticeIdFromHash, useNoticesStore } from '../stores/notices-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { JobsTray } from './jobs-tray';

const job = (id: number, state: Job['state'], over: Partial<Job> = {}): Job => ({
  id,
  kind: 'assess',
  title: `Assess job ${id}`,
  state,
  current: 0,
  total: 2,
  summary: null,
  error: null,
  createdAt: 1,
  startedAt: 1,
  finishedAt: null,
  ...over,
});

const notice = (id: number, over: Partial<Notice> = {}): Notice => ({
  id,
  kind: 'deploy-failed',
  severity: 'error',
  title: `Deployment failed: 1 of 2 machines updated (${id})`,
  body: 'Approved updates on 2 machines\n1 updated, 1 failed and rolled back.\nNeeds a look:\nweb01: health check failed',
  target: { page: 'deployments', id: 7 },
  createdAt: 1,
  seenAt: null,
  ...over,
});

let stored: Notice[];
let calls: [string, unknown][];
let emit: ((name: string, payload: unknown) => void) | null;

beforeEach(() => {
  stored = [];
  calls = [];
  emit = null;
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push([name, arg]);
      if (name === 'notices/list') return { ok: true, value: structuredClone(stored) };
      if (name === 'notices/mark-seen') {
        const ids = (arg as { ids?: number[] }).ids;
        stored = stored.map((n) => (!ids || ids.includes(n.id) ? { ...n, seenAt: n.seenAt ?? 99 } : n));
        return { ok: true, value: { ok: true } };
      }
      if (name === 'deploy/get') return { ok: false, error: { name: 'AppError', message: 'not in this test', code: 'not-found' } };
      return { ok: true, value: [] };
    },
    onEvent: (fn) => {
      emit = fn;
      return () => (emit = null);
    },
    onState: (fn) => (fn('open'), () => undefined),
  });
});

afterEach(() => {
  cleanup();
  setTransport(null);
  useJobsStore.setState(initialJobsState);
  useNoticesStore.setState(initialNoticesState);
  useUiStore.setState(initialUiState);
  useDeployStore.setState(initialDeployState);
  useMachinesStore.setState(initialMachinesState);
});

const tray = () => screen.getByRole('complementary', { name: 'Jobs' });
const jobsToggle = () => within(tray()).getByRole('button', { name: /^Jobs/ });
const noticesToggle = () => within(tray()).getByRole('button', { name: /^Notices/ });
/** The tray's button with exactly this accessible name (the badge's count is part of it), or null. */
const named = (name: string) => within(tray()).queryByRole('button', { name });

describe('the jobs tray', () => {
  it('is collapsed by default: a bar with a badge, no list over the page', () => {
    useJobsStore.setState({ jobs: [job(2, 'running'), job(1, 'succeeded')] });
    render(<JobsTray />);
    expect(jobsToggle().getAttribute('aria-expanded')).toBe('false');
    expect(named('Jobs 1')).toBe(jobsToggle());
    expect(within(tray()).queryByRole('listitem')).toBeNull();
    expect(within(tray()).getByText('1 running')).toBeTruthy();
  });

  it('counts a job that ended while collapsed until the tray is opened, keeps it listed, and toasts a failure', () => {
    useJobsStore.setState({ jobs: [job(3, 'running'), job(2, 'running')] });
    render(<JobsTray />);
    expect(named('Jobs 2')).toBe(jobsToggle());
    act(() => useJobsStore.getState().applyUpdate(job(3, 'failed', { error: 'no credential applies' }), []));
    act(() => useJobsStore.getState().applyUpdate(job(2, 'succeeded'), []));
    // Nothing runs now, two ended unseen.
    expect(named('Jobs 2')).toBe(jobsToggle());
    expect(useUiStore.getState().toasts).toEqual([expect.objectContaining({ kind: 'error', text: 'Assess job 3 failed: no credential applies' })]);
    // Another update of an already failed job toasts nothing more.
    act(() => useJobsStore.getState().applyUpdate(job(3, 'failed', { error: 'no credential applies' }), []));
    expect(useUiStore.getState().toasts).toHaveLength(1);

    fireEvent.click(jobsToggle());
    expect(named('Jobs')).toBe(jobsToggle());
    const rows = within(screen.getByRole('region', { name: 'Job list' })).getAllByRole('listitem');
    expect(rows.map((r) => r.getAttribute('data-job-id'))).toEqual(['3', '2']);
    expect(rows[0]!.textContent).toContain('Failed');
  });

  it('clears finished and failed jobs and keeps the running ones', () => {
    useJobsStore.setState({ jobs: [job(4, 'running'), job(3, 'failed'), job(2, 'succeeded')] });
    render(<JobsTray />);
    fireEvent.click(jobsToggle());
    const list = screen.getByRole('region', { name: 'Job list' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(3);
    fireEvent.click(within(list).getByRole('button', { name: 'Clear finished' }));
    expect(within(list).getAllByRole('listitem').map((r) => r.getAttribute('data-job-id'))).toEqual(['4']);
    expect((within(list).getByRole('button', { name: 'Clear finished' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('notices in the tray', () => {
  it('shows the unseen notices the core keeps after a reload, and a click opens the page and marks it seen', async () => {
    stored = [notice(5), notice(4, { kind: 'reboot-needed', severity: 'warning', title: 'web01 needs a restart', target: { page: 'machines', id: 3 }, seenAt: 50 })];
    // A fresh page: the stores know nothing until the list is read from the core.
    const unwatch = watch('notices');
    render(<JobsTray />);
    expect(await within(tray()).findByRole('button', { name: 'Notices 1' })).toBeTruthy();

    fireEvent.click(noticesToggle());
    const panel = screen.getByRole('region', { name: 'Notices' });
    const items = within(panel).getAllByRole('listitem');
    expect(items.map((i) => i.getAttribute('data-notice-id'))).toEqual(['5', '4']);
    expect(items[0]!.textContent).toContain('web01: health check failed');

    await act(() => Promise.resolve(fireEvent.click(within(panel).getByRole('button', { name: /Deployment failed/ }))));
    expect(useUiStore.getState().page).toBe('deployments');
    expect(useDeployStore.getState().openId).toBe(7);
    expect(calls).toContainEqual(['notices/mark-seen', { ids: [5] }]);
    expect(named('Notices')).toBe(noticesToggle());
    expect(screen.queryByRole('region', { name: 'Notices' })).toBeNull();

    // A notice about one machine opens that machine's details.
    fireEvent.click(noticesToggle());
    await act(() => Promise.resolve(fireEvent.click(screen.getByRole('button', { name: 'web01 needs a restart' }))));
    expect(useUiStore.getState().page).toBe('machines');
    expect(useMachinesStore.getState().detailId).toBe(3);
    unwatch();
  });

  it('adds notices the core announces, and opens the one the desktop asks for', async () => {
    const unwatch = watch('notices');
    render(<JobsTray />);
    await act(() => Promise.resolve());
    expect(named('Notices')).toBe(noticesToggle());
    act(() => emit!('notices/added', { notices: [notice(9, { kind: 'kev-new', title: 'New known-exploited exposure', target: { page: 'patches', id: null } })] }));
    expect(named('Notices 1')).toBe(noticesToggle());
    stored = [notice(9, { kind: 'kev-new', target: { page: 'patches', id: null } })];
    await act(async () => emit!('notices/open', { noticeId: 9, target: { page: 'patches', id: null } }));
    expect(useUiStore.getState().page).toBe('patches');
    expect(named('Notices')).toBe(noticesToggle());
    unwatch();
  });

  it('reads the notice a new desktop window was opened for from its address', () => {
    expect(noticeIdFromHash('#notice=12')).toBe(12);
    expect(noticeIdFromHash('#notice=0')).toBeNull();
    expect(noticeIdFromHash('#notice=12&x=1')).toBeNull();
    expect(noticeIdFromHash('')).toBeNull();
  });
});

describe('error messages', () => {
  it('are dismissible where they happened and do not follow the user to another page', () => {
    const ui = useUiStore.getState();
    ui.go('machines');
    ui.toast('error', 'Assess failed');
    ui.toast('info', 'Saved');
    ui.go('machines');
    expect(useUiStore.getState().toasts).toHaveLength(2);
    ui.go('patches');
    expect(useUiStore.getState().toasts.map((t) => t.text)).toEqual(['Saved']);
  });
});
