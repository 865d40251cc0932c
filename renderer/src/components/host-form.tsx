import { useState, type FormEvent } from 'react';
import { type Criticality, type Host, type HostInput, type OsFamily } from '../../../shared/contract';
import { fieldErrorsOf } from '../form-errors';
import { Field, FormActions } from './field';

interface Props {
  initial?: Host;
  onSubmit(input: HostInput): Promise<void>;
  onCancel(): void;
}

/** Add or edit a machine by hand. Validation happens in the core; its per-field messages show here. */
export function HostForm({ initial, onSubmit, onCancel }: Props) {
  const [address, setAddress] = useState(initial?.address ?? '');
  const [displayName, setDisplayName] = useState(initial?.displayName ?? '');
  const [osFamily, setOsFamily] = useState<OsFamily>(initial?.osFamily ?? 'unknown');
  const [tags, setTags] = useState((initial?.tags ?? []).join(', '));
  const [criticality, setCriticality] = useState<Criticality>(initial?.criticality ?? 'normal');
  const [exposed, setExposed] = useState(initial?.exposed ?? false);
  const [sshPort, setSshPort] = useState(String(initial?.sshPort ?? 22));
  const [transport, setTransport] = useState<'ssh' | 'winrm'>(initial?.transport ?? 'ssh');
  const [winrmHttps, setWinrmHttps] = useState(initial?.winrmHttps ?? false);
  const [winrmPort, setWinrmPort] = useState(initial?.winrmPort ? String(initial.winrmPort) : '');
  const [notes, setNotes] = useState(initial?.notes ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    const tagList = tags
      .split(/[,\s]+/)
      .map((t) => t.trim())
      .filter(Boolean);
    const port = Number(sshPort);
    try {
      await onSubmit({
        address: address.trim(),
        displayName: displayName.trim() || null,
        osFamily,
        tags: tagList,
        criticality,
        exposed,
        sshPort: Number.isFinite(port) ? port : -1,
        transport,
        winrmHttps,
        winrmPort: winrmPort.trim() === '' ? null : Number.isFinite(Number(winrmPort)) ? Number(winrmPort) : -1,
        notes,
      });
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate>
      <Field id="host-address" label="Address" error={errors.address} hint="IPv4 address or host name, e.g. 192.168.1.20 or nas.office.lan">
        <input
          id="host-address"
          autoFocus
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          aria-invalid={!!errors.address}
          aria-describedby={errors.address ? 'host-address-error' : undefined}
          required
        />
      </Field>
      <Field id="host-name" label="Name (optional)" error={errors.displayName}>
        <input id="host-name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </Field>
      <div className="row">
        <Field id="host-os" label="Operating system" error={errors.osFamily}>
          <select id="host-os" value={osFamily} onChange={(e) => setOsFamily(e.target.value as OsFamily)}>
            <option value="unknown">Not known yet</option>
            <option value="linux">Linux</option>
            <option value="windows">Windows</option>
            <option value="macos">macOS</option>
            <option value="bsd">BSD</option>
            <option value="network-device">Network device</option>
          </select>
        </Field>
        <Field id="host-criticality" label="How critical" error={errors.criticality}>
          <select id="host-criticality" value={criticality} onChange={(e) => setCriticality(e.target.value as Criticality)}>
            <option value="low">Low</option>
            <option value="normal">Normal</option>
            <option value="high">High</option>
            <option value="critical">Critical</option>
          </select>
        </Field>
        <Field id="host-transport" label="Connect with" error={errors.transport}>
          <select id="host-transport" value={transport} onChange={(e) => setTransport(e.target.value as 'ssh' | 'winrm')}>
            <option value="ssh">SSH (Linux, macOS, Windows with OpenSSH)</option>
            <option value="winrm">WinRM (Windows)</option>
          </select>
        </Field>
        {transport === 'ssh' ? (
          <Field id="host-port" label="SSH port" error={errors.sshPort}>
            <input id="host-port" inputMode="numeric" value={sshPort} onChange={(e) => setSshPort(e.target.value)} />
          </Field>
        ) : (
          <Field id="host-winrm-port" label="WinRM port" error={errors.winrmPort} hint={winrmHttps ? 'Empty: 5986' : 'Empty: 5985'}>
            <input id="host-winrm-port" inputMode="numeric" value={winrmPort} onChange={(e) => setWinrmPort(e.target.value)} />
          </Field>
        )}
      </div>
      {transport === 'winrm' && (
        <div className="field">
          <label className="check">
            <input id="host-winrm-https" type="checkbox" checked={winrmHttps} onChange={(e) => setWinrmHttps(e.target.checked)} /> Use HTTPS (its certificate is
            pinned the first time)
          </label>
          <p className="hint">
            Without HTTPS, Patchwell signs in with NTLM and encrypts every message, as Windows requires by default. The credential needs the Windows
            user&apos;s password (DOMAIN\user or user@domain for a domain account).
          </p>
        </div>
      )}
      <div className="field">
        <label className="check">
          <input id="host-exposed" type="checkbox" checked={exposed} onChange={(e) => setExposed(e.target.checked)} /> Reachable from outside the office
          (exposed)
        </label>
        <p className="hint">A web server, a VPN gateway, a machine with forwarded ports: its updates score higher. A tag can mark a whole group (Settings → Risk).</p>
      </div>
      <Field id="host-tags" label="Tags" error={errors.tags} hint="Comma-separated, e.g. servers, canary">
        <input id="host-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
      </Field>
      <Field id="host-notes" label="Notes" error={errors.notes}>
        <textarea id="host-notes" rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} />
      </Field>
      <FormActions error={errors._} busy={busy} submitLabel={initial ? 'Save' : 'Add machine'} onCancel={onCancel} />
    </form>
  );
}
