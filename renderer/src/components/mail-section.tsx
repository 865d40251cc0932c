import { useEffect, useState, type FormEvent } from 'react';
import { AppError, type MailSecurity, type MailSettings, type MailState } from '../../../shared/contract';
import { ago } from '../format';
import { fieldErrorsOf } from '../form-errors';
import { defaultMailSettings, useMailStore } from '../stores/mail-store';
import { useUiStore } from '../stores/ui-store';
import { Field } from './field';

/** The core names fields inside the settings object ("settings.host"): shown on the form's own field names. */
function mailFieldErrors(err: unknown): Record<string, string> {
  if (err instanceof AppError && err.fields) {
    const fields = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k.replace(/^settings\./, ''), v]));
    return fieldErrorsOf(new AppError(err.code, err.message, fields));
  }
  return fieldErrorsOf(err);
}

const SECURITY: { value: MailSecurity; label: string }[] = [
  { value: 'starttls', label: 'STARTTLS, required (usually port 587)' },
  { value: 'tls', label: 'TLS from the start (usually port 465)' },
  { value: 'none', label: 'None: only a server on this computer (127.0.0.1), for testing' },
];

const EVENTS: { key: keyof MailSettings['events']; label: string }[] = [
  { key: 'deployFinished', label: 'A deployment finished' },
  { key: 'failure', label: 'A deployment, rollback or assessment failed' },
  { key: 'reboot', label: 'Machines need a reboot' },
  { key: 'kev', label: 'New known-exploited (KEV) findings' },
];

/**
 * Settings → E-mail. The stored password is never shown or sent back: an empty password field keeps it. The test
 * mail goes with the saved settings, so what it proves is what the unattended mails will use.
 */
export function MailSection() {
  const state = useMailStore((s) => s.state);
  const { load } = useMailStore.getState();
  const toast = useUiStore((s) => s.toast);
  useEffect(() => {
    load().catch((e: unknown) => toast('error', e instanceof Error ? e.message : String(e)));
  }, [load, toast]);
  if (!state) return null;
  // Keyed on what is stored: after a save (or a first load) the form starts again from the core's values.
  return <MailForm key={JSON.stringify(state.settings)} state={state} />;
}

function MailForm({ state }: { state: MailState }) {
  const test = useMailStore((s) => s.test);
  const testing = useMailStore((s) => s.testing);
  const { save, sendTest } = useMailStore.getState();
  const toast = useUiStore((s) => s.toast);
  const [form, setForm] = useState<MailSettings>(state.settings ?? defaultMailSettings);
  const [to, setTo] = useState((state.settings ?? defaultMailSettings).to.join(', '));
  const [password, setPassword] = useState('');
  const [clearPassword, setClearPassword] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const set = (patch: Partial<MailSettings>): void => setForm((f) => ({ ...f, ...patch }));
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const settings = { ...form, username: form.username?.trim() || null, trustedCert: form.trustedCert?.trim() || null, to: to.split(/[,;\s]+/).filter(Boolean) };
      await save({ settings, ...(password ? { password } : {}), ...(clearPassword ? { clearPassword: true } : {}) });
      setPassword('');
      setClearPassword(false);
      toast('info', 'E-mail settings saved');
    } catch (err) {
      setErrors(mailFieldErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const field = (id: string, label: string, key: string, control: React.ReactNode, hint?: string) => (
    <Field id={id} label={label} error={errors[key]} hint={hint}>
      {control}
    </Field>
  );
  return (
    <section aria-label="E-mail">
      <h2>E-mail</h2>
      <p className="hint">
        Mails say what happened and where to look in Patchwell; they hold no password and no link that approves or deploys anything.
      </p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate autoComplete="off">
        <label className="inline">
          <input type="checkbox" checked={form.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
          Send e-mail
        </label>
        {field('mail-host', 'SMTP server', 'host', <input id="mail-host" value={form.host} placeholder="mail.example.com" onChange={(e) => set({ host: e.target.value })} />)}
        {field('mail-port', 'Port', 'port', <input id="mail-port" type="number" min={1} max={65535} value={form.port} onChange={(e) => set({ port: Number(e.target.value) })} />)}
        {field(
          'mail-security',
          'Security',
          'security',
          <select id="mail-security" value={form.security} onChange={(e) => set({ security: e.target.value as MailSecurity })}>
            {SECURITY.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>,
        )}
        {field('mail-user', 'User name', 'username', <input id="mail-user" value={form.username ?? ''} onChange={(e) => set({ username: e.target.value })} />, 'Leave empty if the server takes mail without signing in')}
        {field(
          'mail-password',
          'Password',
          'password',
          <input id="mail-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />,
          state.hasPassword ? 'Stored in the vault — leave empty to keep it' : 'Kept sealed in the credential vault',
        )}
        {state.hasPassword && (
          <label className="inline">
            <input type="checkbox" checked={clearPassword} onChange={(e) => setClearPassword(e.target.checked)} />
            Remove the stored password
          </label>
        )}
        {field('mail-from', 'From', 'from', <input id="mail-from" type="email" value={form.from} placeholder="patchwell@example.com" onChange={(e) => set({ from: e.target.value })} />)}
        {field('mail-to', 'To', 'to', <input id="mail-to" value={to} placeholder="admin@example.com" onChange={(e) => setTo(e.target.value)} />, 'Comma-separated addresses')}
        <fieldset>
          <legend>Mail when</legend>
          {EVENTS.map((ev) => (
            <label key={ev.key} className="inline">
              <input type="checkbox" checked={form.events[ev.key]} onChange={(e) => set({ events: { ...form.events, [ev.key]: e.target.checked } })} />
              {ev.label}
            </label>
          ))}
        </fieldset>
        <label className="inline">
          <input type="checkbox" checked={form.digest.enabled} onChange={(e) => set({ digest: { ...form.digest, enabled: e.target.checked } })} />
          Morning digest: what was patched, what failed, what needs attention, new KEV exposure
        </label>
        {field(
          'mail-digest-time',
          'Digest time',
          'digest',
          <input id="mail-digest-time" type="time" value={form.digest.timeOfDay} onChange={(e) => set({ digest: { ...form.digest, timeOfDay: e.target.value } })} />,
          state.lastDigestAt ? `Local time on the computer running Patchwell. Last digest ${ago(state.lastDigestAt)}` : 'Local time on the computer running Patchwell',
        )}
        <details>
          <summary>Trust this certificate (a self-signed office server)</summary>
          {field(
            'mail-cert',
            'Server certificate (PEM)',
            'trustedCert',
            <textarea id="mail-cert" rows={4} spellCheck={false} value={form.trustedCert ?? ''} placeholder="-----BEGIN CERTIFICATE-----" onChange={(e) => set({ trustedCert: e.target.value })} />,
            'Only this certificate is then trusted for the server; its name and dates are still checked',
          )}
        </details>
        {errors._ && (
          <div className="field-error" role="alert">
            {errors._}
          </div>
        )}
        <div className="actions">
          <button type="button" disabled={!state.settings || testing || busy} onClick={() => void sendTest()}>
            {testing ? 'Sending…' : 'Send test'}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save e-mail settings
          </button>
        </div>
        {test && (
          <p className={test.ok ? 'hint' : 'field-error'} role="status" aria-label="Test mail">
            {test.ok ? `Sent to ${test.result.accepted.join(', ')}. The server said: ${test.result.response}` : test.message}
          </p>
        )}
        {state.lastError && (
          <p className="field-error" role="alert">
            Not sent {ago(state.lastError.at)}: “{state.lastError.subject}”. {state.lastError.message}
          </p>
        )}
      </form>
    </section>
  );
}
