/**
 * Electron's main process, kept thin: lifecycle, the window, the app:// protocol, security handlers, and
 * the relay to the core, which runs in a utility process.
 */
import { app, BrowserWindow, ipcMain, Menu, net, Notification, protocol } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IPC_CALL, IPC_EVENT, type BridgeResult } from '../../shared/contract/bridge';
import type { NoticeTarget } from '../../shared/contract/notices';
import { contentSecurityPolicy } from '../host/csp';
import { startCoreProcess, type CoreProcess } from './core-process';
import { createOsNotifier } from './os-notifications';
import { BACKGROUND_EVENTS, startedHidden, wireBackground } from './background-wiring';
import type { Background } from './background';
import { cliArgsFrom } from '../cli/cli-mode';
import { runCliInApp } from './cli-in-app';
import { installSecurityHandlers, isTrustedSender } from './security';
import { loadVaultKey } from './vault-key';
import { APP_ORIGIN, appUrlToRelativePath } from './trusted-url';

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true } }]);

// `patchwell …` from the installed app (the launcher passes --cli): the command line, no window, no single-instance lock.
const cliArgs = cliArgsFrom(process.argv);
if (cliArgs) runCliInApp(cliArgs);
else {
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) app.quit();
}

const rendererDir = path.join(__dirname, '../renderer');
let core: CoreProcess | null = null;
let background: Background | null = null;

/** `hash`: what the renderer opens once it has started (a notice clicked while no window was open). */
function createWindow(hash = ''): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    title: 'Patchwell',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html${hash}`);
  return win;
}

/** A clicked OS notification: the window comes forward at the notice's page. */
function openNotice(noticeId: number, target: NoticeTarget): void {
  const win = BrowserWindow.getAllWindows()[0];
  if (!win) {
    // A new window has no listener yet when it loads: it reads the notice from its address, and shows itself when ready.
    createWindow(`#notice=${noticeId}`);
    return;
  }
  win.webContents.send(IPC_EVENT, 'notices/open', { noticeId, target });
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/** From the tray, the dock or a second launch: bring the window back, or make one. */
function openWindow(): void {
  const win = BrowserWindow.getAllWindows()[0];
  if (!win) {
    createWindow();
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

// Windows shows notifications only for an app with a user model id; the installer registers this one.
if (process.platform === 'win32') app.setAppUserModelId('app.patchwell.desktop');

void app.whenReady().then(() => {
  if (cliArgs) return;
  installSecurityHandlers();
  protocol.handle('app', async (request) => {
    const rel = appUrlToRelativePath(request.url);
    if (!rel) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(path.join(rendererDir, rel)).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy());
    return new Response(response.body, { status: response.status, headers });
  });

  const dataDir = process.env.PATCHWELL_HOME ?? app.getPath('userData');
  core = startCoreProcess(dataDir, loadVaultKey(dataDir));
  const notifier = createOsNotifier({ isSupported: () => Notification.isSupported(), create: (o) => new Notification(o), open: openNotice });
  core.onEvent((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT, name, payload);
    notifier.onCoreEvent(name, payload);
    if (BACKGROUND_EVENTS.has(name)) void background?.refresh();
  });
  ipcMain.handle(IPC_CALL, (event, name: unknown, arg: unknown): Promise<BridgeResult> => {
    if (!isTrustedSender(event)) {
      return Promise.resolve({ ok: false, error: { name: 'Forbidden', message: 'Untrusted sender', code: 'bad-request' } });
    }
    if (typeof name !== 'string') {
      return Promise.resolve({ ok: false, error: { name: 'BadRequest', message: 'Call name must be a string', code: 'bad-request' } });
    }
    return core!.call(name, arg);
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
  background = wireBackground(core, openWindow);
  // Started at login: the tray only, until the user opens the window.
  if (startedHidden()) void background.startHidden();
  else {
    createWindow();
    void background.refresh();
  }
  app.on('activate', openWindow);
  app.on('second-instance', openWindow);
});

app.on('window-all-closed', () => {
  // macOS keeps an app without windows in the Dock; elsewhere the background setting decides (background.ts).
  if (process.platform === 'darwin') void background?.refresh();
  else if (background) void background.windowsClosed();
  else app.quit();
});

let quitting = false;
let quitConfirmed = false;
app.on('before-quit', (e) => {
  if (quitting || !core) return;
  e.preventDefault();
  if (!quitConfirmed) {
    // Quitting with a deployment waiting or running asks first, saying what will not happen.
    void (background?.confirmQuit() ?? Promise.resolve(true)).then((go) => {
      if (!go) return;
      quitConfirmed = true;
      app.quit();
    });
    return;
  }
  quitting = true;
  background?.dispose();
  void core.stop().finally(() => app.quit());
});
