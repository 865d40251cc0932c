import { useState } from 'react';
import type { Criticality, TagProfileView } from '../../../shared/contract';
import { useMachineRiskStore } from '../stores/machine-risk-store';
import { useUiStore } from '../stores/ui-store';
import { useLive } from '../stores/use-live';

const CRITICALITY_LABEL: Record<Criticality, string> = { low: 'Low', normal: 'Normal', high: 'High', critical: 'Critical' };

/** Criticality and exposure for whole groups of machines, by tag: the risk score uses the highest that applies. */
export function TagProfilesSection() {
  const toast = useUiStore((s) => s.toast);
  useLive('tags');
  const tags = useMachineRiskStore((s) => s.tags);
  const setTagProfile = useMachineRiskStore((s) => s.setTagProfile);
  const [busy, setBusy] = useState<string | null>(null);

  const save = async (t: TagProfileView, change: Partial<Pick<TagProfileView, 'criticality' | 'exposed'>>): Promise<void> => {
    setBusy(t.tag);
    try {
      const next = { tag: t.tag, criticality: t.criticality, exposed: t.exposed, ...change };
      await setTagProfile(next);
      toast('info', `Tag ${t.tag}: ${next.criticality ? `${next.criticality} criticality` : 'no criticality of its own'}, ${next.exposed ? 'exposed' : 'not marked exposed'}`);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="form" aria-label="Risk by group">
      <h2>Risk by group</h2>
      <p className="hint">
        Mark a whole group of machines (a tag) as critical or as reachable from outside. A machine gets the highest criticality of its own and its
        tags&apos;, and counts as exposed if it or any of its tags is marked so; the Patches and Machines pages score with that.
      </p>
      {tags !== null && tags.length === 0 && <p className="hint">No tags yet: give machines tags (e.g. servers, dmz) on the Machines page, then set them here.</p>}
      {tags !== null && tags.length > 0 && (
        <table className="grid" aria-label="Tag profiles">
          <thead>
            <tr>
              <th>Tag</th>
              <th>Machines</th>
              <th>Criticality</th>
              <th>Exposed</th>
            </tr>
          </thead>
          <tbody>
            {tags.map((t) => (
              <tr key={t.tag}>
                <td>{t.tag}</td>
                <td>{t.machines}</td>
                <td>
                  <select
                    aria-label={`Criticality of tag ${t.tag}`}
                    value={t.criticality ?? ''}
                    disabled={busy === t.tag}
                    onChange={(e) => void save(t, { criticality: (e.target.value || null) as Criticality | null })}
                  >
                    <option value="">Machine&apos;s own</option>
                    {(Object.keys(CRITICALITY_LABEL) as Criticality[]).map((c) => (
                      <option key={c} value={c}>
                        {CRITICALITY_LABEL[c]}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Machines tagged ${t.tag} are exposed`}
                    checked={t.exposed}
                    disabled={busy === t.tag}
                    onChange={(e) => void save(t, { exposed: e.target.checked })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
