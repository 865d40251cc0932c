import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { hostLabel } from '../../../shared/host-label';
import type { HostDeploySettings, SnapshotProvider, SnapshotRetention, WindowRule } from '../../../shared/contract';
import { ago } from '../format';
import { useDeployStore } from '../stores/deploy-store';
import { useMachinesStore } from '../stores/machines-store';
import { useUiStore } from '../stores/ui-store';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Per machine: ring, cluster, snapshot provider, reboots, health check. Saved as soon as a field changes. */
function MachineSettings() {
  const settings = useDeployStore((s) => s.settings);
  const hosts = useMachinesStore((s) => s.hosts);
  const toast = useUiStore((s) => s.toast);
  const save = (id: number, patch: Partial<Omit<HostDeploySettings, 'hostId'>>): void => {
    void useDeployStore.getState().saveSettings([id], patch).catch((e: unknown) => toast('error', message(e)));
  };
  if (hosts.length === 0) return <p className="hint">Add machines first.</p>;
  return (
    <table className="grid" aria-label="Deployment settings per machine">
      <thead>
        <tr>
          <th>Machine</th>
          <th>Ring</th>
          <th>Cluster</th>
          <th>Snapshot</th>
          <th>Reboot</th>
          <th>Health check (command on the machine, or http(s) URL)</th>
        </tr>
      </thead>
      <tbody>
        {hosts.map((h) => {
          const s = settings.find((x) => x.hostId === h.id);
          if (!s) return null;
          const label = hostLabel(h);
          const check = s.healthCheck ? (s.healthCheck.kind === 'command' ? s.healthCheck.command : s.healthCheck.url) : '';
          return (
            <tr key={h.id}>
              <td>{label}</td>
              <td>
                <select aria-label={`Ring of ${label}`} value={s.ring} onChange={(e) => save(h.id, { ring: Number(e.target.value) })}>
                  <option value={0}>Canary</option>
                  {[1, 2, 3].map((r) => (
                    <option key={r} value={r}>
                      Ring {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input aria-label={`Cluster of ${label}`} defaultValue={s.cluster ?? ''} maxLength={60} onBlur={(e) => e.target.value !== (s.cluster ?? '') && save(h.id, { cluster: e.target.value || null })} />
              </td>
              <td>
                <select aria-label={`Snapshot of ${label}`} value={s.snapshotProvider} onChange={(e) => save(h.id, { snapshotProvider: e.target.value as SnapshotProvider })}>
                  <option value="auto">Best available</option>
                  <option value="package">Package versions</option>
                  <option value="btrfs">btrfs (snapper)</option>
                  <option value="zfs">ZFS</option>
                  <option value="lvm">LVM</option>
                </select>
              </td>
              <td>
                <input type="checkbox" aria-label={`Allow reboot of ${label}`} checked={s.allowReboot} onChange={(e) => save(h.id, { allowReboot: e.target.checked })} />
              </td>
              <td>
                <input
                  aria-label={`Health check of ${label}`}
                  defaultValue={check}
                  placeholder="e.g. systemctl is-active nginx"
                  onBlur={(e) => {
                    const v = e.target.value.trim();
                    if (v === check) return;
                    save(h.id, { healthCheck: !v ? null : /^https?:\/\//.test(v) ? { kind: 'http', url: v } : { kind: 'command', command: v } });
                  }}
                />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Weekly windows per group (tag), read in each machine's zone. */
function Windows() {
  const windows = useDeployStore((s) => s.windows);
  const hosts = useMachinesStore((s) => s.hosts);
  const toast = useUiStore((s) => s.toast);
  const tags = [...new Set(['', ...hosts.flatMap((h) => h.tags), ...windows.map((w) => w.tag)])];
  const [tag, setTag] = useState('');
  const [rule, setRule] = useState<WindowRule>({ days: [2], start: '02:00', minutes: 180 });
  const current = windows.find((w) => w.tag === tag);
  const save = (rules: WindowRule[]): void => {
    void useDeployStore.getState().saveWindows(tag, rules).catch((e: unknown) => toast('error', message(e)));
  };
  return (
    <div className="windows">
      <ul>
        {windows.length === 0 && <li className="hint">No maintenance windows: deployments start as soon as their ring does.</li>}
        {windows.map((w) => (
          <li key={w.tag}>
            <strong>{w.tag || 'Every machine'}</strong>: {w.description}
          </li>
        ))}
      </ul>
      <div className="filters">
        <label className="inline">
          Group{' '}
          <select aria-label="Window group" value={tag} onChange={(e) => setTag(e.target.value)}>
            {tags.map((t) => (
              <option key={t} value={t}>
                {t || 'Every machine (default)'}
              </option>
            ))}
          </select>
        </label>
        {DAYS.map((d, i) => (
          <label key={d} className="inline">
            <input
              type="checkbox"
              checked={rule.days.includes(i)}
              onChange={(e) => setRule({ ...rule, days: e.target.checked ? [...rule.days, i] : rule.days.filter((x) => x !== i) })}
            />
            {d}
          </label>
        ))}
        <input aria-label="Window start" type="time" value={rule.start} onChange={(e) => setRule({ ...rule, start: e.target.value })} />
        <label className="inline">
          for{' '}
          <input aria-label="Window hours" type="number" min={1} max={24} value={rule.minutes / 60} onChange={(e) => setRule({ ...rule, minutes: Math.round(Math.max(0.25, Math.min(24, Number(e.target.value) || 1)) * 60) })} /> h
        </label>
        <button type="button" className="small" disabled={rule.days.length === 0} onClick={() => save([...(current?.rules ?? []), rule])}>
          Add window
        </button>
        {current && (
          <button type="button" className="small" onClick={() => save([])}>
            Clear {tag || 'default'} windows
          </button>
        )}
      </div>
    </div>
  );
}

function RetentionForm({ initial }: { initial: SnapshotRetention }) {
  const toast = useUiStore((s) => s.toast);
  const [keep, setKeep] = useState(initial.keepPerHost);
  const [age, setAge] = useState(initial.maxAgeDays);
  return (
    <div className="filters">
      <label className="inline">
        Keep the newest <input aria-label="Snapshots kept per machine" type="number" min={1} max={100} value={keep} onChange={(e) => setKeep(Number(e.target.value) || 1)} /> per machine
      </label>
      <label className="inline">
        and none older than <input aria-label="Snapshot age limit" type="number" min={0} max={3650} value={age} onChange={(e) => setAge(Number(e.target.value) || 0)} /> days
      </label>
      <button
        type="button"
        className="small"
        onClick={() =>
          void useDeployStore
            .getState()
            .prune({ keepPerHost: keep, maxAgeDays: age })
            .then((n) => toast('info', n ? `Deleting ${n} snapshot${n === 1 ? '' : 's'}` : 'Nothing to prune'))
            .catch((e: unknown) => toast('error', message(e)))
        }
      >
        Save and prune
      </button>
    </div>
  );
}

function Snapshots() {
  const { snapshots, retention } = useDeployStore(useShallow((s) => ({ snapshots: s.snapshots, retention: s.retention })));
  return (
    <div>
      {retention && <RetentionForm key={`${retention.keepPerHost}/${retention.maxAgeDays}`} initial={retention} />}
      {snapshots.length === 0 ? (
        <p className="hint">No snapshots yet: one is taken on each machine before every deployment.</p>
      ) : (
        <table className="grid" aria-label="Snapshots">
          <thead>
            <tr>
              <th>Machine</th>
              <th>Kind</th>
              <th>Deployment</th>
              <th>Age</th>
              <th>Size</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {snapshots.map((s) => (
              <tr key={s.id}>
                <td>{s.hostLabel}</td>
                <td>
                  {s.provider}
                  {s.provider !== 'package' ? ` ${s.ref}` : ''} ({s.packageCount} packages)
                  {s.unavailable.length > 0 && <div className="failure">Cannot restore offline: {s.unavailable.join(', ')}</div>}
                </td>
                <td>{s.deploymentId ?? '—'}</td>
                <td>{ago(s.createdAt)}</td>
                <td>{s.sizeBytes === null ? 'unknown' : `${Math.round(s.sizeBytes / 1024 / 1024)} MB`}</td>
                <td>{s.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function DeploySetup() {
  useEffect(() => {
    void useDeployStore.getState().loadSetup().catch(() => undefined);
  }, []);
  return (
    <>
      <details className="section">
        <summary>Machines: rings, clusters, snapshots, reboots, health checks</summary>
        <MachineSettings />
      </details>
      <details className="section">
        <summary>Maintenance windows</summary>
        <Windows />
      </details>
      <details className="section">
        <summary>Snapshots and retention</summary>
        <Snapshots />
      </details>
    </>
  );
}
