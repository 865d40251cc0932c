import { useShallow } from 'zustand/react/shallow';
import { DeployPlan } from '../components/deploy-plan';
import { DeploySetup } from '../components/deploy-setup';
import { DeploymentDetail } from '../components/deployment-detail';
import { ago } from '../format';
import { countsText, useDeployStore } from '../stores/deploy-store';
import { useLive } from '../stores/use-live';

/** Approved updates become a plan; deployments run canary first with a snapshot per machine, and undo in one click. */
export function DeploymentsPage() {
  const s = useDeployStore(useShallow((st) => ({ list: st.list, detail: st.detail, log: st.log, openId: st.openId, error: st.error, loaded: st.loaded })));
  const actions = useDeployStore.getState();

  // Live: a changed deployment refetches the list and the open one, at most a few times a second.
  useLive('deploy');

  const attention = s.list.filter((d) => d.state === 'interrupted' || (d.counts['rollback-failed'] ?? 0) > 0);
  return (
    <div className="page">
      <header className="page-head">
        <h1>Deployments</h1>
      </header>
      {s.error && (
        <div className="banner error" role="alert">
          {s.error}
        </div>
      )}
      {attention.map((d) => (
        <div key={d.id} className="banner error" role="alert">
          Deployment {d.id} needs you: {d.state === 'interrupted' ? 'it was interrupted — open it to resume or repair' : 'a rollback failed — open it to see the machine'}.{' '}
          <button type="button" className="small" onClick={() => void actions.open(d.id)}>
            Open
          </button>
        </div>
      ))}
      <DeployPlan />
      <section className="section" aria-label="Deployments">
        <h2>History</h2>
        {s.loaded && s.list.length === 0 ? (
          <p className="hint">No deployments yet.</p>
        ) : (
          <div className="split">
            <table className="grid" aria-label="Deployment history">
              <thead>
                <tr>
                  <th>#</th>
                  <th>What</th>
                  <th>State</th>
                  <th>Machines</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {s.list.map((d) => (
                  <tr key={d.id} className={d.id === s.openId ? 'selected' : undefined}>
                    <td>{d.id}</td>
                    <td>
                      <button type="button" className="link" onClick={() => void actions.open(d.id === s.openId ? null : d.id)}>
                        {d.title}
                      </button>
                    </td>
                    <td>
                      <span className={`badge state-${d.state === 'halted' ? 'partial' : d.state}`}>{d.state}</span>
                    </td>
                    <td>{countsText(d.counts)}</td>
                    <td>{ago(d.startedAt ?? d.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {s.detail && <DeploymentDetail detail={s.detail} log={s.log} />}
          </div>
        )}
      </section>
      <DeploySetup />
    </div>
  );
}
