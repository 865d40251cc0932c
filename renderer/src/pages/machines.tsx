import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Host, HostInput, MachineRisk } from '../../../shared/contract';
import { Dialog } from '../components/dialog';
import { EmptyState } from '../components/empty-state';
import { HostForm } from '../components/host-form';
import { HostUpdates } from '../components/host-updates';
import { MachineDetailDialog } from '../components/machine-detail';
import { MachinesTable } from '../components/machines-table';
import { useDetailStore } from '../stores/detail-store';
import { ScanDialog } from '../components/scan-dialog';
import { ago, OS_LABEL, REACHABILITY_LABEL } from '../format';
import { useCredentialsStore } from '../stores/credentials-store';
import { hostsSelectors, useMachinesStore } from '../stores/machines-store';
import { useJobsStore } from '../stores/jobs-store';
import { riskByHost, useMachineRiskStore } from '../stores/machine-risk-store';
import { useLive } from '../stores/use-live';
import { useUiStore } from '../stores/ui-store';

function HostKeyAlert({ host }: { host: Host }) {
  const toast = useUiStore((s) => s.toast);
  const acceptHostKey = useMachinesStore((s) => s.acceptHostKey);
  const [confirming, setConfirming] = useState(false);
  // The SSH key and the WinRM HTTPS certificate are pinned alike; whichever changed waits here for the user.
  const change = host.pendingHostKey
    ? { what: 'SSH host key', noun: 'key', pinned: host.sshHostKey, presented: host.pendingHostKey, why: 'reinstalled or its keys regenerated' }
    : host.pendingWinrmCert
      ? { what: 'WinRM certificate', noun: 'certificate', pinned: host.winrmCert, presented: host.pendingWinrmCert, why: 'given a new certificate (renewed or reinstalled)' }
      : null;
  if (!change) return null;
  return (
    <div className="alert-key" role="alert">
      <strong>The {change.what} of this machine changed.</strong> Patchwell refuses to connect until you decide. This is what an
      attacker in the middle looks like; it is also what a {change.noun === 'key' ? 'reinstalled' : 'renewed'} machine looks like.
      <div>
        Pinned: <code>{change.pinned}</code>
        <br />
        Now presented: <code>{change.presented}</code>
      </div>
      {confirming ? (
        <div className="actions">
          <span>Only accept if you know the machine was {change.why}.</span>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep refusing
          </button>
          <button
            type="button"
            className="danger"
            onClick={() =>
              void acceptHostKey(host.id).then(
                () => toast('info', `New ${change.what} accepted and pinned`),
                (e: unknown) => toast('error', String(e)),
              )
            }
          >
            Accept the new {change.noun}
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Accept the new {change.noun}…
        </button>
      )}
    </div>
  );
}

function CredentialPicker({ host }: { host: Host }) {
  const credentials = useCredentialsStore((s) => s.credentials);
  const load = useCredentialsStore((s) => s.load);
  const toast = useUiStore((s) => s.toast);
  const setCredential = useMachinesStore((s) => s.setCredential);
  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);
  return (
    <select
      aria-label="Credential"
      value={host.credentialId ?? ''}
      onChange={(e) => {
        const v = e.target.value === '' ? null : Number(e.target.value);
        void setCredential([host.id], v).catch((err: unknown) => toast('error', String(err)));
      }}
    >
      <option value="">Automatic (by tag, else the default)</option>
      {credentials.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name} ({c.username})
        </option>
      ))}
    </select>
  );
}

/** Each machine's risk, reloaded whenever the inventory changes (the core caches the figures). */
function useMachineRisks(): Map<number, MachineRisk> {
  useLive('machine-risk');
  const risks = useMachineRiskStore((s) => s.risks);
  return useMemo(() => riskByHost(risks), [risks]);
}

function RiskBadge({ risk }: { risk: MachineRisk | undefined }) {
  if (!risk || risk.openUpdates === 0) return <span className="hint">—</span>;
  return (
    <span className={`badge band-${risk.band}`} title={risk.why}>
      {risk.score} {risk.band}
    </span>
  );
}

function HostDetail({ host, risk, onEdit }: { host: Host; risk: MachineRisk | undefined; onEdit: () => void }) {
  const close = useMachinesStore((s) => s.openDetail);
  return (
    <section className="detail" aria-label={`Details of ${hostsSelectors.label(host)}`}>
      <header>
        <h2>{hostsSelectors.label(host)}</h2>
        <button type="button" aria-haspopup="dialog" onClick={() => void useDetailStore.getState().openMachine(host.id)}>
          Updates and history
        </button>
        <button type="button" onClick={onEdit}>
          Edit
        </button>
        <button type="button" aria-label="Close details" onClick={() => close(null)}>
          ×
        </button>
      </header>
      <HostKeyAlert host={host} />
      {host.lastError && (
        <div className="banner error" role="alert">
          <strong>Last problem:</strong> {host.lastError.message}
          {host.lastError.command && (
            <div>
              <code>{host.lastError.command}</code> {host.lastError.exitCode !== null ? `(exit ${host.lastError.exitCode})` : ''}
            </div>
          )}
          {host.lastError.stderrTail && <pre>{host.lastError.stderrTail}</pre>}
        </div>
      )}
      <dl>
        <dt>Address</dt>
        <dd>{host.address}</dd>
        <dt>Host name</dt>
        <dd>{host.hostname ?? '—'}</dd>
        <dt>Operating system</dt>
        <dd>{[OS_LABEL[host.osFamily], host.osName, host.osVersion].filter(Boolean).join(' · ')}</dd>
        <dt>Kernel</dt>
        <dd>
          {host.kernel ?? '—'}
          {host.arch ? ` (${host.arch})` : ''}
        </dd>
        <dt>State</dt>
        <dd>
          {REACHABILITY_LABEL[host.reachability]} (last seen {ago(host.lastSeen)})
        </dd>
        {host.mac && (
          <>
            <dt>MAC</dt>
            <dd>
              {host.mac}
              {host.vendor ? ` (${host.vendor})` : ''}
            </dd>
          </>
        )}
        {host.osGuess && host.osGuess.family !== 'unknown' && (
          <>
            <dt>Network guess</dt>
            <dd>
              {[host.osGuess.distro, host.osGuess.version].filter(Boolean).join(' ') || host.osGuess.family} (
              {Math.round(host.osGuess.confidence * 100)}% sure)
            </dd>
          </>
        )}
        {host.fingerprints.length > 0 && (
          <>
            <dt>Fingerprints</dt>
            <dd>
              <ul className="evidence">
                {host.fingerprints.map((f, i) => (
                  <li key={i}>
                    <strong>{f.source}</strong>
                    {f.port !== null ? ` :${f.port}` : ''} — <code>{f.evidence}</code>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        <dt>Open ports</dt>
        <dd>{host.openPorts.length ? host.openPorts.join(', ') : '—'}</dd>
        {host.transport === 'winrm' ? (
          <>
            <dt>WinRM</dt>
            <dd>
              {host.winrmHttps ? `HTTPS, port ${host.winrmPort ?? 5986}; certificate ${host.winrmCert ?? 'not pinned yet (pinned on first connection)'}` : `HTTP with NTLM message encryption, port ${host.winrmPort ?? 5985}`}
            </dd>
          </>
        ) : (
          <>
            <dt>SSH</dt>
            <dd>
              port {host.sshPort}; host key {host.sshHostKey ?? 'not pinned yet (pinned on first connection)'}
            </dd>
          </>
        )}
        <dt>Credential</dt>
        <dd>
          <CredentialPicker host={host} />
        </dd>
        <dt>Tags</dt>
        <dd>{host.tags.length ? host.tags.join(', ') : '—'}</dd>
        <dt>Risk</dt>
        <dd>
          {risk && risk.openUpdates > 0 ? (
            <>
              <RiskBadge risk={risk} /> {risk.why}
            </>
          ) : (
            'No open updates known.'
          )}
        </dd>
        <dt>Criticality</dt>
        <dd>
          {risk?.criticality ?? host.criticality}
          {risk && risk.profileFrom.some((p) => p.startsWith('tag') && !p.endsWith('exposed')) && ` (${risk.profileFrom.filter((p) => !p.endsWith('exposed')).join(', ')})`}
        </dd>
        <dt>Exposed</dt>
        <dd>{risk?.exposed ?? host.exposed ? `yes (${risk?.profileFrom.filter((p) => p.endsWith('exposed')).join(', ') || 'marked exposed'})` : 'no'}</dd>
        <dt>Added</dt>
        <dd>
          {new Date(host.createdAt).toLocaleString()} ({host.source === 'manual' ? 'by hand' : 'by a network scan'})
        </dd>
        {host.notes && (
          <>
            <dt>Notes</dt>
            <dd className="notes">{host.notes}</dd>
          </>
        )}
      </dl>
      <HostUpdates host={host} findings={risk?.findings} />
    </section>
  );
}

export function MachinesPage() {
  const { hosts, loaded, loadError, selectedIds, detailId } = useMachinesStore(
    useShallow((s) => ({ hosts: s.hosts, loaded: s.loaded, loadError: s.loadError, selectedIds: s.selectedIds, detailId: s.detailId })),
  );
  const detail = useMachinesStore((s) => hostsSelectors.byId(s, s.detailId));
  const risks = useMachineRisks();
  const { create, update, remove, setSelected, toggleSelected, openDetail, load, assess: startAssess, check: startCheck } = useMachinesStore.getState();
  const toast = useUiStore((s) => s.toast);
  const setTrayOpen = useJobsStore((s) => s.setTrayOpen);
  const [editing, setEditing] = useState<Host | 'new' | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [scanning, setScanning] = useState(false);

  const submit = async (input: HostInput): Promise<void> => {
    if (editing === 'new') {
      const h = await create(input);
      toast('info', `Added ${hostsSelectors.label(h)}`);
    } else if (editing) {
      await update(editing.id, input);
      toast('info', 'Saved');
    }
    setEditing(null);
  };

  const assess = async (): Promise<void> => {
    try {
      await startAssess(selectedIds.length ? selectedIds : undefined);
      setTrayOpen(true);
    } catch (err) {
      toast('error', err instanceof Error ? err.message : String(err));
    }
  };

  const check = async (): Promise<void> => {
    try {
      await startCheck(selectedIds.length ? selectedIds : undefined);
      setTrayOpen(true);
    } catch (err) {
      toast('error', err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Machines</h1>
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => setScanning(true)}>
            Scan network
          </button>
          <button type="button" onClick={() => setEditing('new')}>
            Add machine
          </button>
          <button type="button" disabled={hosts.length === 0} onClick={() => void assess()}>
            {selectedIds.length ? `Assess ${selectedIds.length} selected` : 'Assess all'}
          </button>
          <button type="button" disabled={hosts.length === 0} onClick={() => void check()}>
            {selectedIds.length ? `Check ${selectedIds.length} selected` : 'Check all'}
          </button>
          <button type="button" className="danger" disabled={selectedIds.length === 0} onClick={() => setConfirmRemove(true)}>
            Remove
          </button>
        </div>
      </header>
      {loadError && (
        <div className="banner error" role="alert">
          Could not load the inventory: {loadError}{' '}
          <button type="button" className="link" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}
      {loaded && hosts.length === 0 && !loadError && (
        <EmptyState
          title="No machines yet"
          action={
            <>
              <button type="button" className="primary" onClick={() => setScanning(true)}>
                Scan the network
              </button>{' '}
              <button type="button" onClick={() => setEditing('new')}>
                Add your first machine
              </button>
            </>
          }
        >
          Scan the office network to find its computers and servers, or add one by address. Patchwell then checks which answer, and (once a credential is
          set) which updates each one is missing.
        </EmptyState>
      )}
      {hosts.length > 0 && (
        <div className={detail ? 'split' : undefined}>
          <MachinesTable
            hosts={hosts}
            risks={risks}
            selectedIds={selectedIds}
            detailId={detailId}
            onToggle={toggleSelected}
            onSelect={setSelected}
            onOpen={openDetail}
          />
          {detail && <HostDetail host={detail} risk={risks.get(detail.id)} onEdit={() => setEditing(detail)} />}
        </div>
      )}
      <Dialog title={editing === 'new' ? 'Add a machine' : 'Edit machine'} open={editing !== null} onClose={() => setEditing(null)}>
        {editing !== null && (
          <HostForm initial={editing === 'new' ? undefined : editing} onSubmit={submit} onCancel={() => setEditing(null)} />
        )}
      </Dialog>
      <ScanDialog open={scanning} onClose={() => setScanning(false)} />
      <MachineDetailDialog />
      <Dialog title="Remove machines" open={confirmRemove} onClose={() => setConfirmRemove(false)}>
        <p>
          Remove {selectedIds.length} machine{selectedIds.length === 1 ? '' : 's'} from the inventory? Their history stays in the
          audit log. Nothing is changed on the machines themselves.
        </p>
        <div className="actions">
          <button type="button" onClick={() => setConfirmRemove(false)}>
            Keep
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              void remove(selectedIds)
                .then(() => toast('info', 'Removed'))
                .catch((e: unknown) => toast('error', String(e)))
                .finally(() => setConfirmRemove(false));
            }}
          >
            Remove
          </button>
        </div>
      </Dialog>
    </div>
  );
}
