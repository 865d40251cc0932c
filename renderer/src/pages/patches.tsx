import { EmptyState } from '../components/empty-state';
import { useUiStore } from '../stores/ui-store';

export function PatchesPage() {
  const go = useUiStore((s) => s.go);
  return (
    <div className="page">
      <header className="page-head">
        <h1>Patches</h1>
      </header>
      <EmptyState
        title="No missing patches known yet"
        action={
          <button type="button" onClick={() => go('machines')}>
            Go to Machines
          </button>
        }
      >
        Missing updates appear here once machines have been assessed. This build of Patchwell keeps the inventory and checks
        which machines answer; assessing machines over SSH is not in this build yet.
      </EmptyState>
    </div>
  );
}
