import { useMachinesStore } from '../stores/machines-store';
import { useUiStore } from '../stores/ui-store';
import { Dialog } from './dialog';

/**
 * Asks before a credential that applies to many machines is sent to machines Patchwell never contacted (a machine
 * a scan just found could be anyone's). Shown by any page that starts an assessment.
 */
export function FirstContactDialog() {
  const pending = useMachinesStore((s) => s.firstContact);
  const answer = useMachinesStore((s) => s.answerFirstContact);
  const toast = useUiStore((s) => s.toast);
  const reply = (allow: boolean): void => {
    answer(allow).catch((e: unknown) => toast('error', `Could not start the assessment: ${String(e)}`));
  };
  const machines = pending?.machines ?? [];
  return (
    <Dialog title="First contact with new machines" open={pending !== null} onClose={() => reply(false)}>
      <p>
        Patchwell has never contacted {machines.length === 1 ? 'this machine' : `these ${machines.length} machines`}. Assessing will send the
        credential below (and its sudo password, if it has one) to {machines.length === 1 ? 'it' : 'them'}. Allow it only for machines you know
        are yours; their SSH key or certificate is pinned at this first contact.
      </p>
      <table className="compact" aria-label="Machines never contacted">
        <thead>
          <tr>
            <th scope="col">Machine</th>
            <th scope="col">Address</th>
            <th scope="col">Credential</th>
          </tr>
        </thead>
        <tbody>
          {machines.map((m) => (
            <tr key={m.id}>
              <td>{m.label}</td>
              <td>{m.address}</td>
              <td>{m.credential}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" onClick={() => reply(false)}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={() => reply(true)}>
          Allow first contact and assess
        </button>
      </div>
    </Dialog>
  );
}
