import { useState, type FormEvent } from 'react';
import { type Credential, type CredentialInput } from '../../../shared/contract';
import { fieldErrorsOf } from '../form-errors';
import { Field, FormActions } from './field';

interface Props {
  initial?: Credential;
  /** The first credential: it starts out serving every machine (with first contact asked), as most offices have one login. */
  first?: boolean;
  onSubmit(input: CredentialInput): Promise<void>;
  onCancel(): void;
}

/** FileReader rather than Blob.text(): it is what every Chromium (and jsdom) this app runs in has. */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsText(file);
  });
}

/**
 * Add or edit a credential. Stored secrets are never shown again: on edit, an empty secret field keeps
 * what is stored, and "remove" clears it.
 */
export function CredentialForm({ initial, first = false, onSubmit, onCancel }: Props) {
  const [name, setName] = useState(initial?.name ?? '');
  const [username, setUsername] = useState(initial?.username ?? '');
  const [password, setPassword] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [sudoPassword, setSudoPassword] = useState('');
  const [scopeTags, setScopeTags] = useState((initial?.scopeTags ?? []).join(', '));
  const [appliesToAll, setAppliesToAll] = useState(initial?.appliesToAll ?? first);
  const [askFirstContact, setAskFirstContact] = useState(initial?.askFirstContact ?? true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  // The key's text is read here, in the renderer: no file path ever reaches the core.
  const readKeyFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    try {
      setPrivateKey((await readText(file)).trim());
      setErrors((e) => ({ ...e, privateKey: '' }));
    } catch {
      setErrors((e) => ({ ...e, privateKey: `Could not read ${file.name}` }));
    }
  };

  const tagList = scopeTags.split(/[,\s]+/).filter(Boolean);
  const broad = appliesToAll || tagList.length > 0;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      await onSubmit({
        name,
        username,
        ...(password ? { password } : {}),
        ...(privateKey ? { privateKey } : {}),
        ...(passphrase ? { passphrase } : {}),
        ...(sudoPassword ? { sudoPassword } : {}),
        scopeTags: tagList,
        appliesToAll,
        askFirstContact: broad && askFirstContact,
      });
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    } finally {
      setBusy(false);
    }
  };

  const keep = (has: boolean | undefined): string | undefined => (initial && has ? 'Stored — leave empty to keep it' : undefined);
  const field = (id: string, label: string, key: string, control: React.ReactNode, hint?: string) => (
    <Field id={id} label={label} error={errors[key]} hint={hint}>
      {control}
    </Field>
  );

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate autoComplete="off">
      {field('cred-name', 'Name', 'name', <input id="cred-name" value={name} onChange={(e) => setName(e.target.value)} />, 'e.g. Linux servers')}
      {field('cred-user', 'User name', 'username', <input id="cred-user" value={username} onChange={(e) => setUsername(e.target.value)} />)}
      {field(
        'cred-password',
        'Password',
        'password',
        <input id="cred-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />,
        keep(initial?.hasPassword) ?? 'For SSH, or the Windows password for WinRM (user name DOMAIN\\user or user@domain for a domain account)',
      )}
      {field(
        'cred-key',
        'Private key',
        'privateKey',
        <textarea id="cred-key" rows={4} spellCheck={false} value={privateKey} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" onChange={(e) => setPrivateKey(e.target.value)} />,
        keep(initial?.hasKey) ?? 'Paste the private key (OpenSSH, PEM or PuTTY format), or choose its file below',
      )}
      <label className="inline">
        Private key file
        <input type="file" aria-label="Private key file" onChange={(e) => void readKeyFile(e.target.files?.[0])} />
      </label>
      {field('cred-passphrase', 'Key passphrase', 'passphrase', <input id="cred-passphrase" type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />)}
      {field(
        'cred-sudo',
        'sudo password',
        'sudoPassword',
        <input id="cred-sudo" type="password" value={sudoPassword} onChange={(e) => setSudoPassword(e.target.value)} />,
        keep(initial?.hasSudoPassword) ?? 'Only if sudo asks for one; it is sent on sudo’s standard input, never on a command line',
      )}
      {field('cred-tags', 'Use for machines tagged', 'scopeTags', <input id="cred-tags" value={scopeTags} onChange={(e) => setScopeTags(e.target.value)} />, 'Comma-separated tags')}
      <label className="inline">
        <input type="checkbox" checked={appliesToAll} onChange={(e) => setAppliesToAll(e.target.checked)} />
        Use for every machine that has no credential of its own
      </label>
      {broad && (
        <label className="inline">
          <input type="checkbox" checked={askFirstContact} onChange={(e) => setAskFirstContact(e.target.checked)} />
          Ask before sending it to a machine Patchwell has never contacted
        </label>
      )}
      <FormActions error={errors._} busy={busy} submitLabel={initial ? 'Save credential' : 'Add credential'} onCancel={onCancel} />
    </form>
  );
}
