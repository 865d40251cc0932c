import { describe, expect, it } from 'vitest';
import { describeRule, instantOf, isOpen, nextWindow, wallClock } from './window';

const tue2am = { days: [2], start: '02:00', minutes: 180 };

describe('maintenance windows', () => {
  it('finds the next Tuesday 02:00 in the machine zone', () => {
    // Monday 2026-11-23 12:00 UTC; Berlin is UTC+1 in November.
    const now = Date.UTC(2026, 10, 23, 12, 0);
    const w = nextWindow([tue2am], 'Europe/Berlin', now)!;
    expect(new Date(w.start).toISOString()).toBe('2026-11-24T01:00:00.000Z');
    expect(w.end - w.start).toBe(3 * 3600_000);
    expect(isOpen([tue2am], 'Europe/Berlin', now)).toBe(false);
    expect(isOpen([tue2am], 'Europe/Berlin', w.start + 60_000)).toBe(true);
    expect(isOpen([tue2am], 'Europe/Berlin', w.end)).toBe(false);
  });

  it('reports a window that opened before now and is still open', () => {
    const now = Date.UTC(2026, 10, 24, 2, 30); // 03:30 Berlin, inside 02:00–05:00
    const w = nextWindow([tue2am], 'Europe/Berlin', now)!;
    expect(new Date(w.start).toISOString()).toBe('2026-11-24T01:00:00.000Z');
    expect(isOpen([tue2am], 'Europe/Berlin', now)).toBe(true);
  });

  it('crosses midnight and merges overlapping rules', () => {
    const late = { days: [5], start: '23:00', minutes: 120 }; // Friday 23:00 → Saturday 01:00
    const early = { days: [6], start: '00:30', minutes: 60 }; // Saturday 00:30 → 01:30
    const now = Date.UTC(2026, 10, 27, 12); // Friday noon UTC
    const w = nextWindow([late, early], 'UTC', now)!;
    expect(new Date(w.start).toISOString()).toBe('2026-11-27T23:00:00.000Z');
    expect(new Date(w.end).toISOString()).toBe('2026-11-28T01:30:00.000Z');
  });

  it('handles the spring-forward gap and the autumn repeat', () => {
    // 2026-03-29: Berlin jumps from 02:00 to 03:00. 02:30 does not exist → runs at 03:30 local (01:30 UTC).
    const gap = instantOf(2026, 3, 29, 2, 30, 'Europe/Berlin');
    expect(wallClock(gap, 'Europe/Berlin').hour).toBe(3);
    // 2026-10-25: 02:30 happens twice; the first is 00:30 UTC.
    const repeat = instantOf(2026, 10, 25, 2, 30, 'Europe/Berlin');
    expect(new Date(repeat).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('uses the zone given, not the computer zone', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0);
    const ny = nextWindow([tue2am], 'America/New_York', now)!;
    expect(new Date(ny.start).toISOString()).toBe('2026-11-24T07:00:00.000Z');
  });

  it('no rules: no window, always open', () => {
    expect(nextWindow([], 'UTC', 0)).toBeNull();
    expect(isOpen([], 'UTC', 0)).toBe(true);
  });

  it('describes a rule in plain words', () => {
    expect(describeRule({ days: [4, 2], start: '02:00', minutes: 180 })).toBe('Tue, Thu 02:00 for 3 h');
    expect(describeRule({ days: [0], start: '22:15', minutes: 45 })).toBe('Sun 22:15 for 45 min');
  });
});
