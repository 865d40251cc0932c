import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDashboardStore } from '../stores/dashboard-store';
import { useMachinesStore } from '../stores/machines-store';
import { useUiStore, type Page } from '../stores/ui-store';

interface Step {
  title: string;
  detail: string;
  done: boolean;
  page: Page;
  action: string;
}

/**
 * The way from nothing to a prioritised patch list, ticked off from what Patchwell actually knows (machines,
 * a credential, an assessment, approvals, a deployment), so it always shows the one next thing to do.
 */
export function GettingStarted() {
  const hosts = useMachinesStore((s) => s.hosts);
  const go = useUiStore((s) => s.go);
  const { credentials, approved, deployed } = useDashboardStore(useShallow((s) => s.steps));
  const loadSteps = useDashboardStore((s) => s.loadSteps);
  // Read again whenever the machines change: adding or assessing one is often what ticks a step.
  useEffect(() => {
    void loadSteps();
  }, [hosts, loadSteps]);

  const steps: Step[] = [
    { title: 'Find your machines', detail: 'Scan the office network (or add machines by hand). Nothing is installed on them.', done: hosts.length > 0, page: 'machines', action: 'Scan the network' },
    { title: 'Add a credential', detail: 'An SSH user with a password or key (and sudo), sealed on this computer; one can serve every machine.', done: (credentials ?? 0) > 0, page: 'settings', action: 'Add a credential' },
    { title: 'Assess', detail: 'Patchwell reads each machine’s packages and missing updates, with the CVEs they fix.', done: hosts.some((h) => h.lastAssessedAt !== null), page: 'machines', action: 'Assess all' },
    { title: 'See what to patch first', detail: 'The Patches page ranks every missing update by risk — known-exploited first — and says why. Approve the top ones.', done: approved || deployed, page: 'patches', action: 'Open Patches' },
    { title: 'Deploy with a snapshot', detail: 'Canary first, a snapshot before every change, a check after, and one-click rollback.', done: deployed, page: 'deployments', action: 'Open Deployments' },
  ];
  const next = steps.find((s) => !s.done);
  if (!next || credentials === null) return null;
  return (
    <section className="getting-started" aria-label="Getting started">
      <h2>Getting started</h2>
      <ol>
        {steps.map((s) => (
          <li key={s.title} className={s.done ? 'done' : s === next ? 'next' : undefined} aria-current={s === next ? 'step' : undefined}>
            <span className="tick" aria-hidden="true">{s.done ? '✓' : ''}</span>
            <div>
              <strong>{s.title}</strong>
              <div className="hint">{s.detail}</div>
              {s === next && (
                <button type="button" className="primary small" onClick={() => go(s.page)}>
                  {s.action}
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
