/**
 * The tray's decisions, pure so they are tested without Electron: whether closing the window keeps Patchwell
 * running, whether the computer must stay awake, what quitting would stop, and the tray menu itself.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { BackgroundMode, BackgroundSettings, BackgroundStatus } from '../../shared/contract';

/** The computer is kept awake this long before a window a deployment waits for (sleep would miss it). */
export const KEEP_AWAKE_LEAD_MS = 60 * 60_000;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Work that needs Patchwell running: active jobs, unfinished deployments, schedules that are not paused. */
export function hasPendingWork(s: BackgroundStatus): boolean {
  return s.jobs.length > 0 || s.deployments.length > 0 || (s.schedules > 0 && !s.schedulesPaused);
}

/** Closing the last window: stay in the tray, or quit. */
export function shouldStayInBackground(s: BackgroundStatus): boolean {
  if (s.mode === 'always') return true;
  if (s.mode === 'never') return false;
  return hasPendingWork(s);
}

/**
 * Keep the computer awake while a deployment changes machines or is about to start (its machines wait for their
 * ring, a busy machine or an open window), and from an hour before a window one waits for. `recheckAt` is when
 * the answer changes by the clock alone (the next "hour before"); events change it otherwise.
 */
export function keepAwakeNow(s: BackgroundStatus, now: number): { awake: boolean; recheckAt: number | null } {
  let awake = false;
  let recheckAt: number | null = null;
  for (const d of s.deployments) {
    if (d.running > 0) awake = true;
    else if (d.waiting > 0 && d.nextWindowAt === null) awake = true;
    else if (d.nextWindowAt !== null) {
      const from = d.nextWindowAt - KEEP_AWAKE_LEAD_MS;
      if (from <= now) awake = true;
      else recheckAt = Math.min(recheckAt ?? from, from);
    }
  }
  return { awake, recheckAt };
}

/** What quitting now would stop, in the user's words; null when nothing would. */
export function quitWarning(s: BackgroundStatus, formatTime: (ms: number) => string): { message: string; detail: string } | null {
  const lines: string[] = [];
  for (const d of s.deployments) {
    if (d.running > 0) {
      lines.push(`"${d.title}" is updating ${plural(d.running, 'machine')} now: that work stops and is marked interrupted (Resume or Repair it after the next start).`);
    }
    if (d.waiting > 0) {
      const when = d.nextWindowAt === null ? 'their turn' : `the window at ${formatTime(d.nextWindowAt)}`;
      lines.push(`"${d.title}": ${plural(d.waiting, 'machine')} waiting for ${when} will not be updated unless Patchwell is running then.`);
    }
  }
  // Deployments and rollbacks are described above, by what they do to machines.
  for (const j of s.jobs) {
    if (j.kind !== 'deploy' && j.kind !== 'rollback') lines.push(`"${j.title}" (${j.state}) stops and is marked interrupted.`);
  }
  if (s.schedules > 0 && !s.schedulesPaused) lines.push(`${plural(s.schedules, 'schedule')} will not run while Patchwell is closed.`);
  if (lines.length === 0) return null;
  return { message: 'Quit Patchwell? Some work will not happen.', detail: lines.join('\n') };
}

export interface TrayActions {
  open(): void;
  setBackground(patch: Partial<BackgroundSettings> & { schedulesPaused?: boolean }): void;
  quit(): void;
}

const MODE_LABELS: Record<BackgroundMode, string> = {
  always: 'Always',
  scheduled: 'While work is scheduled or waiting',
  never: 'Never (quit)',
};

/** The tray's context menu: open, the work in hand, pause all schedules, the background settings, quit. */
export function trayMenu(s: BackgroundStatus, actions: TrayActions, formatTime: (ms: number) => string): MenuItemConstructorOptions[] {
  const work: MenuItemConstructorOptions[] = [];
  const deploymentJobs = new Set(['deploy', 'rollback']);
  for (const d of s.deployments) {
    const parts = [d.running > 0 ? `${plural(d.running, 'machine')} updating` : '', d.waiting > 0 ? `${d.waiting} waiting${d.nextWindowAt === null ? '' : ` for ${formatTime(d.nextWindowAt)}`}` : ''];
    work.push({ label: `${d.title}: ${parts.filter(Boolean).join(', ')}`, click: actions.open });
  }
  for (const j of s.jobs) if (!deploymentJobs.has(j.kind)) work.push({ label: `${j.title} (${j.state})`, click: actions.open });
  if (work.length === 0) work.push({ label: 'Nothing running or waiting', enabled: false });
  return [
    { label: 'Open Patchwell', click: actions.open },
    { type: 'separator' },
    ...work,
    { type: 'separator' },
    {
      label: s.schedules > 0 ? `Pause all schedules (${s.schedules})` : 'Pause all schedules',
      type: 'checkbox',
      checked: s.schedulesPaused,
      click: () => actions.setBackground({ schedulesPaused: !s.schedulesPaused }),
    },
    {
      label: 'When the window closes, keep running',
      submenu: (Object.keys(MODE_LABELS) as BackgroundMode[]).map((mode) => ({
        label: MODE_LABELS[mode],
        type: 'radio' as const,
        checked: s.mode === mode,
        click: () => actions.setBackground({ mode }),
      })),
    },
    { label: 'Start at login (in the tray)', type: 'checkbox', checked: s.startAtLogin, click: () => actions.setBackground({ startAtLogin: !s.startAtLogin }) },
    { type: 'separator' },
    { label: 'Quit Patchwell', click: actions.quit },
  ];
}

/** A freedesktop autostart entry (Linux has no login-item API in Electron): starts hidden, in the tray. */
export function autostartEntry(exec: string): string {
  // Desktop-entry Exec rules: inside double quotes ", `, $ and \ take a backslash; then the file's string escaping
  // doubles every backslash; % starts a field code, so it is doubled too.
  const quoted = `"${exec.replace(/(["`$\\])/g, '\\$1')}"`.replace(/\\/g, '\\\\').replace(/%/g, '%%');
  return ['[Desktop Entry]', 'Type=Application', 'Name=Patchwell', 'Comment=Patch management, in the tray', `Exec=${quoted} --hidden`, 'X-GNOME-Autostart-enabled=true', 'NoDisplay=true', ''].join('\n');
}
