/** Adding or editing one schedule: what it runs, how often in plain choices (or a cron expression), in which zone. */
import { useState } from 'react';
import type { ScheduleInput, ScheduleKind, ScheduleView } from '../../../shared/contract';
import { cronFor, describeCron, repeatOf, type Repeat } from '../../../shared/cron-words';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const KIND_LABEL: Record<ScheduleKind, string> = { assessment: 'Assess machines', feeds: 'Download vulnerability feeds', report: 'Write a report to a folder' };
const DEFAULT_REPEAT: Record<ScheduleKind, Repeat> = {
  assessment: { every: 'day', time: '01:00' },
  feeds: { every: 'day', time: '00:30' },
  report: { every: 'month', day: 1, time: '06:00' },
};

const time = (r: Repeat): string => ('time' in r ? r.time : '02:00');

export function ScheduleForm(props: { initial: ScheduleView | null; downloadsAllowed: boolean; busy: boolean; onSave(input: ScheduleInput): Promise<void>; onCancel(): void }) {
  const { initial } = props;
  const [kind, setKind] = useState<ScheduleKind>(initial?.kind ?? 'assessment');
  const [name, setName] = useState(initial?.name ?? '');
  const [repeat, setRepeat] = useState<Repeat>(initial ? repeatOf(initial.cron) : DEFAULT_REPEAT.assessment);
  const [timezone, setTimezone] = useState(initial?.timezone ?? '');
  const [tag, setTag] = useState(initial?.options.tag ?? '');
  const [folder, setFolder] = useState(initial?.options.folder ?? '');
  const [error, setError] = useState<string | null>(null);
  const cron = cronFor(repeat);

  const changeKind = (k: ScheduleKind): void => {
    setKind(k);
    if (!initial) setRepeat(DEFAULT_REPEAT[k]);
  };
  const changeEvery = (every: Repeat['every']): void => {
    const t = time(repeat);
    if (every === 'day' || every === 'weekdays') setRepeat({ every, time: t });
    else if (every === 'week') setRepeat({ every, days: [1], time: t });
    else if (every === 'month') setRepeat({ every, day: 1, time: t });
    else if (every === 'hours') setRepeat({ every, hours: 6, minute: 0 });
    else setRepeat({ every, cron });
  };
  const save = async (): Promise<void> => {
    setError(null);
    try {
      await props.onSave({
        ...(initial ? { id: initial.id } : {}),
        kind,
        name: name.trim() || KIND_LABEL[kind],
        cron,
        timezone: timezone.trim() || null,
        enabled: initial?.enabled ?? true,
        options: kind === 'assessment' ? { tag: tag.trim() || null } : kind === 'report' ? { folder: folder.trim() } : {},
      });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <form className="form schedule-form" aria-label={initial ? 'Edit schedule' : 'New schedule'} onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="field">
        <label htmlFor="sch-kind">Runs</label>
        <select id="sch-kind" value={kind} onChange={(e) => changeKind(e.target.value as ScheduleKind)}>
          {(Object.keys(KIND_LABEL) as ScheduleKind[]).map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}
        </select>
      </div>
      {kind === 'feeds' && !props.downloadsAllowed && <p className="hint">Downloading feeds is off (Settings → Vulnerability feeds): this schedule skips its runs until it is allowed.</p>}
      <div className="field">
        <label htmlFor="sch-name">Name</label>
        <input id="sch-name" value={name} placeholder={KIND_LABEL[kind]} onChange={(e) => setName(e.target.value)} />
      </div>
      {kind === 'assessment' && (
        <div className="field">
          <label htmlFor="sch-tag">Machines tagged (empty: every machine)</label>
          <input id="sch-tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        </div>
      )}
      {kind === 'report' && (
        <div className="field">
          <label htmlFor="sch-folder">Folder (absolute, on the computer running Patchwell)</label>
          <input id="sch-folder" value={folder} placeholder="/srv/share/reports" onChange={(e) => setFolder(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="sch-every">Repeat</label>
        <select id="sch-every" value={repeat.every} onChange={(e) => changeEvery(e.target.value as Repeat['every'])}>
          <option value="day">Every day</option>
          <option value="weekdays">Every weekday</option>
          <option value="week">On some days of the week</option>
          <option value="month">Once a month</option>
          <option value="hours">Every few hours</option>
          <option value="custom">Custom (cron expression)</option>
        </select>
      </div>
      {repeat.every === 'week' && (
        <fieldset className="inline" aria-label="Days">
          {DAYS.map((d, i) => (
            <label key={d} className="inline">
              <input
                type="checkbox"
                checked={repeat.days.includes(i)}
                onChange={(e) => setRepeat({ ...repeat, days: e.target.checked ? [...repeat.days, i] : repeat.days.filter((x) => x !== i) })}
              />
              {d}
            </label>
          ))}
        </fieldset>
      )}
      {repeat.every === 'month' && (
        <div className="field">
          <label htmlFor="sch-day">Day of the month</label>
          <input id="sch-day" type="number" min={1} max={31} value={repeat.day} onChange={(e) => setRepeat({ ...repeat, day: Math.min(31, Math.max(1, Number(e.target.value) || 1)) })} />
        </div>
      )}
      {repeat.every === 'hours' && (
        <div className="field">
          <label htmlFor="sch-hours">Every how many hours</label>
          <input id="sch-hours" type="number" min={1} max={23} value={repeat.hours} onChange={(e) => setRepeat({ ...repeat, hours: Math.min(23, Math.max(1, Number(e.target.value) || 1)) })} />
        </div>
      )}
      {'time' in repeat && (
        <div className="field">
          <label htmlFor="sch-time">At</label>
          <input id="sch-time" type="time" value={repeat.time} onChange={(e) => setRepeat({ ...repeat, time: e.target.value })} />
        </div>
      )}
      {repeat.every === 'custom' && (
        <div className="field">
          <label htmlFor="sch-cron">Cron expression (minute hour day month weekday)</label>
          <input id="sch-cron" value={repeat.cron} onChange={(e) => setRepeat({ every: 'custom', cron: e.target.value })} />
        </div>
      )}
      <div className="field">
        <label htmlFor="sch-zone">Time zone (empty: this computer’s)</label>
        <input id="sch-zone" value={timezone} placeholder="e.g. Europe/Berlin" onChange={(e) => setTimezone(e.target.value)} />
      </div>
      <p className="hint" aria-live="polite">{describeCron(cron)}</p>
      {error && <div className="banner error" role="alert">{error}</div>}
      <div className="actions">
        <button type="submit" className="primary" disabled={props.busy || (kind === 'report' && !folder.trim())}>
          {initial ? 'Save schedule' : 'Add schedule'}
        </button>
        <button type="button" onClick={props.onCancel}>Cancel</button>
      </div>
    </form>
  );
}
