/** The tray wiring against fakes typed from Electron's own declarations (the binary is not needed). */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Menu, MenuItemConstructorOptions } from 'electron';
import type { BackgroundStatus } from '../../shared/contract';
import { createBackground, type BackgroundDeps, type BackgroundPatch, type TrayLike } from './background';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 7, 20, 0);
const idle: BackgroundStatus = { mode: 'scheduled', startAtLogin: false, schedulesPaused: false, schedules: 0, jobs: [], deployments: [] };

interface World {
  deps: BackgroundDeps;
  status: BackgroundStatus;
  now: number;
  trays: { menu: MenuItemConstructorOptions[] | null; destroyed: boolean }[];
  blockers: Set<number>;
  timers: { at: number; fn: () => void; cancelled: boolean }[];
  asked: string[];
  answer: boolean;
  quits: number;
  opened: number;
  window: boolean;
  loginItem: boolean[];
  sets: BackgroundPatch[];
}

function world(): World {
  let nextId = 1;
  const w: World = {
    status: idle, now: T0, trays: [], blockers: new Set(), timers: [], asked: [], answer: false, quits: 0, opened: 0, window: true, loginItem: [], sets: [],
    deps: null as unknown as BackgroundDeps,
  };
  w.deps = {
    status: () => Promise.resolve(w.status),
    set: (patch) => {
      w.sets.push(patch);
      w.status = { ...w.status, ...patch };
      return Promise.resolve(w.status);
    },
    createTray: () => {
      const t = { menu: null as MenuItemConstructorOptions[] | null, destroyed: false };
      w.trays.push(t);
      const tray: TrayLike = {
        setContextMenu: (m) => void (t.menu = m as unknown as MenuItemConstructorOptions[]),
        setToolTip: () => undefined,
        on: () => tray as never,
        destroy: () => void (t.destroyed = true),
      };
      return tray;
    },
    // The fake "menu" is the template itself, so the test can click its items.
    buildMenu: (template) => template as unknown as Menu,
    powerSaveBlocker: {
      start: (type) => {
        expect(type).toBe('prevent-app-suspension');
        const id = nextId++;
        w.blockers.add(id);
        return id;
      },
      stop: (id) => w.blockers.delete(id),
    },
    openWindow: () => void w.opened++,
    hasWindow: () => w.window,
    quit: () => void w.quits++,
    askQuit: (message, detail) => {
      w.asked.push(`${message}\n${detail}`);
      return Promise.resolve(w.answer);
    },
    setStartAtLogin: (on) => void w.loginItem.push(on),
    now: () => w.now,
    setTimer: (fn, ms) => {
      const t = { at: w.now + ms, fn, cancelled: false };
      w.timers.push(t);
      return () => void (t.cancelled = true);
    },
    formatTime: (ms) => new Date(ms).toISOString().slice(11, 16),
    log: (m) => {
      throw new Error(m);
    },
  };
  return w;
}

/** Moves the fake clock and fires the timers that are due. */
function advance(w: World, ms: number): void {
  w.now += ms;
  for (const t of w.timers) if (!t.cancelled && t.at <= w.now) {
    t.cancelled = true;
    t.fn();
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

let w: World;
beforeEach(() => {
  w = world();
});

describe('closing the window', () => {
  it('quits when nothing is scheduled or waiting ("when work is scheduled")', async () => {
    const bg = createBackground(w.deps);
    w.window = false;
    await bg.windowsClosed();
    expect(w.quits).toBe(1);
  });

  it('stays in the tray while a deployment waits for its window, and the tray opens the window', async () => {
    w.status = { ...idle, deployments: [{ id: 1, title: 'Tonight', running: 0, waiting: 3, nextWindowAt: T0 + 6 * HOUR }] };
    const bg = createBackground(w.deps);
    w.window = false;
    await bg.windowsClosed();
    expect(w.quits).toBe(0);
    expect(w.trays).toHaveLength(1);
    const item = w.trays[0]!.menu!.find((i) => i.label === 'Tonight: 3 waiting for 02:00')!;
    (item.click as () => void)();
    expect(w.opened).toBe(1);
  });

  it('"never" quits even with work waiting, and shows no tray while the window is open', async () => {
    w.status = { ...idle, mode: 'never', schedules: 4 };
    const bg = createBackground(w.deps);
    await bg.refresh();
    expect(w.trays).toHaveLength(0);
    w.window = false;
    await bg.windowsClosed();
    expect(w.quits).toBe(1);
  });
});

describe('keeping the computer awake', () => {
  it('from an hour before the window until the deployment is done, then lets it sleep', async () => {
    w.status = { ...idle, deployments: [{ id: 1, title: 'Tonight', running: 0, waiting: 1, nextWindowAt: T0 + 6 * HOUR }] };
    const bg = createBackground(w.deps);
    await bg.refresh();
    expect(w.blockers.size).toBe(0);
    advance(w, 5 * HOUR - 1);
    await flush();
    expect(w.blockers.size).toBe(0);
    advance(w, 1); // the hour before the window starts: the timer re-reads the status
    await flush();
    expect(w.blockers.size).toBe(1);
    w.status = { ...idle, deployments: [{ id: 1, title: 'Tonight', running: 1, waiting: 0, nextWindowAt: null }] };
    await bg.refresh();
    expect(w.blockers.size).toBe(1); // the same blocker, not a second one
    w.status = idle;
    await bg.refresh();
    expect(w.blockers.size).toBe(0);
  });

  it('releases the blocker on dispose', async () => {
    w.status = { ...idle, deployments: [{ id: 1, title: 'Now', running: 2, waiting: 0, nextWindowAt: null }] };
    const bg = createBackground(w.deps);
    await bg.refresh();
    expect(w.blockers.size).toBe(1);
    bg.dispose();
    expect(w.blockers.size).toBe(0);
    expect(w.trays[0]!.destroyed).toBe(true);
  });
});

describe('quitting', () => {
  it('goes ahead without asking when nothing would be lost', async () => {
    expect(await createBackground(w.deps).confirmQuit()).toBe(true);
    expect(w.asked).toEqual([]);
  });

  it('asks, saying what will not happen, and follows the answer', async () => {
    w.status = { ...idle, deployments: [{ id: 1, title: 'Tonight', running: 0, waiting: 2, nextWindowAt: T0 + 6 * HOUR }] };
    const bg = createBackground(w.deps);
    expect(await bg.confirmQuit()).toBe(false);
    expect(w.asked[0]).toContain('"Tonight": 2 machines waiting for the window at 02:00 will not be updated');
    w.answer = true;
    expect(await bg.confirmQuit()).toBe(true);
  });
});

describe('tray settings', () => {
  it('pauses all schedules and turns start-at-login on, once per change', async () => {
    w.status = { ...idle, schedules: 2 };
    const bg = createBackground(w.deps);
    await bg.refresh();
    expect(w.loginItem).toEqual([false]);
    const menu = (): MenuItemConstructorOptions[] => w.trays[0]!.menu!;
    (menu().find((i) => i.label === 'Pause all schedules (2)')!.click as () => void)();
    await flush();
    expect(w.sets).toEqual([{ schedulesPaused: true }]);
    expect(menu().find((i) => i.label === 'Pause all schedules (2)')!.checked).toBe(true);
    (menu().find((i) => i.label === 'Start at login (in the tray)')!.click as () => void)();
    await flush();
    await bg.refresh();
    expect(w.loginItem).toEqual([false, true]);
  });

  it('coalesces refreshes asked for while one is running', async () => {
    let reads = 0;
    const status = w.deps.status;
    w.deps.status = () => {
      reads++;
      return status();
    };
    const bg = createBackground(w.deps);
    await Promise.all([bg.refresh(), bg.refresh(), bg.refresh()]);
    expect(reads).toBe(2);
  });
});
