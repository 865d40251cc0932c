import { EmptyState } from '../components/empty-state';
import { GettingStarted } from '../components/getting-started';
import { FleetRisk } from '../components/fleet-risk';
import { OutcomeMetricsSection } from '../components/outcome-metrics';
import { hostsSelectors, useMachinesStore } from '../stores/machines-store';
import { useShallow } from 'zustand/react/shallow';
import { useJobsStore } from '../stores/jobs-store';
import { useUiStore } from '../stores/ui-store';

export function DashboardPage() {
  const counts = useMachinesStore(useShallow(hostsSelectors.counts));
  const loaded = useMachinesStore((s) => s.loaded);
  const interrupted = useJobsStore(useShallow((s) => s.jobs.filter((j) => j.state === 'interrupted')));
  const go = useUiStore((s) => s.go);
  const setTrayOpen = useJobsStore((s) => s.setTrayOpen);
  return (
    <div className="page">
      <header className="page-head">
        <h1>Dashboard</h1>
      </header>
      {interrupted.length > 0 && (
        <div className="banner warn" role="alert">
          {interrupted.length} job{interrupted.length === 1 ? ' was' : 's were'} interrupted when Patchwell last stopped.{' '}
          <button type="button" className="link" onClick={() => setTrayOpen(true)}>
            See where each machine stopped
          </button>
        </div>
      )}
      {loaded && <GettingStarted />}
      {loaded && counts.total === 0 ? (
        <EmptyState
          title="Welcome to Patchwell"
          action={
            <button type="button" className="primary" onClick={() => go('machines')}>
              Add machines
            </button>
          }
        >
          Start by adding the machines of your office. Patchwell keeps their inventory on this computer, works offline, and
          installs nothing on them.
        </EmptyState>
      ) : (
        <section className="cards" aria-label="Fleet at a glance">
          <div className="card">
            <div className="card-value">{counts.total}</div>
            <div className="card-label">machines</div>
          </div>
          <div className="card good">
            <div className="card-value">{counts.up}</div>
            <div className="card-label">answering</div>
          </div>
          <div className="card bad">
            <div className="card-value">{counts.down}</div>
            <div className="card-label">not answering</div>
          </div>
          <div className="card">
            <div className="card-value">{counts.unknown}</div>
            <div className="card-label">not checked yet</div>
          </div>
          {counts.unknown > 0 && (
            <p className="next-step">
              Next step: open <button type="button" className="link" onClick={() => go('machines')}>Machines</button> and press
              “Check all” to see which machines answer.
            </p>
          )}
        </section>
      )}
      {loaded && counts.total > 0 && <FleetRisk />}
      {loaded && counts.total > 0 && <OutcomeMetricsSection />}
    </div>
  );
}
