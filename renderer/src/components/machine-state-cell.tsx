import type { Host } from '../../../shared/contract';
import { canRepairDpkg } from '../../../shared/machine-state';
import { hostLabel } from '../../../shared/host-label';
import { stateText } from '../pages/machines-view';
import { useJobsStore } from '../stores/jobs-store';
import { useMachinesStore } from '../stores/machines-store';
import { useUiStore } from '../stores/ui-store';

/**
 * A machine's state in the table: a badge, the reason in words when something is in the way (not only in a
 * tooltip the keyboard cannot reach), and the buttons that act on it.
 */
export function MachineStateCell({ host }: { host: Host }) {
  const toast = useUiStore((s) => s.toast);
  const setTrayOpen = useJobsStore((s) => s.setTrayOpen);
  const recheck = useMachinesStore((s) => s.recheck);
  const repair = useMachinesStore((s) => s.repair);
  const state = stateText(host);
  const name = hostLabel(host);
  const start = (p: Promise<void>): void => {
    void p.then(
      () => setTrayOpen(true),
      (e: unknown) => toast('error', e instanceof Error ? e.message : String(e)),
    );
  };
  return (
    <div className="state-cell">
      <span className={`badge ${state.problem ? 'state-failed' : `reach-${host.reachability}`}`}>{state.label}</span>
      {state.reason && <div className="hint state-reason">{state.reason}</div>}
      {state.problem && (
        <div className="row-actions">
          {canRepairDpkg(host) && (
            <button type="button" aria-label={`Repair dpkg on ${name} (dpkg --configure -a)`} onClick={() => start(repair(host.id))}>
              Repair (dpkg --configure -a)
            </button>
          )}
          <button type="button" aria-label={`Check ${name} again`} onClick={() => start(recheck([host.id]))}>
            Check again
          </button>
        </div>
      )}
    </div>
  );
}
