import type { PatchRow } from '../../../shared/contract';

/** What fleet memory says about one exact version: each failure where and when, the successes, and a way to clear the mark. */
export function VersionHistory({ row, onClear }: { row: PatchRow; onClear: () => void }) {
  const m = row.memory;
  if (!m) return null;
  const ok = m.succeeded.canary + m.succeeded.others;
  return (
    <section className="version-history" aria-label={`History of ${row.package} ${row.candidateVersion}`}>
      <h3>
        {row.package} {row.candidateVersion}
      </h3>
      <ul>
        {m.failures.map((f, i) => (
          <li key={i} className={f.active ? 'active' : 'cleared'}>
            {f.text}
            {f.active ? '' : ' (cleared)'}
          </li>
        ))}
      </ul>
      <p className="hint">
        {ok ? `Succeeded on ${m.succeeded.canary} canary and ${m.succeeded.others} other machine${m.succeeded.others === 1 ? '' : 's'}.` : 'Not succeeded anywhere yet.'}{' '}
        {m.marked && (
          <button type="button" className="link" onClick={onClear}>
            Clear the mark (it is safe again)
          </button>
        )}
      </p>
    </section>
  );
}
