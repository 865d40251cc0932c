import { describe, expect, it } from 'vitest';
import { digestDue, lastSlot } from './digest-due';

// Local times, built with the local constructor: the tests hold in any time zone the machine is set to.
const at = (d: number, h: number, m = 0): number => new Date(2026, 11, d, h, m).getTime();

describe('digestDue', () => {
  it('is due once the time of day has passed since the last digest, and not again that day', () => {
    expect(digestDue(at(4, 6, 59), at(3, 7, 0), '07:00')).toBe(false);
    expect(digestDue(at(4, 7, 0), at(3, 7, 0), '07:00')).toBe(true);
    expect(digestDue(at(4, 7, 1), at(4, 7, 0), '07:00')).toBe(false);
    expect(digestDue(at(4, 23, 59), at(4, 7, 0), '07:00')).toBe(false);
    expect(digestDue(at(5, 7, 0), at(4, 7, 0), '07:00')).toBe(true);
  });

  it('sends one digest after days off, not one per missed morning', () => {
    expect(digestDue(at(10, 9, 30), at(4, 7, 0), '07:00')).toBe(true);
    expect(digestDue(at(10, 9, 31), at(10, 9, 30), '07:00')).toBe(false);
  });

  it('waits for the next slot when switched on after today’s time; never sent is due at the first slot', () => {
    expect(digestDue(at(4, 15, 0), at(4, 15, 0), '07:00')).toBe(false);
    expect(digestDue(at(5, 6, 59), at(4, 15, 0), '07:00')).toBe(false);
    expect(digestDue(at(5, 7, 0), at(4, 15, 0), '07:00')).toBe(true);
    expect(digestDue(at(4, 15, 0), null, '07:00')).toBe(true);
  });

  it('finds the last slot across midnight and month ends', () => {
    expect(lastSlot(at(4, 0, 30), '23:45')).toBe(at(3, 23, 45));
    expect(lastSlot(new Date(2027, 0, 1, 5, 0).getTime(), '07:00')).toBe(new Date(2026, 11, 31, 7, 0).getTime());
    expect(lastSlot(at(4, 7, 0), '07:00')).toBe(at(4, 7, 0));
  });
});
