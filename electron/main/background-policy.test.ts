import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import type { BackgroundStatus } from '../../shared/contract';
import { autostartEntry, KEEP_AWAKE_LEAD_MS, keepAwakeNow, quitWarning, shouldStayInBackground, trayMenu } from './background-policy';

const NOW = Date.UTC(2026, 0, 7, 12, 0);
const HOUR = 3_600_000;
const idle: BackgroundStatus = { mode: 'scheduled', startAtLogin: false, schedulesPaused: false, schedules: 0, jobs: [], deployments: [] };
const waitingAt = (at: number | null): BackgroundStatus => ({ ...idle, deployments: [{ id: 1, title: 'Tonight', running: 0, waiting: 2, nextWindowAt: at }] });
const fmt = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

describe('shouldStayInBackground', () => {
  it('"when work is scheduled" stays for a waiting deployment, a job or a live schedule, and quits otherwise', () => {
    expect(shouldStayInBackground(idle)).toBe(false);
    expect(shouldStayInBackground(waitingAt(NOW + 5 * HOUR))).toBe(true);
    expect(shouldStayInBackground({ ...idle, jobs: [{ id: 4, kind: 'assess', title: 'Assess 3 machines', state: 'running' }] })).toBe(true);
    expect(shouldStayInBackground({ ...idle, schedules: 2 })).toBe(true);
    expect(shouldStayInBackground({ ...idle, schedules: 2, schedulesPaused: true })).toBe(false);
  });

  it('"always" always stays and "never" never does, whatever is waiting', () => {
    expect(shouldStayInBackground({ ...idle, mode: 'always' })).toBe(true);
    expect(shouldStayInBackground({ ...waitingAt(NOW), mode: 'never' })).toBe(false);
  });
});

describe('keepAwakeNow', () => {
  it('keeps awake from an hour before the window a deployment waits for, and says when that hour starts', () => {
    expect(keepAwakeNow(waitingAt(NOW + 3 * HOUR), NOW)).toEqual({ awake: false, recheckAt: NOW + 2 * HOUR });
    expect(keepAwakeNow(waitingAt(NOW + KEEP_AWAKE_LEAD_MS), NOW)).toEqual({ awake: true, recheckAt: null });
    expect(keepAwakeNow(waitingAt(NOW + 59 * 60_000), NOW).awake).toBe(true);
  });

  it('keeps awake while a deployment runs, or is about to start with no window to wait for', () => {
    expect(keepAwakeNow({ ...idle, deployments: [{ id: 1, title: 'Now', running: 1, waiting: 0, nextWindowAt: null }] }, NOW).awake).toBe(true);
    expect(keepAwakeNow(waitingAt(null), NOW).awake).toBe(true);
  });

  it('lets the computer sleep when only assessments or schedules are pending', () => {
    expect(keepAwakeNow({ ...idle, schedules: 3, jobs: [{ id: 4, kind: 'assess', title: 'Assess', state: 'running' }] }, NOW)).toEqual({ awake: false, recheckAt: null });
  });

  it('rechecks at the earliest of several windows', () => {
    const s: BackgroundStatus = {
      ...idle,
      deployments: [
        { id: 1, title: 'A', running: 0, waiting: 1, nextWindowAt: NOW + 10 * HOUR },
        { id: 2, title: 'B', running: 0, waiting: 1, nextWindowAt: NOW + 4 * HOUR },
      ],
    };
    expect(keepAwakeNow(s, NOW)).toEqual({ awake: false, recheckAt: NOW + 3 * HOUR });
  });
});

describe('quitWarning', () => {
  it('says nothing when nothing would be lost', () => {
    expect(quitWarning(idle, fmt)).toBeNull();
    expect(quitWarning({ ...idle, schedules: 2, schedulesPaused: true }, fmt)).toBeNull();
  });

  it('names what will not happen: the waiting machines and their window, the running ones, other jobs, schedules', () => {
    const s: BackgroundStatus = {
      ...idle,
      schedules: 1,
      jobs: [
        { id: 7, kind: 'deploy', title: 'Deploy openssl', state: 'running' },
        { id: 8, kind: 'assess', title: 'Assess 3 machines', state: 'queued' },
      ],
      deployments: [
        { id: 1, title: 'Tonight', running: 0, waiting: 2, nextWindowAt: Date.UTC(2026, 0, 8, 2, 0) },
        { id: 2, title: 'Deploy openssl', running: 1, waiting: 1, nextWindowAt: null },
      ],
    };
    const w = quitWarning(s, fmt)!;
    expect(w.message).toContain('Some work will not happen');
    expect(w.detail.split('\n')).toEqual([
      '"Tonight": 2 machines waiting for the window at 02:00 will not be updated unless Patchwell is running then.',
      '"Deploy openssl" is updating 1 machine now: that work stops and is marked interrupted (Resume or Repair it after the next start).',
      '"Deploy openssl": 1 machine waiting for their turn will not be updated unless Patchwell is running then.',
      '"Assess 3 machines" (queued) stops and is marked interrupted.',
      '1 schedule will not run while Patchwell is closed.',
    ]);
  });
});

describe('trayMenu', () => {
  const calls: unknown[] = [];
  const actions = { open: () => calls.push('open'), quit: () => calls.push('quit'), setBackground: (p: unknown) => calls.push(p) };
  const click = (item: MenuItemConstructorOptions | undefined): void => (item!.click as () => void)();
  const byLabel = (items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions | undefined =>
    items.find((i) => typeof i.label === 'string' && i.label.startsWith(label));

  it('lists the work in hand and opens the window from it', () => {
    calls.length = 0;
    const menu = trayMenu({ ...waitingAt(Date.UTC(2026, 0, 8, 2, 0)), jobs: [{ id: 3, kind: 'scan', title: 'Scan 10.0.0.0/24', state: 'running' }] }, actions, fmt);
    expect(menu.map((i) => i.label ?? i.type)).toEqual([
      'Open Patchwell', 'separator', 'Tonight: 2 waiting for 02:00', 'Scan 10.0.0.0/24 (running)', 'separator',
      'Pause all schedules', 'When the window closes, keep running', 'Start at login (in the tray)', 'separator', 'Quit Patchwell',
    ]);
    click(byLabel(menu, 'Tonight'));
    click(byLabel(menu, 'Quit'));
    expect(calls).toEqual(['open', 'quit']);
  });

  it('says when nothing is running, and toggles the pause and the settings', () => {
    calls.length = 0;
    const menu = trayMenu({ ...idle, schedules: 3, schedulesPaused: true }, actions, fmt);
    expect(byLabel(menu, 'Nothing running')?.enabled).toBe(false);
    const pause = byLabel(menu, 'Pause all schedules (3)')!;
    expect(pause.checked).toBe(true);
    click(pause);
    const modes = byLabel(menu, 'When the window closes')!.submenu as MenuItemConstructorOptions[];
    expect(modes.map((m) => [m.label, m.checked])).toEqual([['Always', false], ['While work is scheduled or waiting', true], ['Never (quit)', false]]);
    click(modes[0]);
    click(byLabel(menu, 'Start at login'));
    expect(calls).toEqual([{ schedulesPaused: false }, { mode: 'always' }, { startAtLogin: true }]);
  });
});

describe('autostartEntry', () => {
  it('starts hidden and quotes the path so it cannot be split or expanded', () => {
    const text = autostartEntry('/home/ann/Apps/Pätch $well "x" 100%.AppImage');
    // As the spec says: one backslash from quoting, doubled by the string escaping.
    expect(text).toContain('Exec="/home/ann/Apps/Pätch \\\\$well \\\\"x\\\\" 100%%.AppImage" --hidden\n');
    expect(text.startsWith('[Desktop Entry]\nType=Application\n')).toBe(true);
  });
});
