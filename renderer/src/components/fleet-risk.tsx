import { EmptyState } from './empty-state';
import { StateBar, TrendChart } from './fleet-charts';
import { useDashboardStore } from '../stores/dashboard-store';
import { useMachinesStore } from '../stores/machines-store';
import { usePatchesStore } from '../stores/patches-store';
import { useLive } from '../stores/use-live';
import { useUiStore } from '../stores/ui-store';

/** The Dashboard's risk part: machines by state, KEV exposure, top risks (each a link to act), and the trend. */
export function FleetRisk() {
  const summary = useDashboardStore((s) => s.summary);
  const loaded = useDashboardStore((s) => s.loaded);
  const error = useDashboardStore((s) => s.error);
  const go = useUiStore((s) => s.go);
  useLive('dashboard');

  if (!loaded) return <p className="hint">Reading the fleet&apos;s risk…</p>;
  if (error || !summary) {
    return (
      <div className="banner error" role="alert">
        Could not read the fleet&apos;s risk: {error ?? 'no answer'}.{' '}
        <button type="button" className="link" onClick={() => void useDashboardStore.getState().load()}>
          Try again
        </button>
      </div>
    );
  }
  if (summary.machines === 0) return null;
  const s = summary.states;
  const assessed = s['kev-exposed'] + s['updates-pending'] + s['up-to-date'];
  const showPatches = (filter: string, onlyKev: boolean): void => {
    const p = usePatchesStore.getState();
    p.setFilter(filter);
    p.setOnlyKev(onlyKev);
    go('patches');
  };
  const showMachine = (id: number): void => {
    useMachinesStore.getState().openDetail(id);
    go('machines');
  };
  const today = summary.trend[summary.trend.length - 1];

  return (
    <>
      <section aria-label="Machines by state" className="dash-section">
        <h2>Machines by state</h2>
        <StateBar states={s} />
        {s['needs-attention'] > 0 && (
          <p className="next-step">
            {s['needs-attention']} machine{s['needs-attention'] === 1 ? '' : 's'} failed or rolled back in the last deployment: open{' '}
            <button type="button" className="link" onClick={() => go('deployments')}>
              Deployments
            </button>{' '}
            to see what went wrong.
          </p>
        )}
      </section>
      {assessed === 0 ? (
        <EmptyState
          title="Nothing assessed yet"
          action={
            <button type="button" className="primary" onClick={() => go('machines')}>
              Open Machines
            </button>
          }
        >
          Risk appears once Patchwell knows which updates each machine is missing. Select machines on the Machines page and press Assess.
        </EmptyState>
      ) : (
        <>
          <section aria-label="Known exploited vulnerabilities" className={`dash-section kev-exposure ${summary.kev.cves ? 'bad' : 'good'}`}>
            <h2>Known exploited vulnerabilities</h2>
            {summary.kev.cves > 0 ? (
              <p>
                <strong>{summary.kev.cves}</strong> CVE{summary.kev.cves === 1 ? '' : 's'} on CISA&apos;s KEV list {summary.kev.cves === 1 ? 'is' : 'are'} open on{' '}
                <strong>{summary.kev.machines}</strong> machine{summary.kev.machines === 1 ? '' : 's'}. Attackers use these now: patch them first.{' '}
                <button type="button" className="primary" onClick={() => showPatches('', true)}>
                  Show them on Patches
                </button>
              </p>
            ) : (
              <p>No update fixing a known exploited vulnerability is pending on the assessed machines.</p>
            )}
          </section>
          <section aria-label="Top risks" className="dash-section top-risks">
            <div>
              <h2>Riskiest updates</h2>
              {summary.topUpdates.length ? (
                <ol>
                  {summary.topUpdates.map((u) => (
                    <li key={`${u.package} ${u.candidateVersion}`}>
                      <strong>{u.score}</strong> <span className={`badge band-${u.band}`}>{u.band}</span>{' '}
                      <button type="button" className="link" onClick={() => showPatches(u.package, false)}>
                        {u.package} {u.candidateVersion}
                      </button>{' '}
                      on {u.machines} machine{u.machines === 1 ? '' : 's'}
                      {u.kevCves.length > 0 && <span className="badge kev">KEV {u.kevCves.join(', ')}</span>}
                    </li>
                  ))}
                </ol>
              ) : (
                <p>No update is pending. Assess again after the next release day.</p>
              )}
            </div>
            <div>
              <h2>Riskiest machines</h2>
              {summary.topMachines.length ? (
                <ol>
                  {summary.topMachines.map((m) => (
                    <li key={m.hostId}>
                      <strong>{m.score}</strong> <span className={`badge band-${m.band}`}>{m.band}</span>{' '}
                      <button type="button" className="link" onClick={() => showMachine(m.hostId)}>
                        {m.label}
                      </button>{' '}
                      {m.openUpdates} update{m.openUpdates === 1 ? '' : 's'} pending
                      {m.kevCves > 0 && <span className="badge kev">{m.kevCves} KEV</span>}
                    </li>
                  ))}
                </ol>
              ) : (
                <p>Every assessed machine is up to date.</p>
              )}
            </div>
          </section>
        </>
      )}
      {today && (
        <section aria-label="Trend" className="dash-section">
          <h2>Trend</h2>
          {summary.trend.length < 2 && (
            <p className="hint">
              The trend starts on {today.day}. Patchwell records the fleet&apos;s figures each day the inventory changes; the lines appear from the second day.
            </p>
          )}
          <TrendChart points={summary.trend} />
        </section>
      )}
    </>
  );
}
