import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDeployStore } from '../stores/deploy-store';
import { useUiStore } from '../stores/ui-store';
import { Dialog } from './dialog';
import { EmptyState } from './empty-state';

/** What the approved updates would do, ring by ring, and the buttons that run it. */
export function DeployPlan() {
  const { plan, options, busy } = useDeployStore(useShallow((s) => ({ plan: s.plan, options: s.options, busy: s.busy })));
  const actions = useDeployStore.getState();
  const toast = useUiStore((s) => s.toast);
  const go = useUiStore((s) => s.go);
  const [confirmNow, setConfirmNow] = useState(false);
  const hosts = plan?.rings.flatMap((r) => r.hosts) ?? [];

  const start = async (confirmed: boolean): Promise<void> => {
    setConfirmNow(false);
    try {
      const id = await actions.start(confirmed);
      toast('info', `Deployment ${id} started: ${hosts.length} machine${hosts.length === 1 ? '' : 's'}, canary first`);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };

  const exportAnsible = async (): Promise<void> => {
    try {
      const r = await actions.exportAnsible();
      toast('info', `Exported ${r.machines} machines and ${r.approved} approved versions for Ansible`);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };

  if (plan && hosts.length === 0) {
    return (
      <EmptyState
        title="Nothing approved to deploy"
        action={
          <button type="button" onClick={() => go('patches')}>
            Go to Patches
          </button>
        }
      >
        Approve updates on the Patches page (riskiest first). They are deployed from here with a snapshot before every change.
        {plan.skipped.length > 0 && ` ${plan.skipped.map((s) => `${s.label}: ${s.reason}`).join('; ')}.`}
      </EmptyState>
    );
  }
  if (!plan) return null;
  return (
    <section className="section plan" aria-label="Deployment plan">
      <header className="page-head">
        <h2>
          Ready: {plan.totalItems} approved update{plan.totalItems === 1 ? '' : 's'} on {hosts.length} machine{hosts.length === 1 ? '' : 's'}
        </h2>
        <div className="toolbar">
          <label className="inline">
            At once{' '}
            <input aria-label="Machines at once" type="number" min={1} max={64} value={options.concurrency} onChange={(e) => actions.setOptions({ concurrency: Math.max(1, Math.min(64, Number(e.target.value) || 1)) })} />
          </label>
          <label className="inline">
            Ring gate{' '}
            <select aria-label="Ring gate" value={options.gatePercent} onChange={(e) => actions.setOptions({ gatePercent: Number(e.target.value) })}>
              <option value={100}>every machine must succeed</option>
              <option value={90}>90% must succeed</option>
              <option value={75}>75% must succeed</option>
              <option value={50}>50% must succeed</option>
            </select>
          </label>
          <button type="button" onClick={() => void exportAnsible()} title="An inventory (groups from tags) and a playbook installing exactly these versions">
            Export for Ansible
          </button>
          <button type="button" disabled={busy} onClick={() => void start(false)}>
            Deploy in maintenance windows
          </button>
          <button type="button" className="primary" disabled={busy} onClick={() => setConfirmNow(true)}>
            Deploy now
          </button>
        </div>
      </header>
      {plan.warnings.length > 0 && (
        <ul className="hint warnings">
          {plan.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <table className="grid" aria-label="Plan">
        <thead>
          <tr>
            <th>Ring</th>
            <th>Machine</th>
            <th>Exact versions</th>
            <th>When</th>
            <th>Snapshot</th>
          </tr>
        </thead>
        <tbody>
          {plan.rings.flatMap((r) =>
            r.hosts.map((h) => (
              <tr key={h.hostId}>
                <td>{r.label}</td>
                <td>
                  {h.label}
                  {h.cluster && <span className="badge">cluster {h.cluster}</span>}
                </td>
                <td>
                  {h.items.map((i) => (
                    <div key={`${i.package}:${i.arch}`}>
                      {i.package} {i.fromVersion ?? '(new)'} → <strong>{i.toVersion}</strong>
                    </div>
                  ))}
                </td>
                <td>{h.windowText}</td>
                <td>{h.snapshotProvider === 'auto' ? 'best available' : h.snapshotProvider}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      {plan.skipped.length > 0 && <p className="hint">Not included: {plan.skipped.map((s) => `${s.label} (${s.reason})`).join('; ')}</p>}
      <Dialog title="Deploy now?" open={confirmNow} onClose={() => setConfirmNow(false)}>
        <p>
          This starts at once and ignores the maintenance windows of these {hosts.length} machine{hosts.length === 1 ? '' : 's'}. Each machine gets a
          snapshot first and is rolled back by itself if the install or its checks fail.
        </p>
        <div className="toolbar">
          <button type="button" onClick={() => setConfirmNow(false)}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => void start(true)}>
            Deploy now
          </button>
        </div>
      </Dialog>
    </section>
  );
}
