import { EmptyState } from '../components/empty-state';

export function DeploymentsPage() {
  return (
    <div className="page">
      <header className="page-head">
        <h1>Deployments</h1>
      </header>
      <EmptyState title="No deployments yet">
        Approved updates are deployed from here, canary machines first, with a snapshot taken before every change. This build
        of Patchwell does not deploy yet; nothing is ever changed on a machine without your approval.
      </EmptyState>
    </div>
  );
}
