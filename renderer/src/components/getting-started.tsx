import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDashboardStore } from '../stores/dashboard-store';
import { useMachinesStore } from '../stores/machines-store';
import { useCredentialsStore } from '../stores/credentials-store';
import { useUiStore, type Page } from '../stores/ui-store';
import { CredentialForm } from './credential-form';
import { Dialog } from './dialog';
import { ScanDialog } from './scan-dialog';

interface Step {
  title: string;
  detail: string;
  done: boolean;
  page: Page;
  action: string;
  /** A step done in a dialog opens it here rather than only switching page. */
  dialog?: 'scan' | 'credential';
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
  const toast = useUiStore((s) => s.toast);
  const [dialog, setDialog] = useState<Step['dialog'] | null>(null);
  // Read again whenever the machines change: adding or assessing one is often what ticks a step.
  useEffect(() => {
    void loadSteps();
  }, [hosts, loadSteps]);

  const steps: Step[] = [
    { title: 'Find your machines', detail: 'Scan the office network (or add machines by hand). Nothing is installed on them.', done: hosts.length > 0, page: 'machines', action: 'Scan the network', dialog: 'scan' },
    { title: 'Add a credential', detail: 'An SSH user with a password or key (and sudo), sealed on this computer; one can serve every machine.', done: (credentials ?? 0) > 0, page: 'settings', action: 'Add a credential', dialog: 'credential' },
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
                <button type="button" className="primary small" onClick={() => (s.dialog ? setDialog(s.dialog) : go(s.page))}>
                  {s.action}
                </button>
              )}
              {s.title === 'Assess' && !s.done && (credentials ?? 0) === 0 && (
                <div className="hint">
                  Assessing needs a credential that applies to the machines: add one in{' '}
                  <button type="button" className="link" onClick={() => go('settings')}>
                    Settings → Credentials
                  </button>
                  .
                </div>
              )}
            </div>
          </li>
        ))}
      </ol>
      <ScanDialog open={dialog === 'scan'} onClose={() => setDialog(null)} />
      <Dialog title="Add a credential" open={dialog === 'credential'} onClose={() => setDialog(null)}>
        {dialog === 'credential' && (
          <CredentialForm
            first={(credentials ?? 0) === 0}
            onCancel={() => setDialog(null)}
            onSubmit={async (input) => {
              await useCredentialsStore.getState().save(input);
              toast('info', 'Credential saved');
              setDialog(null);
              void loadSteps();
            }}
          />
        )}
      </Dialog>
    </section>
  );
}
