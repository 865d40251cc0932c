/**
 * Cron expressions in plain words, for the forms the Schedules view offers (every day, weekdays, some days of
 * the week, a day of the month, every few hours). Anything else is shown as the expression itself, marked custom,
 * rather than described wrongly. Pure: used by the core's list and by the form as the user types.
 */

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const num = (s: string, min: number, max: number): number | null => {
  if (!/^\d{1,2}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
};

const two = (n: number): string => String(n).padStart(2, '0');

export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Days of the week from a cron field ("1,4", "1-5", "0"; 7 is Sunday too); null when it is not such a list. */
function weekdays(field: string): number[] | null {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const range = /^(\d)-(\d)$/.exec(part);
    if (range) {
      const a = num(range[1]!, 0, 7);
      const b = num(range[2]!, 0, 7);
      if (a === null || b === null || a > b) return null;
      for (let d = a; d <= b; d++) out.add(d % 7);
      continue;
    }
    const d = num(part, 0, 7);
    if (d === null) return null;
    out.add(d % 7);
  }
  return [...out].sort((x, y) => x - y);
}

/** "Every day at 02:00", "Every Monday and Thursday at 06:30", "On the 1st of every month at 06:00" … */
export function describeCron(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  const custom = `Custom: “${expression.trim()}”`;
  if (fields.length !== 5) return custom;
  const [mi, ho, dom, mon, dow] = fields as [string, string, string, string, string];
  const minute = num(mi, 0, 59);
  if (minute === null || mon !== '*') return custom;
  if (ho === '*' && dom === '*' && dow === '*') return minute === 0 ? 'Every hour, on the hour' : `Every hour at ${two(minute)} minutes past`;
  const every = /^\*\/(\d{1,2})$/.exec(ho);
  if (every && dom === '*' && dow === '*') {
    const n = num(every[1]!, 1, 23);
    if (n === null) return custom;
    return `Every ${n === 1 ? 'hour' : `${n} hours`} from midnight, at ${two(minute)} minutes past`;
  }
  const hour = num(ho, 0, 23);
  if (hour === null) return custom;
  const at = `at ${two(hour)}:${two(minute)}`;
  if (dom === '*' && dow === '*') return `Every day ${at}`;
  if (dom === '*') {
    const days = weekdays(dow);
    if (!days || days.length === 0) return custom;
    if (days.length === 7) return `Every day ${at}`;
    if (days.join(',') === '1,2,3,4,5') return `Every weekday (Monday to Friday) ${at}`;
    if (days.join(',') === '0,6') return `Every Saturday and Sunday ${at}`;
    return `Every ${listWords(days.map((d) => DAY_NAMES[d]!))} ${at}`;
  }
  if (dow === '*') {
    const day = num(dom, 1, 31);
    if (day === null) return custom;
    const note = day > 28 ? ` (months without a ${ordinal(day)} are skipped)` : '';
    return `On the ${ordinal(day)} of every month ${at}${note}`;
  }
  return custom;
}

/** The repeats the Schedules form offers; anything else is edited as a custom expression. */
export type Repeat =
  | { every: 'day'; time: string }
  | { every: 'weekdays'; time: string }
  | { every: 'week'; days: number[]; time: string }
  | { every: 'month'; day: number; time: string }
  | { every: 'hours'; hours: number; minute: number }
  | { every: 'custom'; cron: string };

const hm = (time: string): [number, number] => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time);
  return m ? [Math.min(23, Number(m[1])), Math.min(59, Number(m[2]))] : [0, 0];
};

/** The cron expression of a repeat chosen in the form. */
export function cronFor(r: Repeat): string {
  if (r.every === 'custom') return r.cron.trim();
  if (r.every === 'hours') return `${r.minute} */${r.hours} * * *`;
  const [h, m] = hm(r.time);
  if (r.every === 'day') return `${m} ${h} * * *`;
  if (r.every === 'weekdays') return `${m} ${h} * * 1-5`;
  if (r.every === 'week') return `${m} ${h} * * ${[...new Set(r.days)].sort((a, b) => a - b).join(',') || '1'}`;
  return `${m} ${h} ${r.day} * *`;
}

/** The form's repeat for an expression: one of the offered shapes when it is one, else custom. */
export function repeatOf(cron: string): Repeat {
  const fields = cron.trim().split(/\s+/);
  const custom: Repeat = { every: 'custom', cron: cron.trim() };
  if (fields.length !== 5 || fields[3] !== '*') return custom;
  const [mi, ho, dom, , dow] = fields as [string, string, string, string, string];
  const minute = num(mi, 0, 59);
  if (minute === null) return custom;
  const every = /^\*\/(\d{1,2})$/.exec(ho);
  if (every && dom === '*' && dow === '*') {
    const hours = num(every[1]!, 1, 23);
    return hours === null ? custom : { every: 'hours', hours, minute };
  }
  const hour = num(ho, 0, 23);
  if (hour === null) return custom;
  const time = `${two(hour)}:${two(minute)}`;
  if (dom === '*' && dow === '*') return { every: 'day', time };
  if (dom === '*') {
    const days = weekdays(dow);
    if (!days || days.length === 0) return custom;
    return days.join(',') === '1,2,3,4,5' ? { every: 'weekdays', time } : { every: 'week', days, time };
  }
  const day = dow === '*' ? num(dom, 1, 31) : null;
  return day === null ? custom : { every: 'month', day, time };
}
