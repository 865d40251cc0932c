/**
 * Maintenance windows: weekly rules read in the machine's own time zone ("Tuesdays and Thursdays from
 * 02:00 for 3 hours, office time"). Pure functions over epoch milliseconds, so they are tested on DST edges.
 */
import type { MaintenanceWindows, WindowRule } from '../../../shared/contract/deploy';

export type { WindowRule };

export interface WindowSpan {
  start: number;
  end: number;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone name. */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall-clock reading of an instant in a zone. */
export function wallClock(t: number, timeZone: string): Wall {
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday ?? ''] ?? 0,
  };
}

/** Zone offset (ms, local − UTC) at an instant. */
function offsetAt(t: number, timeZone: string): number {
  const w = wallClock(t, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in a zone. A time skipped by a DST jump resolves to the instant
 * after the jump (02:30 on a spring-forward night runs at 03:30); a repeated one to its first occurrence.
 */
export function instantOf(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // The zone's offsets half a day either side cover any transition near this wall time.
  const before = offsetAt(guess - 12 * 3600_000, timeZone);
  const after = offsetAt(guess + 12 * 3600_000, timeZone);
  const matches = [...new Set([guess - before, guess - after])]
    .filter((c) => {
      const w = wallClock(c, timeZone);
      return w.day === day && w.hour === hour && w.minute === minute;
    })
    .sort((a, b) => a - b);
  // In a gap no instant reads this wall time; the old offset lands just after the jump.
  return matches[0] ?? guess - before;
}

/**
 * The window that is open at `now` or opens next, over every rule; null when there are no rules.
 * Spans are merged when rules overlap (a window still open counts as open now).
 */
export function nextWindow(rules: readonly WindowRule[], timeZone: string, now: number): WindowSpan | null {
  if (rules.length === 0) return null;
  const today = wallClock(now, timeZone);
  const spans: WindowSpan[] = [];
  // From yesterday (a window that started last night may still be open) to eight days out.
  for (let offset = -1; offset <= 8; offset++) {
    const noonUtc = Date.UTC(today.year, today.month - 1, today.day + offset, 12);
    const d = new Date(noonUtc);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const weekday = d.getUTCDay();
    for (const r of rules) {
      if (!r.days.includes(weekday)) continue;
      const [hh, mm] = r.start.split(':').map(Number) as [number, number];
      const start = instantOf(y, m, day, hh, mm, timeZone);
      spans.push({ start, end: start + r.minutes * 60_000 });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  let best: WindowSpan | null = null;
  for (const s of spans) {
    if (s.end <= now) continue;
    if (!best) best = { ...s };
    else if (s.start <= best.end) best.end = Math.max(best.end, s.end);
    else break;
  }
  return best;
}

/** True when a window is open at `now` (no rules: always open). */
export function isOpen(rules: readonly WindowRule[], timeZone: string, now: number): boolean {
  const w = nextWindow(rules, timeZone, now);
  return w === null ? rules.length === 0 : w.start <= now && now < w.end;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Tue, Thu 02:00 for 3 h" */
export function describeRule(r: WindowRule): string {
  const days = [...r.days].sort((a, b) => a - b).map((d) => DAY_NAMES[d]).join(', ');
  const h = r.minutes / 60;
  const length = Number.isInteger(h) ? `${h} h` : `${r.minutes} min`;
  return `${days} ${r.start} for ${length}`;
}

/** The rules that apply to a machine: those of its tags, else the fleet-wide ones ('' tag). */
export function windowsFor(all: readonly MaintenanceWindows[], tags: readonly string[]): WindowRule[] {
  const own = all.filter((w) => w.tag !== '' && tags.includes(w.tag)).flatMap((w) => w.rules);
  return own.length > 0 ? own : all.filter((w) => w.tag === '').flatMap((w) => w.rules);
}
