import { useEffect, useMemo, useState } from 'react';
import { describePolicyRule, type PolicyEvaluation, type PolicyRuleInput, type RiskBand } from '../../../shared/contract';
import { useMachinesStore } from '../stores/machines-store';
import { usePoliciesStore } from '../stores/policies-store';
import { useUiStore } from '../stores/ui-store';

const FLEET = '';

interface Draft {
  tag: string;
  name: string;
  mode: 'auto' | 'never';
  approveKev: boolean;
  approveBand: RiskBand | '';
  approveScore: string;
  afterDays: string;
  securityOnly: boolean;
}

const NEW_DRAFT: Draft = { tag: FLEET, name: 'Fleet rule', mode: 'auto', approveKev: true, approveBand: 'critical', approveScore: '', afterDays: '7', securityOnly: false };

/** The draft as the contract wants it; a number field left empty means "no such condition". */
function toInput(d: Draft): PolicyRuleInput {
  const num = (v: string): number | null => (v.trim() === '' ? null : Number(v));
  return {
    tag: d.tag || null,
    name: d.name,
    mode: d.mode,
    approveKev: d.approveKev,
    approveBand: d.approveBand || null,
    approveScore: num(d.approveScore),
    afterDays: num(d.afterDays),
    securityOnly: d.securityOnly,
  };
}

function outcomeText(e: PolicyEvaluation): string {
  const machines = new Set(e.decisions.filter((d) => d.outcome === 'approve').map((d) => d.hostId)).size;
  const approved = e.approved ? `approves ${e.approved} update${e.approved === 1 ? '' : 's'} on ${machines} machine${machines === 1 ? '' : 's'}` : 'approves nothing';
  return `Now this ${approved}${e.held ? `; ${e.held} held back by the block list` : ''}.`;
}

/** Auto-approve rules (fleet-wide, per tag) with their effect previewed before saving, and the block list. */
export function PoliciesSection() {
  const toast = useUiStore((s) => s.toast);
  const hosts = useMachinesStore((s) => s.hosts);
  const { rules, blocks, loaded, error, busy, preview } = usePoliciesStore();
  const store = usePoliciesStore.getState;
  const [draft, setDraft] = useState<Draft>(NEW_DRAFT);
  const [block, setBlock] = useState({ kind: 'package' as 'package' | 'kb', name: '', tag: FLEET, reason: '' });
  useEffect(() => void store().load(), [store]);
  const tags = useMemo(() => [...new Set(hosts.flatMap((h) => h.tags))].sort(), [hosts]);
  const edit = (patch: Partial<Draft>): void => {
    setDraft((d) => ({ ...d, ...patch }));
    store().clearPreview();
  };
  const fail = (e: unknown): void => toast('error', e instanceof Error ? e.message : String(e));
  const input = toInput(draft);
  const summary = describePolicyRule({ ...input, tag: input.tag ?? null });
  const replaces = rules.find((r) => (r.tag ?? FLEET) === draft.tag);

  return (
    <section className="form wide" aria-label="Policies">
      <h2>Policies</h2>
      <p className="hint">
        Rules approve updates for you, as if you had pressed Approve on the Patches page (exact versions, recorded in the audit log under the rule&apos;s name).
        A rule for a tag wins over the rule for all machines. Blocked packages are never approved or installed, whatever a rule says.
      </p>
      {error && <p className="field-error">Could not load the policies: {error}</p>}
      <h3>Auto-approve rules</h3>
      {loaded && !rules.length && <p>No rule yet: every update waits for you on the Patches page. Add a rule for all machines below, for example one approving known exploited (KEV) updates at once.</p>}
      {rules.length > 0 && (
        <table className="grid policy-table" aria-label="Auto-approve rules">
          <thead>
            <tr>
              <th>Applies to</th>
              <th>Rule</th>
              <th>What it does</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id}>
                <td>{r.tag ? `tag ${r.tag}` : 'all machines'}</td>
                <td>{r.name}</td>
                <td>{r.summary}</td>
                <td>
                  <button type="button" disabled={busy} onClick={() => void store().removeRule(r.id).then(() => toast('info', `Removed the rule ${r.name}`), fail)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <fieldset aria-label="Rule">
        <legend>{replaces ? `Change the rule for ${draft.tag ? `tag ${draft.tag}` : 'all machines'}` : 'Add a rule'}</legend>
        <div className="row">
          <div className="field">
            <label htmlFor="rule-scope">Applies to</label>
            <select id="rule-scope" value={draft.tag} onChange={(e) => edit({ tag: e.target.value })}>
              <option value={FLEET}>All machines</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  Machines tagged {t}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="rule-name">Name (shown as the approver)</label>
            <input id="rule-name" value={draft.name} onChange={(e) => edit({ name: e.target.value })} />
          </div>
        </div>
        <label className="inline">
          <input type="radio" name="rule-mode" checked={draft.mode === 'auto'} onChange={() => edit({ mode: 'auto' })} />
          Approve automatically when…
        </label>
        <label className="inline">
          <input type="radio" name="rule-mode" checked={draft.mode === 'never'} onChange={() => edit({ mode: 'never' })} />
          Never approve automatically {draft.tag ? '(these machines are handled by hand)' : ''}
        </label>
        {draft.mode === 'auto' && (
          <>
            <label className="inline">
              <input type="checkbox" checked={draft.approveKev} onChange={(e) => edit({ approveKev: e.target.checked })} />
              at once, if it fixes a known exploited vulnerability (CISA KEV)
            </label>
            <div className="row">
              <div className="field">
                <label htmlFor="rule-band">at once, from this risk band up</label>
                <select id="rule-band" value={draft.approveBand} onChange={(e) => edit({ approveBand: e.target.value as Draft['approveBand'] })}>
                  <option value="">no band condition</option>
                  <option value="critical">critical</option>
                  <option value="high">high or critical</option>
                  <option value="medium">medium or higher</option>
                  <option value="low">any band</option>
                </select>
              </div>
              <div className="field">
                <label htmlFor="rule-score">at once, from this risk score (0–100)</label>
                <input id="rule-score" type="number" min={0} max={100} value={draft.approveScore} placeholder="no score condition" onChange={(e) => edit({ approveScore: e.target.value })} />
              </div>
              <div className="field">
                <label htmlFor="rule-days">everything else after this many days pending</label>
                <input id="rule-days" type="number" min={0} max={3650} value={draft.afterDays} placeholder="never" onChange={(e) => edit({ afterDays: e.target.value })} />
              </div>
            </div>
            <label className="inline">
              <input type="checkbox" checked={draft.securityOnly} onChange={(e) => edit({ securityOnly: e.target.checked })} />
              security updates only
            </label>
          </>
        )}
        <p className="rule-summary" aria-label="What this rule will do">
          {summary}
        </p>
        {preview && (
          <div className="policy-preview" aria-label="Preview">
            <p>{outcomeText(preview)}</p>
            {preview.decisions.length > 0 && (
              <ul>
                {preview.decisions.slice(0, 20).map((d) => (
                  <li key={`${d.hostId}-${d.package}-${d.toVersion}`}>
                    {d.outcome === 'held' ? 'Held: ' : ''}
                    {d.package} {d.fromVersion ?? '(new)'} → {d.toVersion} on {d.hostLabel}: {d.why}
                  </li>
                ))}
                {preview.decisions.length > 20 && <li>and {preview.approved + preview.held - 20} more</li>}
              </ul>
            )}
          </div>
        )}
        <div className="row">
          <button type="button" disabled={busy} onClick={() => void store().previewRule(input).catch(fail)}>
            Preview
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() =>
              void store()
                .saveRule(input)
                .then((e) => toast('info', `Saved ${input.name}. ${outcomeText(e)}`), fail)
            }
          >
            {replaces ? 'Save (replaces the current rule)' : 'Save rule'}
          </button>
          {busy && (
            <span className="hint" role="status">
              Working…
            </span>
          )}
          {rules.length > 0 && (
            <button type="button" disabled={busy} onClick={() => void store().evaluate().then((e) => toast('info', `Rules run: ${e.approved} approved, ${e.held} held by blocks.`), fail)}>
              Run the rules now
            </button>
          )}
        </div>
      </fieldset>

      <h3>Block list</h3>
      {loaded && !blocks.length && <p>Nothing is blocked. Block a package or Windows KB that must not be installed (say a known bad release), with the reason.</p>}
      {blocks.length > 0 && (
        <table className="grid policy-table" aria-label="Blocked packages">
          <thead>
            <tr>
              <th>Package or KB</th>
              <th>Applies to</th>
              <th>Why</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {blocks.map((b) => (
              <tr key={b.id}>
                <td>{b.name}</td>
                <td>{b.tag ? `tag ${b.tag}` : 'all machines'}</td>
                <td>{b.reason}</td>
                <td>
                  <button type="button" disabled={busy} onClick={() => void store().removeBlock(b.id).then(() => toast('info', `${b.name} is no longer blocked`), fail)}>
                    Unblock
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <fieldset aria-label="Block">
        <legend>Block a package or KB</legend>
        <div className="row">
          <div className="field">
            <label htmlFor="block-kind">Kind</label>
            <select id="block-kind" value={block.kind} onChange={(e) => setBlock({ ...block, kind: e.target.value as 'package' | 'kb' })}>
              <option value="package">Package</option>
              <option value="kb">Windows KB</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="block-name">{block.kind === 'kb' ? 'KB number' : 'Package name'}</label>
            <input id="block-name" value={block.name} placeholder={block.kind === 'kb' ? 'KB5034441' : 'linux-image-amd64'} onChange={(e) => setBlock({ ...block, name: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="block-scope">Applies to</label>
            <select id="block-scope" value={block.tag} onChange={(e) => setBlock({ ...block, tag: e.target.value })}>
              <option value={FLEET}>All machines</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  Machines tagged {t}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="field">
          <label htmlFor="block-reason">Why (required)</label>
          <input id="block-reason" value={block.reason} onChange={(e) => setBlock({ ...block, reason: e.target.value })} />
        </div>
        <div className="row">
          <button
            type="button"
            disabled={busy || !block.name.trim() || !block.reason.trim()}
            onClick={() =>
              void store()
                .addBlock({ kind: block.kind, name: block.name, reason: block.reason, tag: block.tag || null })
                .then(() => {
                  toast('info', `Blocked ${block.name.trim()}`);
                  setBlock({ ...block, name: '', reason: '' });
                }, fail)
            }
          >
            Block
          </button>
        </div>
      </fieldset>
    </section>
  );
}
