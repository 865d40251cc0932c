import type { AssessmentView, Host, MachineDeployment, MachineDetail } from '../../../shared/contract';
import { ago, REACHABILITY_LABEL } from '../format';
import { useDetailStore } from '../stores/detail-store';
import { hostsSelectors, useMachinesStore } from '../stores/machines-store';
import { useReturnFocus } from './detail-focus';
import { DetailFrame } from './detail-frame';
import { Dialog } from './dialog';
import { approvalText, UpdateDetailDialog } from './update-detail';

const when = (ms: number | null): string => (ms === null ? '—' : new Date(ms).toLocaleString());

type HistoryEntry = { at: number; kind: 'deployment'; d: MachineDeployment } | { at: number; kind: 'assessment'; a: AssessmentView };

/** Deployments, rollbacks and assessments on one line of time, newest first. */
export function historyOf(m: MachineDetail): HistoryEntry[] {
  const out: HistoryEntry[] = [
    ...m.deployments.map((d) => ({ at: d.startedAt ?? d.createdAt, kind: 'deployment' as const, d })),
    ...m.assessments.map((a) => ({ at: a.startedAt, kind: 'assessment' as const, a })),
  ];
  return out.sort((x, y) => y.at - x.at);
}

function Health({ host }: { host: Host }) {
  return (
    <section aria-label="Health">
      <h3>Health</h3>
      <dl>
        <dt>State</dt>
        <dd>
          {REACHABILITY_LABEL[host.reachability]} (last seen {ago(host.lastSeen)})
        </dd>
        <dt>Package manager</dt>
        <dd>
          {host.health === null ? 'not checked yet' : host.health.ok ? 'healthy' : `unhealthy: ${host.health.problems.join('; ')}`}
        </dd>
        <dt>Reboot</dt>
        <dd>{host.rebootRequired ? `required${host.rebootReasons.length ? ` (${host.rebootReasons.join('; ')})` : ''}` : 'not required'}</dd>
        <dt>Host key</dt>
        <dd>{host.pendingHostKey ? 'changed: Patchwell refuses to connect until you decide (Machines → details)' : host.sshHostKey ? 'pinned' : 'not pinned yet'}</dd>
        <dt>Last assessed</dt>
        <dd>{host.lastAssessedAt === null ? 'never' : ago(host.lastAssessedAt)}</dd>
        {host.lastError && (
          <>
            <dt>Last problem</dt>
            <dd>
              {host.lastError.message}
              {host.lastError.command && (
                <div>
                  <code>{host.lastError.command}</code> {host.lastError.exitCode !== null ? `(exit ${host.lastError.exitCode})` : ''}
                </div>
              )}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function HistoryItem({ e }: { e: HistoryEntry }) {
  if (e.kind === 'assessment') {
    const a = e.a;
    return (
      <li>
        <strong>Assessment</strong> {when(a.startedAt)}: {a.state === 'succeeded' ? `${a.pendingCount} pending (${a.newCount} new, ${a.fixedCount} fixed)` : `failed${a.error ? `: ${a.error.message}` : ''}`}
        {a.warnings.length > 0 && <div className="hint">{a.warnings.join('; ')}</div>}
      </li>
    );
  }
  const d = e.d;
  return (
    <li>
      <strong>{d.rollbackOf !== null ? `Rollback of deployment #${d.rollbackOf}` : `Deployment #${d.deploymentId}`}</strong>
      {d.title ? ` “${d.title}”` : ''} {when(d.startedAt ?? d.createdAt)}: {d.state}
      {d.step && d.state !== 'succeeded' ? ` at ${d.step}` : ''}
      {d.failure && <div className="hint">{d.failure.message}</div>}
      {d.items.length > 0 && (
        <ul>
          {d.items.map((i) => (
            <li key={`${i.package}-${i.arch}`}>
              {i.package} {i.fromVersion ?? 'not installed'} → {i.toVersion}: {i.state}
              {i.resultVersion && i.resultVersion !== i.toVersion ? ` (now ${i.resultVersion})` : ''}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function Body({ host, m }: { host: Host; m: MachineDetail }) {
  const openUpdate = useDetailStore((s) => s.openUpdate);
  const history = historyOf(m);
  return (
    <>
      <Health host={host} />
      <section aria-label="Updates">
        <h3>
          {m.updates.length} open update{m.updates.length === 1 ? '' : 's'}
        </h3>
        {m.updates.length > 0 && (
          <div className="detail-scroll">
            <table className="compact" aria-label="Open updates">
              <thead>
                <tr>
                  <th>Update</th>
                  <th>Installed → target</th>
                  <th>Score</th>
                  <th>CVEs</th>
                  <th>Approval</th>
                </tr>
              </thead>
              <tbody>
                {m.updates.map((u) => (
                  <tr key={`${u.key}-${u.arch}`}>
                    <td>
                      <button type="button" className="link" onClick={() => void openUpdate(u.package, u.candidateVersion)}>
                        {u.package}
                      </button>
                      <div className="hint">{u.why}</div>
                    </td>
                    <td>
                      {u.installedVersion ?? 'not installed'} → {u.candidateVersion}
                    </td>
                    <td>
                      {u.score} <span className={`badge band-${u.band}`}>{u.band}</span>
                    </td>
                    <td>
                      {u.kevCves.length > 0 && <span className="badge kev">KEV</span>} {u.cves.length || '—'}
                    </td>
                    <td>{approvalText(u.approval)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-label="History">
        <h3>History</h3>
        {history.length === 0 ? (
          <p className="hint">No assessment or deployment yet.</p>
        ) : (
          <ul className="history">
            {history.map((e) => (
              <HistoryItem key={e.kind === 'assessment' ? `a${e.a.id}` : `d${e.d.deploymentId}`} e={e} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

/** A machine's detail view: health, its open updates (each opening the update's detail) and its history. */
export function MachineDetailDialog() {
  const view = useDetailStore((s) => s.machine);
  const close = useDetailStore((s) => s.closeMachine);
  const host = useMachinesStore((s) => hostsSelectors.byId(s, view?.hostId ?? null));
  useReturnFocus(view !== null);
  const title = host ? hostsSelectors.label(host) : 'Machine';
  // The update's dialog is a sibling, not a child: React passes a nested dialog's "close" up to this one's onClose,
  // so closing the update would close the machine too.
  return (
    <>
      <Dialog title={title} open={view !== null} onClose={close}>
        <DetailFrame onClose={close} error={view?.error} loading={!!view && !view.data && !view.error}>
          {view?.data && host && <Body host={host} m={view.data} />}
        </DetailFrame>
      </Dialog>
      <UpdateDetailDialog />
    </>
  );
}
