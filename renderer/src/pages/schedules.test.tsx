import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, ScheduleInput, ScheduleView, SchedulesState } from '../../../shared/contract';
import { describeCron } from '../../../shared/cron-words';
import { setTransport } from '../services/client';
import { initialSchedulesState, useSchedulesStore } from '../stores/schedules-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { SchedulesPage } from './schedules';

const calls: { name: string; arg: unknown }[] = [];
const at = (iso: string): number => Date.parse(iso);

const nightly: ScheduleView = {
  id: 1, kind: 'assessment', name: 'Nightly', cron: '0 2 * * *', timezone: 'UTC', enabled: true, options: { tag: null },
  description: 'Every day at 02:00', zone: 'UTC',
  nextRuns: [at('2026-03-03T02:00:00Z'), at('2026-03-04T02:00:00Z'), at('2026-03-05T02:00:00Z')],
  lastRunAt: at('2026-03-02T09:00:00Z'), lastJobId: 7, lastOutcome: 'succeeded',
  lastMessage: 'Assessing 3 machines. Caught up: due 2 Mar 2026, 02:00 while Patchwell was not running; run once now',
  createdAt: 1, updatedAt: 1,
};

/** A fake core keeping schedules in memory, answering like the real handlers (and refusing what they refuse). */
function fakeCore(initial: ScheduleView[]): { state: SchedulesState } {
  const core = { state: { schedules: [...initial], paused: false, downloadsAllowed: false } as SchedulesState };
  const answer = (name: string, arg: unknown): unknown => {
    switch (name) {
      case 'schedules/list':
        return core.state;
      case 'schedules/save': {
        const input = arg as ScheduleInput;
        if (input.timezone === 'Mars/Olympus') throw Object.assign(new Error('Unknown time zone Mars/Olympus'), { code: 'bad-request' });
        const id = input.id ?? core.state.schedules.length + 1;
        const view: ScheduleView = { ...input, id, description: describeCron(input.cron), zone: input.timezone ?? 'UTC', nextRuns: [], lastRunAt: null, lastJobId: null, lastOutcome: null, lastMessage: null, createdAt: 2, updatedAt: 2 };
        core.state = { ...core.state, schedules: [...core.state.schedules.filter((s) => s.id !== id), view] };
        return core.state;
      }
      case 'schedules/delete':
        core.state = { ...core.state, schedules: core.state.schedules.filter((s) => s.id !== (arg as { id: number }).id) };
        return core.state;
      case 'schedules/pause':
        core.state = { ...core.state, paused: (arg as { paused: boolean }).paused };
        return core.state;
      case 'schedules/run-now':
        return { jobId: 12, message: 'Assessing 3 machines. Run by hand' };
      default:
        throw new Error(`unexpected call ${name}`);
    }
  };
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      try {
        return { ok: true, value: structuredClone(answer(name, arg)) };
      } catch (e) {
        return { ok: false, error: { name: 'AppError', message: (e as Error).message, code: 'bad-request' } };
      }
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
  return core;
}

beforeEach(() => {
  calls.length = 0;
});

afterEach(() => {
  cleanup();
  setTransport(null);
  useSchedulesStore.setState(initialSchedulesState);
  useUiStore.setState(initialUiState);
});

describe('Schedules view', () => {
  it('lists each schedule with what it does, when in words, its next runs and how its last run went', async () => {
    fakeCore([nightly]);
    render(<SchedulesPage />);
    const table = await screen.findByRole('table', { name: 'Schedules' });
    const row = within(table).getByText('Nightly').closest('tr')!;
    expect(within(row).getByText('Assess every machine')).toBeTruthy();
    expect(within(row).getByText('Every day at 02:00')).toBeTruthy();
    expect(within(row).getByText('Tue 3 Mar, 02:00')).toBeTruthy();
    expect(within(row).getByText('Thu 5 Mar, 02:00')).toBeTruthy();
    expect(within(row).getByText('succeeded')).toBeTruthy();
    expect(within(row).getByText(/Caught up: due 2 Mar 2026, 02:00 while Patchwell was not running/)).toBeTruthy();
    expect(screen.getByText(/A run missed while Patchwell was not running .* is made once when Patchwell starts again/)).toBeTruthy();
    expect(screen.getByText(/never updated at a later hour; it waits for its next window/)).toBeTruthy();
  });

  it('adds a weekday assessment of one tag, describing it as it is chosen, and shows a refusal in the form', async () => {
    fakeCore([]);
    render(<SchedulesPage />);
    await screen.findByText(/No schedules yet/);
    fireEvent.click(screen.getByRole('button', { name: 'Add schedule' }));
    const form = screen.getByRole('form', { name: 'New schedule' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Office nightly' } });
    fireEvent.change(within(form).getByLabelText(/Machines tagged/), { target: { value: 'office' } });
    fireEvent.change(within(form).getByLabelText('Repeat'), { target: { value: 'weekdays' } });
    fireEvent.change(within(form).getByLabelText('At'), { target: { value: '01:30' } });
    expect(within(form).getByText('Every weekday (Monday to Friday) at 01:30')).toBeTruthy();

    fireEvent.change(within(form).getByLabelText(/Time zone/), { target: { value: 'Mars/Olympus' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add schedule' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Unknown time zone Mars/Olympus');

    fireEvent.change(within(form).getByLabelText(/Time zone/), { target: { value: '' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add schedule' }));
    const table = await screen.findByRole('table', { name: 'Schedules' });
    expect(within(table).getByText('Assess machines tagged office')).toBeTruthy();
    // The list shows the new schedule as soon as the store has it; the form closes once the save has returned.
    await waitFor(() => expect(screen.queryByRole('form', { name: 'New schedule' })).toBeNull());
    expect(calls.filter((c) => c.name === 'schedules/save').map((c) => c.arg)).toEqual([
      { kind: 'assessment', name: 'Office nightly', cron: '30 1 * * 1-5', timezone: 'Mars/Olympus', enabled: true, options: { tag: 'office' } },
      { kind: 'assessment', name: 'Office nightly', cron: '30 1 * * 1-5', timezone: null, enabled: true, options: { tag: 'office' } },
    ]);
  });

  it('edits a schedule in place, keeping the repeat it had', async () => {
    fakeCore([{ ...nightly, cron: '0 6 1 * *', kind: 'report', name: 'Monthly report', options: { folder: '/srv/reports' } }]);
    render(<SchedulesPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const form = screen.getByRole('form', { name: 'Edit schedule' });
    expect((within(form).getByLabelText('Repeat') as HTMLSelectElement).value).toBe('month');
    expect((within(form).getByLabelText('Day of the month') as HTMLInputElement).value).toBe('1');
    fireEvent.change(within(form).getByLabelText('At'), { target: { value: '07:15' } });
    expect(within(form).getByText('On the 1st of every month at 07:15')).toBeTruthy();
    fireEvent.click(within(form).getByRole('button', { name: 'Save schedule' }));
    await waitFor(() => expect(calls.some((c) => c.name === 'schedules/save')).toBe(true));
    expect(calls.find((c) => c.name === 'schedules/save')?.arg).toEqual({ id: 1, kind: 'report', name: 'Monthly report', cron: '15 7 1 * *', timezone: 'UTC', enabled: true, options: { folder: '/srv/reports' } });
  });

  it('pauses all, disables, runs now and removes', async () => {
    fakeCore([nightly]);
    render(<SchedulesPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Pause all schedules' }));
    expect(await screen.findByText(/All schedules are paused/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Resume all schedules' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    await waitFor(() => expect(useUiStore.getState().toasts.map((t) => t.text)).toEqual(['Nightly: Assessing 3 machines. Run by hand']));

    fireEvent.click(screen.getByRole('button', { name: 'Disable' }));
    expect(await screen.findByRole('button', { name: 'Enable' })).toBeTruthy();
    expect(calls.find((c) => c.name === 'schedules/save')?.arg).toMatchObject({ id: 1, enabled: false, cron: '0 2 * * *' });

    fireEvent.click(screen.getByRole('button', { name: 'Remove Nightly' }));
    expect(await screen.findByText(/No schedules yet/)).toBeTruthy();
    expect(calls.map((c) => c.name)).toEqual(expect.arrayContaining(['schedules/pause', 'schedules/run-now', 'schedules/delete']));
  });
});
