import { useState } from 'react';
import type { DeploymentDetail as Detail, JobLogLine } from '../../../shared/contract';
import { ago } from '../format';
import { countsText, useDeployStore } from '../stores/deploy-store';
import { useUiStore } from '../stores/ui-store';
import { Dialog } from './dialog';

const STEP_LABEL: Record<string, string> = {
  preflight: 'preflight checks', snapshot: 'taking snapshot', install: 'installing', verify: 'verifying', reboot: 'rebooting',
  rollback: 'rolling back', repair: 'repairing', done: 'done',
};
const STATE_LABEL: Record<string, string> = {
  pending: 'pending', waiting: 'waiting for its window', running: 'running', succeeded: 'updated', failed: 'failed, nothing changed',
  'rolled-back': 'rolled back', 'rollback-failed': 'rollback failed — needs attention', skipped: 'not started', cancelled: 'cancelled', interrupted: 'interrupted',
};
const badgeClass = (state: string): string =>
  `badge state-${state === 'rolled-back' || state === 'halted' ? 'partial' : state === 'rollback-failed' ? 'failed' : state === 'waiting' ? 'running' : state}`;

/** One deployment: each machine's state and step, its snapshot, its exact versions, the live log, and the undo buttons. */
export function DeploymentDetail({ detail, log }: { detail: Detail; log: JobLogLine[] }) {
  const actions = useDeployStore.getState();
  const toast = useUiStore((s) => s.toast);
  const [confirm, setConfirm] = useState<{ hostIds?: number[]; label: string } | null>(null);
  const running = detail.state === 'running' || detail.state === 'scheduled';
  const canRollBack = !running && !detail.rollbackOf && detail.targets.some((t) => t.snapshot && t.state !== 'rolled-back');

  const act = async (fn: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await fn();
      toast('info', done);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section className="detail deployment" aria-label={`Deployment ${detail.id}`}>
      <header>
        <h2>
          #{detail.id} {detail.title}
        </h2>
        <span className={badgeClass(detail.state)}>{detail.state}</span>
      </header>
      <p>
        {countsText(detail.counts)}. Started {ago(detail.startedAt ?? detail.createdAt)}
        {detail.finishedAt ? `, finished ${ago(detail.finishedAt)}` : ''}.
        {detail.rollbackOf ? ` Rolls back deployment ${detail.rollbackOf}.` : ''}
      </p>
      {detail.haltedReason && (
        <div className={detail.state === 'interrupted' ? 'banner error' : 'banner'} role="status">
          {detail.haltedReason}
        </div>
      )}
      <div className="toolbar">
        {running && (
          <button type="button" onClick={() => void act(() => actions.cancel(detail.id), 'No new machines will start; those in flight finish their step')}>
            Stop starting machines
          </button>
        )}
        {(detail.state === 'interrupted' || detail.state === 'halted' || detail.state === 'cancelled' ||
          ((detail.state === 'failed' || detail.state === 'partial') && !detail.rollbackOf && detail.targets.some((t) => t.state === 'failed' && !t.snapshot))) && (
          <>
            <button type="button" className="primary" onClick={() => void act(() => actions.resume(detail.id, 'resume'), 'Resuming: machines caught mid-change are repaired first')}>
              Resume
            </button>
            {detail.state === 'interrupted' && (
              <button type="button" onClick={() => void act(() => actions.resume(detail.id, 'repair'), 'Repairing the machines caught mid-change')}>
                Repair only
              </button>
            )}
          </>
        )}
        {canRollBack && (
          <button type="button" className="danger" onClick={() => setConfirm({ label: 'every machine of this deployment' })}>
            Roll back deployment
          </button>
        )}
      </div>
      <table className="grid" aria-label="Machines in this deployment">
        <thead>
          <tr>
            <th>Ring</th>
            <th>Machine</th>
            <th>State</th>
            <th>Versions</th>
            <th>Snapshot</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {detail.targets.map((t) => (
            <tr key={t.hostId} data-host={t.label}>
              <td>{t.ring === 0 ? 'Canary' : t.ring}</td>
              <td>{t.label}</td>
              <td>
                <span className={badgeClass(t.state)}>{STATE_LABEL[t.state] ?? t.state}</span>
                {t.state === 'running' && t.step && <div className="hint">{STEP_LABEL[t.step] ?? t.step}</div>}
                {t.state === 'interrupted' && t.step && <div className="hint">stopped while {STEP_LABEL[t.step] ?? t.step}</div>}
                {t.note && (t.state === 'waiting' || t.state === 'pending') && <div className="hint">{t.note}</div>}
                {t.failure && <div className="failure">{t.failure.message}</div>}
              </td>
              <td>
                {t.items.map((i) => (
                  <div key={`${i.package}:${i.arch}`}>
                    {i.package} {i.fromVersion ?? '(new)'} → {i.toVersion}
                    {i.resultVersion && i.resultVersion !== i.toVersion && <span className="hint"> (now {i.resultVersion})</span>}
                  </div>
                ))}
              </td>
              <td>{t.snapshot ? `${t.snapshot.provider}${t.snapshot.provider === 'btrfs' ? ` #${t.snapshot.ref}` : ''}, ${t.snapshot.packageCount} packages` : '—'}</td>
              <td>
                {!running && !detail.rollbackOf && t.snapshot && t.state !== 'rolled-back' && (
                  <button type="button" className="small" onClick={() => setConfirm({ hostIds: [t.hostId], label: t.label })}>
                    Roll back
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <details className="log" open>
        <summary>Log ({log.length} lines)</summary>
        <ol className="log-lines" aria-label="Deployment log">
          {log.map((l) => (
            <li key={l.id} className={`log-${l.level}`}>
              <time>{new Date(l.ts).toLocaleTimeString()}</time> {l.target ? `${l.target}: ` : ''}
              {l.message}
            </li>
          ))}
        </ol>
      </details>
      <Dialog title="Roll back?" open={confirm !== null} onClose={() => setConfirm(null)}>
        <p>
          Roll back {confirm?.label} to the snapshot taken before the change. Every package goes back to its exact previous version (and, on btrfs,
          every file the update changed). The rolled-back updates are no longer approved.
        </p>
        <div className="toolbar">
          <button type="button" onClick={() => setConfirm(null)}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              const c = confirm;
              setConfirm(null);
              void act(() => actions.rollback(detail.id, c?.hostIds), 'Rollback started');
            }}
          >
            Roll back
          </button>
        </div>
      </Dialog>
    </section>
  );
}
