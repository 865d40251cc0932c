import { useEffect, useState } from 'react';
import type { Credential } from '../../../shared/contract';
import { credentialsSelectors, useCredentialsStore } from '../stores/credentials-store';
import { useUiStore } from '../stores/ui-store';
import { CredentialForm } from './credential-form';
import { CredentialTest } from './credential-test';
import { Dialog } from './dialog';

function VaultLock() {
  const vault = useCredentialsStore((s) => s.vault);
  const { unlock, setPassphrase } = useCredentialsStore.getState();
  const toast = useUiStore((s) => s.toast);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!vault) return null;
  const act = async (fn: (p: string) => Promise<void>, done: string): Promise<void> => {
    setError(null);
    try {
      await fn(text);
      setText('');
      toast('info', done);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  if (vault.locked) {
    return (
      <div className="banner warn" role="alert">
        <p>The credential vault is locked. Enter its passphrase to let Patchwell log in to machines.</p>
        <div className="row">
          <input type="password" aria-label="Vault passphrase" value={text} onChange={(e) => setText(e.target.value)} />
          <button type="button" className="primary" onClick={() => void act(unlock, 'Vault unlocked')}>
            Unlock
          </button>
        </div>
        {error && <div className="field-error">{error}</div>}
      </div>
    );
  }
  if (vault.protection === 'key-file') {
    return (
      <details className="vault-protection">
        <summary>Vault protection: a key file only this user can read. Require a passphrase instead…</summary>
        <p className="hint">With a passphrase, the vault stays locked after each start until you unlock it here.</p>
        <div className="row">
          <input type="password" aria-label="New vault passphrase" value={text} onChange={(e) => setText(e.target.value)} />
          <button type="button" onClick={() => void act(setPassphrase, 'The vault now needs its passphrase after each start')}>
            Set passphrase
          </button>
        </div>
        {error && <div className="field-error">{error}</div>}
      </details>
    );
  }
  return (
    <p className="hint">
      Vault protection: {vault.protection === 'safe-storage' ? 'the system keychain' : 'a passphrase (unlocked for this session)'}.
    </p>
  );
}

/** Credentials: who Patchwell logs in as. Secrets are sealed in the vault and never shown again. */
export function CredentialsSection() {
  const { credentials, loaded } = useCredentialsStore();
  const { load, save, remove } = useCredentialsStore.getState();
  const toast = useUiStore((s) => s.toast);
  const [editing, setEditing] = useState<Credential | 'new' | null>(null);
  useEffect(() => {
    void load().catch((e: unknown) => toast('error', String(e)));
  }, [load, toast]);
  return (
    <section aria-label="Credentials" className="section">
      <header className="page-head">
        <h2>Credentials</h2>
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Add credential
        </button>
      </header>
      <VaultLock />
      {loaded && credentials.length === 0 && (
        <p className="hint">
          No credentials yet. Add the SSH login Patchwell should use; one credential can serve many machines through their tags.
        </p>
      )}
      {credentials.length > 0 && (
        <table className="grid" aria-label="Credentials list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Login</th>
              <th>Used by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {credentials.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{credentialsSelectors.describe(c)}</td>
                <td>{credentialsSelectors.scope(c)}</td>
                <td>
                  <button type="button" className="small" onClick={() => setEditing(c)}>
                    Edit
                  </button>{' '}
                  <CredentialTest credential={c} />{' '}
                  <button
                    type="button"
                    className="small danger"
                    onClick={() => void remove(c.id).then(() => toast('info', `Removed ${c.name}`), (e: unknown) => toast('error', String(e)))}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Dialog title={editing === 'new' ? 'Add a credential' : 'Edit credential'} open={editing !== null} onClose={() => setEditing(null)}>
        {editing !== null && (
          <CredentialForm
            initial={editing === 'new' ? undefined : editing}
            first={editing === 'new' && credentials.length === 0}
            onCancel={() => setEditing(null)}
            onSubmit={async (input) => {
              await save(input, editing === 'new' ? undefined : editing.id);
              toast('info', 'Credential saved');
              setEditing(null);
            }}
          />
        )}
      </Dialog>
    </section>
  );
}
