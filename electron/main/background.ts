/**
 * Background running for the desktop app: the tray, keeping the computer awake, and the quit question. Electron's
 * objects come in through BackgroundDeps (index.ts passes the real ones), so this runs in tests with fakes.
 */
import type { Menu, MenuItemConstructorOptions, PowerSaveBlocker, Tray } from 'electron';
import type { BackgroundSettings, BackgroundStatus } from '../../shared/contract';
import { keepAwakeNow, quitWarning, shouldStayInBackground, trayMenu } from './background-policy';

export type TrayLike = Pick<Tray, 'setContextMenu' | 'setToolTip' | 'on' | 'destroy'>;
export type BackgroundPatch = Partial<BackgroundSettings> & { schedulesPaused?: boolean };

export interface BackgroundDeps {
  status(): Promise<BackgroundStatus>;
  // TODO(schedules): "Pause all schedules" writes the schedulesPaused setting through background/set until the
  // schedules' own pause call exists; both write the same key.
  set(patch: BackgroundPatch): Promise<BackgroundStatus>;
  createTray(): TrayLike;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  powerSaveBlocker: Pick<PowerSaveBlocker, 'start' | 'stop'>;
  /** Shows the window (creating it when there is none). */
  openWindow(): void;
  hasWindow(): boolean;
  /** app.quit(): runs the before-quit path, which asks through confirmQuit(). */
  quit(): void;
  /** Asks "quit anyway?"; true to quit. */
  askQuit(message: string, detail: string): Promise<boolean>;
  setStartAtLogin(on: boolean): void;
  now(): number;
  /** A one-shot timer; returns its cancel. */
  setTimer(fn: () => void, ms: number): () => void;
  formatTime(ms: number): string;
  log(message: string): void;
}

export interface Background {
  /** Re-reads the core's status: tray menu, keep-awake, the login item. Coalesces calls made while one runs. */
  refresh(): Promise<void>;
  /** The last window closed: stay in the tray or quit. */
  windowsClosed(): Promise<void>;
  /** Started at login: no window, the tray only (it is there because there is no window). */
  startHidden(): Promise<void>;
  /** Before quitting: true to go on (nothing would be lost, or the user said so). */
  confirmQuit(): Promise<boolean>;
  dispose(): void;
}

export function createBackground(deps: BackgroundDeps): Background {
  let tray: TrayLike | null = null;
  let blockerId: number | null = null;
  let cancelTimer: (() => void) | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let loginItem: boolean | null = null;
  let last: BackgroundStatus | null = null;

  const set = (patch: BackgroundPatch): void => {
    deps.set(patch).then(apply, (e: unknown) => deps.log(`background settings: ${e instanceof Error ? e.message : String(e)}`));
  };

  function apply(s: BackgroundStatus): void {
    last = s;
    // The tray is there whenever closing the window may keep Patchwell running, and whenever it has no window.
    const wantTray = s.mode !== 'never' || !deps.hasWindow();
    if (wantTray && !tray) {
      tray = deps.createTray();
      tray.setToolTip('Patchwell');
      tray.on('click', () => deps.openWindow());
    } else if (!wantTray && tray) {
      tray.destroy();
      tray = null;
    }
    tray?.setContextMenu(deps.buildMenu(trayMenu(s, { open: deps.openWindow, setBackground: set, quit: deps.quit }, deps.formatTime)));

    const { awake, recheckAt } = keepAwakeNow(s, deps.now());
    if (awake && blockerId === null) blockerId = deps.powerSaveBlocker.start('prevent-app-suspension');
    else if (!awake && blockerId !== null) {
      deps.powerSaveBlocker.stop(blockerId);
      blockerId = null;
    }
    cancelTimer?.();
    cancelTimer = recheckAt === null ? null : deps.setTimer(() => void refresh(), Math.max(0, recheckAt - deps.now()));

    if (loginItem !== s.startAtLogin) {
      loginItem = s.startAtLogin;
      deps.setStartAtLogin(s.startAtLogin);
    }
  }

  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          apply(await deps.status());
        } catch (e) {
          deps.log(`background status: ${e instanceof Error ? e.message : String(e)}`);
        }
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    refresh,
    async windowsClosed() {
      await refresh();
      if (!last || !shouldStayInBackground(last)) deps.quit();
    },
    startHidden: refresh,
    async confirmQuit() {
      let s: BackgroundStatus;
      try {
        s = await deps.status();
      } catch {
        return true; // the core is gone: nothing left to protect
      }
      const warning = quitWarning(s, deps.formatTime);
      return warning === null || (await deps.askQuit(warning.message, warning.detail));
    },
    dispose() {
      cancelTimer?.();
      if (blockerId !== null) deps.powerSaveBlocker.stop(blockerId);
      blockerId = null;
      tray?.destroy();
      tray = null;
    },
  };
}
