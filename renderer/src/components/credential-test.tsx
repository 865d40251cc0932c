import { useState } from 'react';
import type { Credential } from '../../../shared/contract';
import { useCredentialsStore } from '../stores/credentials-store';
import { hostsSelectors, useMachinesStore } from '../stores/machines-store';
import { Dialog } from './dialog';
import { PlaceText } from './place-text';

/** "Test": tries one credential on one machine the user picks, before trusting it with a whole assessment. */
export function CredentialTest({ credential }: { credential: Credential }) {
  const hosts = useMachinesStore((s) => s.hosts);
  const [open, setOpen] = useState(false);
  const [machineId, setMachineId] = useState<number | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = machineId ?? hosts[0]?.id ?? null;

  const run = async (): Promise<void> => {
    if (chosen === null) return;
    setBusy(true);
    setResult(null);
    try {
      setResult({ ok: true, text: await useCredentialsStore.getState().test(credential.id, chosen) });
    } catch (err) {
      setResult({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className="small" onClick={() => setOpen(true)}>
        Test
      </button>
      <Dialog title={`Test ${credential.name}`} open={open} onClose={() => setOpen(false)}>
        {hosts.length === 0 ? (
          <p className="hint">Add a machine first: the test logs in to one of them.</p>
        ) : (
          <label className="field">
            Machine
            <select value={chosen ?? ''} onChange={(e) => setMachineId(Number(e.target.value))}>
              {hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {hostsSelectors.label(h)}
                </option>
              ))}
            </select>
          </label>
        )}
        {result && (
          <p className={result.ok ? 'ok' : 'field-error'} role={result.ok ? 'status' : 'alert'}>
            <PlaceText text={result.text} />
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={() => setOpen(false)}>
            Close
          </button>
          <button type="button" className="primary" disabled={busy || chosen === null} onClick={() => void run()}>
            {busy ? 'Testing…' : 'Test the login'}
          </button>
        </div>
      </Dialog>
    </>
  );
}
