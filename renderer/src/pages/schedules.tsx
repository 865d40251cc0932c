/** One view of every schedule: what it runs, when (in words), its next runs and how its last run went. */
import { useState } from 'react';
import type { ScheduleInput, ScheduleView } from '../../../shared/contract';
import { ScheduleForm } from '../components/schedule-form';
import { ago } from '../format';
import { useSchedulesStore } from '../stores/schedules-store';
import { useUiStore } from '../stores/ui-store';
import { useLive } from '../stores/use-live';

const fmt = (t: number, zone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(t));

function what(s: ScheduleView): string {
  if (s.kind === 'assessment') return s.options.tag ? `Assess machines tagged ${s.options.tag}` : 'Assess every machine';
  if (s.kind === 'feeds') return 'Download vulnerability feeds';
  return `Report to ${s.options.folder ?? '?'}`;
}

const outcomeClass = (o: string): string => `badge state-${o === 'skipped' ? 'cancelled' : o === 'interrupted' ? 'failed' : o}`;

export function SchedulesPage() {
  useLive('schedules');
  const data = useSchedulesStore((s) => s.data);
  const error = useSchedulesStore((s) => s.error);
  const busy = useSchedulesStore((s) => s.busy);
  const { save, remove, runNow, setPaused } = useSchedulesStore.getState();
  const toast = useUiStore((s) => s.toast);
  const [editing, setEditing] = useState<ScheduleView | 'new' | null>(null);

  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };
  const onSave = async (input: ScheduleInput): Promise<void> => {
    await save(input);
    setEditing(null);
  };
  const toggle = (s: ScheduleView): Promise<void> => {
    const { id, kind, name, cron, timezone, options } = s;
    return save({ id, kind, name, cron, timezone, options, enabled: !s.enabled });
  };

  return (
    <div className="page">
      <header className="page-head">
        <h1>Schedules</h1>
        {data && (
          <button type="button" disabled={busy} onClick={() => void act(() => setPaused(!data.paused))}>
            {data.paused ? 'Resume all schedules' : 'Pause all schedules'}
          </button>
        )}
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          Add schedule
        </button>
      </header>
      {error && <div className="banner error" role="alert">{error}</div>}
      {data?.paused && (
        <div className="banner warn" role="status">
          All schedules are paused: what falls due is skipped (not made up later) until they are resumed.
        </div>
      )}
      <p className="hint">
        A run missed while Patchwell was not running (or the computer was off) is made once when Patchwell starts again,
        however many were missed (a schedule just enabled or edited starts afresh instead). Deployments are not schedules: a machine that missed its maintenance window is never
        updated at a later hour; it waits for its next window, and the Deployments page says so.
      </p>
      {editing && (
        <ScheduleForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? null : editing}
          downloadsAllowed={data?.downloadsAllowed ?? false}
          busy={busy}
          onSave={onSave}
          onCancel={() => setEditing(null)}
        />
      )}
      {data && data.schedules.length === 0 && <p className="hint">No schedules yet: add a nightly assessment, a daily feed download or a monthly report.</p>}
      {data && data.schedules.length > 0 && (
        <table className="grid" aria-label="Schedules">
          <thead>
            <tr>
              <th>Name</th>
              <th>Does</th>
              <th>When</th>
              <th>Next runs</th>
              <th>Last run</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.schedules.map((s) => (
              <tr key={s.id} className={s.enabled ? undefined : 'muted'}>
                <td>{s.name}</td>
                <td>{what(s)}</td>
                <td>
                  {s.description}
                  <div className="hint">{s.zone}</div>
                </td>
                <td>
                  {!s.enabled ? 'Disabled' : data.paused ? 'Paused' : s.nextRuns.map((t) => <div key={t}>{fmt(t, s.zone)}</div>)}
                </td>
                <td>
                  {s.lastRunAt === null ? 'Never' : ago(s.lastRunAt)}
                  {s.lastOutcome && <> <span className={outcomeClass(s.lastOutcome)}>{s.lastOutcome}</span></>}
                  {s.lastMessage && <div className="hint">{s.lastMessage}</div>}
                </td>
                <td className="actions">
                  <button type="button" className="small" disabled={busy} onClick={() => void act(async () => toast('info', `${s.name}: ${await runNow(s.id)}`))}>
                    Run now
                  </button>
                  <button type="button" className="small" onClick={() => setEditing(s)}>
                    Edit
                  </button>
                  <button type="button" className="small" disabled={busy} onClick={() => void act(() => toggle(s))}>
                    {s.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button type="button" className="small" disabled={busy} onClick={() => void act(() => remove(s.id))} aria-label={`Remove ${s.name}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
