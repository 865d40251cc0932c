import { useEffect } from 'react';
import type { Host } from '../../../shared/contract';
import { ago } from '../format';
import { useMachinesStore } from '../stores/machines-store';

function uptime(seconds: number | null): string {
  if (seconds === null) return '—';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  return d > 0 ? `${d} d ${h} h` : `${h} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** "2 findings": open updates that are KEV-listed, high or critical risk, or from a security source (README, Patches). */
export function findingsText(n: number): string {
  return `${n} finding${n === 1 ? '' : 's'}`;
}

/**
 * What the last assessment found on one machine: facts, reboot state, health, and each pending update. `findings`
 * comes from the machine's risk (the core's one definition); unknown until that has loaded.
 */
export function HostUpdates({ host, findings }: { host: Host; findings?: number | undefined }) {
  const found = useMachinesStore((s) => (s.assessment?.hostId === host.id ? s.assessment : null));
  const loadAssessment = useMachinesStore((s) => s.loadAssessment);
  // Read again whenever the machine is reassessed or edited.
  useEffect(() => {
    void loadAssessment(host.id);
  }, [loadAssessment, host.id, host.lastAssessedAt, host.updatedAt]);
  const updates = found?.updates ?? null;
  const history = found?.history ?? [];
  const error = found?.error ?? null;

  if (error) return <div className="field-error">{error}</div>;
  const last = history[0];
  if (host.lastAssessedAt === null) {
    return (
      <p className="hint">
        Not assessed yet. Select it and press “Assess” to read its installed packages and missing updates over SSH.
      </p>
    );
  }
  return (
    <section aria-label="Assessment" className="assessment">
      <dl>
        <dt>Last assessed</dt>
        <dd>{ago(host.lastAssessedAt)}</dd>
        <dt>Uptime</dt>
        <dd>{uptime(host.uptimeSeconds)}</dd>
        <dt>Reboot</dt>
        <dd>
          {host.rebootRequired ? <span className="badge state-failed">Reboot required</span> : 'Not required'}
          {host.rebootReasons.length > 0 && <div className="hint">{host.rebootReasons.join('; ')}</div>}
        </dd>
        <dt>Package manager</dt>
        <dd>
          {host.health === null ? '—' : host.health.ok ? 'Healthy' : <span className="badge state-failed">Unhealthy</span>}
          {host.health && !host.health.ok && <div className="hint">{host.health.problems.join('; ')}</div>}
        </dd>
        {last && (
          <>
            <dt>Since the previous assessment</dt>
            <dd>
              {last.newCount} new, {last.fixedCount} fixed
            </dd>
          </>
        )}
      </dl>
      {last && last.warnings.length > 0 && (
        <div className="banner warn" role="status">
          {last.warnings.map((w) => (
            <div key={w}>{w}</div>
          ))}
        </div>
      )}
      <h3>
        {updates?.length ?? 0} pending update{updates?.length === 1 ? '' : 's'}{findings === undefined ? '' : ` (${findingsText(findings)})`}
      </h3>
      {updates && updates.length > 0 && (
        <table className="compact" aria-label="Pending updates">
          <thead>
            <tr>
              <th>Package</th>
              <th>Installed</th>
              <th>Update</th>
              <th>From</th>
              <th>Urgency</th>
              <th>CVEs</th>
            </tr>
          </thead>
          <tbody>
            {updates.map((u) => (
              <tr key={u.id}>
                <td>
                  {u.package} {u.isSecurity && <span className="badge state-failed">security</span>} {u.held && <span className="badge">held</span>}
                </td>
                <td>{u.installedVersion ?? 'new'}</td>
                <td>{u.candidateVersion}</td>
                <td>{u.source}</td>
                <td>{u.urgency ?? '—'}</td>
                <td>{u.cves.length ? u.cves.join(', ') : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
