import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ScanResult } from '../../../shared/contract';
import { useDiscoveryStore } from '../stores/discovery-store';
import { useJobsStore } from '../stores/jobs-store';
import { useUiStore } from '../stores/ui-store';
import { Dialog } from './dialog';
import { Progress } from './progress';

const CHANGE_LABEL: Record<ScanResult['change'], string> = { new: 'New', changed: 'Changed', same: 'Known', missing: 'Not answering' };

function osText(r: ScanResult): string {
  if (!r.osGuess || r.osGuess.family === 'unknown') return 'Unknown';
  const name = [r.osGuess.distro, r.osGuess.version].filter(Boolean).join(' ') || r.osGuess.family;
  return `${name} (${Math.round(r.osGuess.confidence * 100)}%)`;
}

function ResultsTable() {
  const { results, selected } = useDiscoveryStore(useShallow((s) => ({ results: s.results, selected: s.selected })));
  const toggle = useDiscoveryStore((s) => s.toggleSelected);
  const sorted = [...results].sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }));
  return (
    <table className="grid" aria-label="Scan results">
      <thead>
        <tr>
          <th />
          <th>Address</th>
          <th>Name</th>
          <th>Operating system</th>
          <th>Open ports</th>
          <th>Status</th>
          <th>Evidence</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr key={r.address} data-address={r.address}>
            <td>
              {r.change === 'new' && r.hostId === null && (
                <input type="checkbox" aria-label={`Select ${r.address}`} checked={selected.includes(r.address)} onChange={() => toggle(r.address)} />
              )}
            </td>
            <td>{r.address}</td>
            <td>{r.hostnames[0] ?? '—'}</td>
            <td>{osText(r)}</td>
            <td>{r.openPorts.join(', ') || '—'}</td>
            <td>
              <span className={`badge change-${r.change}`}>{r.change === 'new' && r.hostId !== null ? 'Added' : CHANGE_LABEL[r.change]}</span>
              {r.changes.length > 0 && r.change !== 'missing' && <div className="hint">{r.changes.join('; ')}</div>}
            </td>
            <td>
              {r.fingerprints.length > 0 ? (
                <details>
                  <summary>{r.fingerprints.length} clue{r.fingerprints.length === 1 ? '' : 's'}</summary>
                  <ul className="evidence">
                    {r.fingerprints.map((f, i) => (
                      <li key={i}>
                        <strong>{f.source}</strong>
                        {f.port !== null ? ` :${f.port}` : ''} — <code>{f.evidence}</code>
                        {f.hint && <div className="hint">{f.hint}</div>}
                      </li>
                    ))}
                  </ul>
                </details>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Scan the network: pick targets, watch machines appear, add the new ones to the inventory. */
export function ScanDialog(props: { open: boolean; onClose: () => void }) {
  const s = useDiscoveryStore();
  const job = useJobsStore((st) => st.jobs.find((j) => j.id === s.jobId));
  const toast = useUiStore((st) => st.toast);
  const { loadSuggestions, runCheck, refreshResults } = useDiscoveryStore.getState();
  const running = job?.state === 'running' || job?.state === 'queued';

  useEffect(() => {
    if (props.open) void loadSuggestions().catch(() => undefined);
  }, [props.open, loadSuggestions]);

  // Nothing is sent to the network while typing: the core only parses the list.
  useEffect(() => {
    if (!props.open) return;
    const t = setTimeout(() => void runCheck(), 250);
    return () => clearTimeout(t);
  }, [props.open, s.include, s.exclude, s.extraPorts, runCheck]);

  useEffect(() => {
    if (job && !running) void refreshResults().catch(() => undefined);
  }, [job, running, refreshResults]);

  const errorsFor = (field: 'include' | 'exclude' | 'ports'): string[] =>
    (s.check?.errors ?? []).filter((e) => e.field === field).map((e) => (e.token ? `"${e.token}": ${e.message}` : e.message));
  const canStart = !!s.check?.ok && (!s.check.needsConfirmation || s.confirmLarge) && !running;
  const newCount = s.results.filter((r) => r.change === 'new' && r.hostId === null).length;

  const add = async (): Promise<void> => {
    try {
      const n = await s.addSelected();
      toast('info', `Added ${n} machine${n === 1 ? '' : 's'} to the inventory`);
    } catch (err) {
      toast('error', err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <Dialog title="Scan the network" open={props.open} onClose={props.onClose}>
      <div className="form wide">
        {s.suggestions.length > 0 && (
          <fieldset className="suggestions">
            <legend>This computer’s networks</legend>
            {s.suggestions.map((sg) => (
              <label key={sg.cidr} className="inline">
                <input type="checkbox" checked={s.include.split(/[\s,]+/).includes(sg.cidr)} onChange={() => s.toggleSuggestion(sg.cidr)} />
                {sg.cidr} <span className="hint">({sg.kind === 'loopback-lab' ? 'this computer only: the test lab' : `${sg.interfaceName}, ${sg.address}`})</span>
              </label>
            ))}
          </fieldset>
        )}
        <div className={errorsFor('include').length ? 'field has-error' : 'field'}>
          <label htmlFor="scan-include">Addresses to scan</label>
          <textarea id="scan-include" rows={2} value={s.include} onChange={(e) => s.setField('include', e.target.value)} />
          <div className="hint">Subnets (192.168.1.0/24), ranges (192.168.1.10-50), addresses and host names; “!address” leaves one out.</div>
          {errorsFor('include').map((m) => (
            <div key={m} className="field-error" role="alert">
              {m}
            </div>
          ))}
        </div>
        <div className="row">
          <div className={errorsFor('exclude').length ? 'field has-error' : 'field'}>
            <label htmlFor="scan-exclude">Leave out</label>
            <input id="scan-exclude" value={s.exclude} onChange={(e) => s.setField('exclude', e.target.value)} />
            {errorsFor('exclude').map((m) => (
              <div key={m} className="field-error" role="alert">
                {m}
              </div>
            ))}
          </div>
          <div className={errorsFor('ports').length ? 'field has-error' : 'field'}>
            <label htmlFor="scan-ports">Extra ports</label>
            <input id="scan-ports" placeholder="e.g. 2222, 8443" value={s.extraPorts} onChange={(e) => s.setField('extraPorts', e.target.value)} />
            {errorsFor('ports').map((m) => (
              <div key={m} className="field-error" role="alert">
                {m}
              </div>
            ))}
          </div>
        </div>
        <p className="hint" aria-live="polite">
          {s.check?.ok
            ? `${s.check.addressCount} address${s.check.addressCount === 1 ? '' : 'es'}${s.check.hostnameCount ? ` and ${s.check.hostnameCount} host name${s.check.hostnameCount === 1 ? '' : 's'}` : ''}; ports 22, 5985, 5986, 445, 3389, 135, 80, 443${s.extraPorts ? ` and ${s.extraPorts}` : ''}.`
            : ' '}
        </p>
        {s.check?.needsConfirmation && (
          <label className="inline warn">
            <input type="checkbox" checked={s.confirmLarge} onChange={(e) => s.setConfirmLarge(e.target.checked)} />
            Scan all {s.check.addressCount} addresses (more than a /20; this takes a while)
          </label>
        )}
        {s.error && (
          <div className="field-error" role="alert">
            {s.error}
          </div>
        )}
        <div className="actions">
          {running && job && (
            <button type="button" onClick={() => void useJobsStore.getState().cancel(job.id)}>
              Stop scan
            </button>
          )}
          <button type="button" className="primary" disabled={!canStart} onClick={() => void s.start()}>
            {job ? 'Scan again' : 'Start scan'}
          </button>
        </div>
        {job && (
          <section aria-label="Scan progress">
            <Progress current={job.current} total={job.total} label="Scan progress" state={job.state} />
            <div className="job-meta">
              {job.current} of {job.total} addresses — {job.summary ?? 'starting'}
            </div>
          </section>
        )}
        {s.results.length > 0 && <ResultsTable />}
        {job && !running && s.results.length === 0 && <p className="hint">Nothing answered on the management ports.</p>}
        <div className="actions">
          {newCount > 0 && (
            <button type="button" onClick={() => s.selectAllNew()}>
              Select all new ({newCount})
            </button>
          )}
          <button type="button" className="primary" disabled={s.selected.length === 0} onClick={() => void add()}>
            Add selected to inventory
          </button>
          <button type="button" onClick={props.onClose}>
            Close
          </button>
        </div>
      </div>
    </Dialog>
  );
}
