import { useEffect } from 'react';
import type { BackgroundMode, BackgroundSettings } from '../../../shared/contract';
import { useBackgroundStore } from '../stores/background-store';
import { useUiStore } from '../stores/ui-store';

const MODES: readonly [BackgroundMode, string][] = [
  ['scheduled', 'Keep running in the tray while work is scheduled or waiting'],
  ['always', 'Always keep running in the tray'],
  ['never', 'Quit'],
];

/** Desktop only: what closing the window does, and starting at login. The tray menu sets the same. */
export function BackgroundSection() {
  const toast = useUiStore((s) => s.toast);
  const settings = useBackgroundStore((s) => s.settings);
  const { load, update } = useBackgroundStore.getState();
  useEffect(() => {
    load().catch((e: unknown) => toast('error', String(e)));
  }, [load, toast]);
  if (!settings) return null;
  const change = (patch: Partial<BackgroundSettings>): void => {
    update(patch).catch((e: unknown) => toast('error', String(e)));
  };
  return (
    <section aria-label="Background" className="form">
      <h2>Background</h2>
      <div className="field">
        <label htmlFor="background-mode">When the window closes</label>
        <select id="background-mode" value={settings.mode} onChange={(e) => change({ mode: e.target.value as BackgroundMode })}>
          {MODES.map(([mode, label]) => (
            <option key={mode} value={mode}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <label className="inline">
        <input type="checkbox" checked={settings.startAtLogin} onChange={(e) => change({ startAtLogin: e.target.checked })} />
        Start at login, in the tray (the installed app)
      </label>
      <p className="hint">
        While a deployment runs, and from an hour before the window one waits for, the computer is kept from sleeping. For a box
        that is always on, run the host as a service instead: <code>patchwell service install</code>.
      </p>
    </section>
  );
}
