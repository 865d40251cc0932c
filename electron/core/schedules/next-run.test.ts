import { describe, expect, it } from 'vitest';
import { cronProblem, dueRun, nextRuns, previousRun, type Timed } from './next-run';

const at = (iso: string): number => Date.parse(iso);
const nightly = (over: Partial<Timed> = {}): Timed => ({ cron: '0 2 * * *', timezone: null, enabled: true, createdAt: at('2026-03-01T12:00:00Z'), updatedAt: at('2026-03-01T12:00:00Z'), lastRunAt: null, ...over });

describe('next run times', () => {
  it('lists the next three runs in the schedule’s zone', () => {
    const s = nightly();
    expect(nextRuns(s, 'UTC', at('2026-03-01T12:00:00Z')).map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-02T02:00:00.000Z', '2026-03-03T02:00:00.000Z', '2026-03-04T02:00:00.000Z',
    ]);
    // 02:00 in Berlin is 01:00 UTC in winter.
    expect(new Date(nextRuns(s, 'Europe/Berlin', at('2026-03-01T12:00:00Z'), 1)[0]!).toISOString()).toBe('2026-03-02T01:00:00.000Z');
  });

  it('lists none while disabled', () => {
    expect(nextRuns(nightly({ enabled: false }), 'UTC', at('2026-03-01T12:00:00Z'))).toEqual([]);
  });

  it('a monthly report runs on the 1st of each calendar month, not every 30 days', () => {
    const s = nightly({ cron: '0 6 1 * *' });
    expect(nextRuns(s, 'UTC', at('2026-01-15T00:00:00Z'), 3).map((t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2026-02-01', '2026-03-01', '2026-04-01']);
    expect(new Date(previousRun(s, 'UTC', at('2026-03-01T06:00:00Z'))!).toISOString()).toBe('2026-02-01T06:00:00.000Z');
  });
});

describe('due runs', () => {
  it('is not due before its time, due at it, and not again after it ran', () => {
    const s = nightly();
    expect(dueRun(s, 'UTC', at('2026-03-02T01:59:59Z'))).toBeNull();
    expect(dueRun(s, 'UTC', at('2026-03-02T02:00:00Z'))).toEqual({ at: at('2026-03-02T02:00:00Z'), missed: 0 });
    expect(dueRun({ ...s, lastRunAt: at('2026-03-02T02:00:30Z') }, 'UTC', at('2026-03-02T02:01:00Z'))).toBeNull();
    expect(dueRun({ ...s, lastRunAt: at('2026-03-02T02:00:30Z') }, 'UTC', at('2026-03-03T02:00:00Z'))).not.toBeNull();
  });

  it('a schedule created after today’s time waits for tomorrow’s', () => {
    expect(dueRun(nightly({ createdAt: at('2026-03-02T03:00:00Z') }), 'UTC', at('2026-03-02T12:00:00Z'))).toBeNull();
  });

  it('runs missed while closed are one due run, with the count of the others', () => {
    const s = nightly({ lastRunAt: at('2026-03-02T02:00:00Z') });
    expect(dueRun(s, 'UTC', at('2026-03-06T09:00:00Z'))).toEqual({ at: at('2026-03-03T02:00:00Z'), missed: 3 });
  });

  it('a schedule enabled again (or edited) does not make up what it missed before', () => {
    const s = nightly({ lastRunAt: at('2026-03-02T02:00:00Z'), updatedAt: at('2026-03-06T08:00:00Z') });
    expect(dueRun(s, 'UTC', at('2026-03-06T09:00:00Z'))).toBeNull();
    expect(dueRun(s, 'UTC', at('2026-03-07T02:00:00Z'))).toEqual({ at: at('2026-03-07T02:00:00Z'), missed: 0 });
  });

  it('is never due while disabled', () => {
    expect(dueRun(nightly({ enabled: false }), 'UTC', at('2026-03-09T00:00:00Z'))).toBeNull();
  });
});

describe('checking an expression', () => {
  it('accepts five fields in a known zone', () => {
    expect(cronProblem('0 2 * * 1-5', 'Europe/Berlin')).toBeNull();
    expect(cronProblem('0 2 * * *', null)).toBeNull();
  });

  it('refuses the rest, saying why', () => {
    expect(cronProblem('0 2 * * *', 'Mars/Olympus')).toMatch(/Unknown time zone/);
    expect(cronProblem('0 0 2 * * *', null)).toMatch(/five fields/);
    expect(cronProblem('0 2 * *', null)).toMatch(/five fields/);
    expect(cronProblem('61 2 * * *', null)).toMatch(/Not a valid schedule/);
    expect(cronProblem('0 2 30 2 *', null)).toMatch(/never runs|Not a valid/);
  });
});
