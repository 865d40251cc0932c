import { useState } from 'react';
import type { ApprovalState, CveDetail, RiskView, UpdateDetail } from '../../../shared/contract';
import { useDetailStore } from '../stores/detail-store';
import { useReturnFocus } from './detail-focus';
import { DetailFrame } from './detail-frame';
import { Dialog } from './dialog';

const points = (n: number): string => `${n > 0 ? '+' : ''}${n}`;

/** "approved by alice on 21/11/2026", "blocked: kiosk image is frozen", "not approved". */
export function approvalText(a: ApprovalState): string {
  if (a.state === 'blocked') return `blocked: ${a.reason ?? 'by policy'}`;
  if (a.state === 'approved') return `approved${a.by ? ` by ${a.by}` : ''}${a.at !== null ? ` on ${new Date(a.at).toLocaleDateString()}` : ''}`;
  return 'not approved';
}

/** Every factor of a score in words and points, and how they add up to it. */
export function RiskBreakdown({ risk, label }: { risk: RiskView; label: string }) {
  const sum = risk.factors.reduce((n, f) => n + f.points, 0);
  return (
    <section aria-label="Score breakdown">
      <h3>
        Score {risk.score} <span className={`badge band-${risk.band}`}>{risk.band}</span> on {label}
      </h3>
      <table className="compact" aria-label={`Score breakdown on ${label}`}>
        <thead>
          <tr>
            <th>Points</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {risk.factors.map((f) => (
            <tr key={`${f.key}-${f.text}`}>
              <td>{points(f.points)}</td>
              <td>{f.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {Math.round(sum) !== risk.score && (
        <p className="hint">
          The factors add up to {Math.round(sum)}; the score is kept within 0–100, and an update fixing a known-exploited CVE never scores below 70 (85
          with ransomware use).
        </p>
      )}
    </section>
  );
}

function CveRow({ c }: { c: CveDetail }) {
  return (
    <tr>
      <td>
        {c.url ? (
          // target=_blank: the app's window-open handler sends https links to the system browser; in the browser host an ordinary new tab.
          <a href={c.url} target="_blank" rel="noopener noreferrer">
            {c.cveId}
          </a>
        ) : (
          c.cveId
        )}
      </td>
      <td>
        {c.kev ? (
          <>
            <span className="badge kev">KEV{c.kev.ransomware ? ' · ransomware' : ''}</span> added {c.kev.dateAdded}
            {c.kev.dueDate ? `, due ${c.kev.dueDate}` : ''}
          </>
        ) : (
          'no'
        )}
      </td>
      <td>{c.epss ? `${(c.epss.score * 100).toFixed(c.epss.score < 0.01 ? 2 : 1)}% (${Math.round(c.epss.percentile * 100)}th percentile)` : 'not known'}</td>
      <td>{c.cvss ? `${c.cvss.score.toFixed(1)} (v${c.cvss.version}, ${c.cvss.source})` : 'not known'}</td>
      <td>{c.vendorSeverity ? `${c.vendorSeverity.label} (${c.vendorSeverity.source})` : '—'}</td>
    </tr>
  );
}

function Body({ d }: { d: UpdateDetail }) {
  // The breakdown shown is one machine's (criticality, exposure and wait differ); the riskiest first.
  const [shown, setShown] = useState(d.machines[0]?.hostId ?? 0);
  const machine = d.machines.find((m) => m.hostId === shown) ?? d.machines[0];
  return (
    <>
      <p className="hint">
        {d.isSecurity ? 'Security update' : 'Update'}
        {d.urgency ? `, urgency ${d.urgency}` : ''}; needed on {d.machines.length} machine{d.machines.length === 1 ? '' : 's'}.
      </p>
      {machine && <RiskBreakdown risk={machine.risk} label={machine.label} />}
      <section aria-label="CVEs">
        <h3>
          {d.cves.length} CVE{d.cves.length === 1 ? '' : 's'}
        </h3>
        {d.cves.length === 0 ? (
          <p className="hint">It names no CVE.</p>
        ) : (
          <div className="detail-scroll">
            <table className="compact" aria-label="CVEs">
              <thead>
                <tr>
                  <th>CVE</th>
                  <th>Known exploited</th>
                  <th>EPSS</th>
                  <th>CVSS</th>
                  <th>Vendor severity</th>
                </tr>
              </thead>
              <tbody>
                {d.cves.map((c) => (
                  <CveRow key={c.cveId} c={c} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-label="Machines">
        <h3>Machines</h3>
        <div className="detail-scroll">
          <table className="compact" aria-label="Machines that need it">
            <thead>
              <tr>
                <th>Machine</th>
                <th>Installed → target</th>
                <th>Score</th>
                <th>Approval</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {d.machines.map((m) => (
                <tr key={m.hostId} className={m.hostId === machine?.hostId ? 'selected' : undefined}>
                  <td>{m.label}</td>
                  <td>
                    {m.installedVersion ?? 'not installed'} → {m.candidateVersion}
                  </td>
                  <td>
                    {m.risk.score} <span className={`badge band-${m.risk.band}`}>{m.risk.band}</span>
                  </td>
                  <td>{approvalText(m.approval)}</td>
                  <td>
                    <button type="button" className="small" aria-pressed={m.hostId === machine?.hostId} onClick={() => setShown(m.hostId)}>
                      Breakdown on {m.label}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

/** The update detail view, opened from a Patches row (click or Enter) or from a machine's detail. */
export function UpdateDetailDialog() {
  const view = useDetailStore((s) => s.update);
  const close = useDetailStore((s) => s.closeUpdate);
  useReturnFocus(view !== null);
  return (
    <Dialog title={view ? `${view.package} → ${view.candidateVersion}` : 'Update'} open={view !== null} onClose={close}>
      <DetailFrame onClose={close} error={view?.error} loading={!!view && !view.data && !view.error}>
        {view?.data && <Body key={view.data.key} d={view.data} />}
      </DetailFrame>
    </Dialog>
  );
}
