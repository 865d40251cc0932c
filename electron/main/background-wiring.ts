/** Hands the real Electron objects to the background controller (background.ts holds the logic). */
import { app, BrowserWindow, dialog, Menu, nativeImage, powerSaveBlocker, Tray } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import type { BackgroundStatus } from '../../shared/contract';
import { autostartEntry } from './background-policy';
import { createBackground, type Background, type BackgroundPatch } from './background';
import type { CoreProcess } from './core-process';

/** Core events after which the tray's view of the work may have changed. */
export const BACKGROUND_EVENTS = new Set(['job/updated', 'deploy/changed', 'deploy/finished', 'background/changed']);

async function callCore<T>(core: CoreProcess, name: string, arg: unknown): Promise<T> {
  const r = await core.call(name, arg);
  if (!r.ok) throw new Error(r.error.message);
  return r.value as T;
}

function setStartAtLogin(on: boolean): void {
  // An unpackaged (development) Electron would start without the app: there is nothing useful to register.
  if (!app.isPackaged) return;
  if (process.platform === 'linux') {
    // Electron has no login items on Linux; the freedesktop autostart folder is what desktops read.
    const file = path.join(app.getPath('appData'), 'autostart', 'patchwell.desktop');
    if (on) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // An AppImage runs from a temporary mount: start the image itself.
      fs.writeFileSync(file, autostartEntry(process.env.APPIMAGE ?? process.execPath));
    } else fs.rmSync(file, { force: true });
  } else app.setLoginItemSettings({ openAtLogin: on, args: ['--hidden'] }); // args: Windows; macOS reports wasOpenedAtLogin
}

export function startedHidden(): boolean {
  return process.argv.includes('--hidden') || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
}

export function wireBackground(core: CoreProcess, openWindow: () => void): Background {
  const icon = nativeImage.createFromPath(path.join(__dirname, '../../resources/tray/tray-32.png'));
  const timeFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  return createBackground({
    status: () => callCore<BackgroundStatus>(core, 'background/status', undefined),
    set: (patch: BackgroundPatch) => callCore<BackgroundStatus>(core, 'background/set', patch),
    createTray: () => new Tray(process.platform === 'darwin' ? nativeImage.createFromPath(path.join(__dirname, '../../resources/tray/tray-16.png')) : icon),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    powerSaveBlocker,
    openWindow,
    hasWindow: () => BrowserWindow.getAllWindows().length > 0,
    quit: () => app.quit(),
    askQuit: async (message, detail) => {
      const { response } = await dialog.showMessageBox({
        type: 'warning', title: 'Patchwell', message, detail, buttons: ['Keep running', 'Quit anyway'], defaultId: 0, cancelId: 0,
      });
      return response === 1;
    },
    setStartAtLogin,
    now: () => Date.now(),
    setTimer: (fn, ms) => {
      // setTimeout's limit is about 24.8 days; a window further out is re-checked on the way.
      const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
      return () => clearTimeout(t);
    },
    formatTime: (ms) => timeFormat.format(ms),
    log: (m) => console.error(`patchwell: ${m}`),
  });
}
