import { useEffect } from 'react';
import type { OfficeCacheSettings } from '../../../shared/contract';
import { formatBytes } from '../format';
import { useOfficeCacheStore } from '../stores/office-cache-store';
import { useSettingsStore } from '../stores/settings-store';
import { useUiStore } from '../stores/ui-store';

const GIB = 1024 ** 3;
const LIMITS = [1, 2, 5, 10, 20, 50, 100, 200].map((g) => g * GIB);

/** The office cache: what it holds, offline mode, emptying it, and its size bound. */
export function OfficeCacheSection() {
  const toast = useUiStore((s) => s.toast);
  const settings = useSettingsStore((s) => s.settings?.officeCache ?? null);
  const stats = useOfficeCacheStore((s) => s.stats);
  const { load, clear } = useOfficeCacheStore.getState();
  useEffect(() => {
    load().catch((e: unknown) => toast('error', String(e)));
  }, [load, toast]);
  if (!settings) return null;
  const change = (patch: Partial<OfficeCacheSettings>): void => {
    useSettingsStore
      .getState()
      .update({ officeCache: { ...settings, ...patch } })
      .then(() => load())
      .catch((e: unknown) => toast('error', String(e)));
  };
  const empty = (): void => {
    clear()
      .then(() => toast('info', 'The office cache is empty'))
      .catch((e: unknown) => toast('error', String(e)));
  };
  const limits = LIMITS.includes(settings.maxBytes) ? LIMITS : [...LIMITS, settings.maxBytes].sort((a, b) => a - b);
  return (
    <section aria-label="Office cache" className="form">
      <h2>Office cache</h2>
      <p className="hint">
        Machines download packages and package lists through Patchwell during a job (through the SSH connection; nothing is
        installed or configured on them), so each file comes from the internet once for the whole office. Package managers
        still check every signature.
      </p>
      <label className="inline">
        <input type="checkbox" checked={settings.enabled} onChange={(e) => change({ enabled: e.target.checked })} />
        Lend the office cache to machines during jobs
      </label>
      <label className="inline">
        <input type="checkbox" checked={settings.offline} disabled={!settings.enabled} onChange={(e) => change({ offline: e.target.checked })} />
        Offline mode
      </label>
      <p className="hint">
        In offline mode Patchwell fetches nothing from the internet: machines get only the packages and lists the cache already
        holds, and anything else fails with a clear message. Use it for machines without internet access, after the same
        updates went to a machine that has it.
      </p>
      <div className="field">
        <label htmlFor="office-cache-limit">Size limit</label>
        <select id="office-cache-limit" value={settings.maxBytes} onChange={(e) => change({ maxBytes: Number(e.target.value) })}>
          {limits.map((n) => (
            <option key={n} value={n}>
              {formatBytes(n)}
            </option>
          ))}
        </select>
      </div>
      {stats && (
        <dl aria-label="Office cache state">
          <dt>Used</dt>
          <dd>
            {stats.enabled ? `${formatBytes(stats.bytes)} of ${formatBytes(stats.maxBytes)}, ${stats.files} ${stats.files === 1 ? 'file' : 'files'}` : 'Not running'}
          </dd>
          <dt>Since Patchwell started</dt>
          <dd>
            {stats.hits} served from the cache, {stats.misses} fetched; {formatBytes(stats.bytesFromUpstream)} from the internet,{' '}
            {formatBytes(stats.bytesServed)} given to machines
          </dd>
          <dt>Folder</dt>
          <dd>
            <code>{stats.dir}</code>
          </dd>
        </dl>
      )}
      <div className="actions">
        <button type="button" onClick={empty}>
          Empty cache
        </button>
      </div>
    </section>
  );
}
