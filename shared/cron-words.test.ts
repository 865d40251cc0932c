import { describe, expect, it } from 'vitest';
import { cronFor, describeCron, ordinal, repeatOf, type Repeat } from './cron-words';

describe('cron expressions in words', () => {
  it.each([
    ['0 2 * * *', 'Every day at 02:00'],
    ['30 6 * * 1-5', 'Every weekday (Monday to Friday) at 06:30'],
    ['0 22 * * 1,4', 'Every Monday and Thursday at 22:00'],
    ['0 22 * * 2,4,6', 'Every Tuesday, Thursday and Saturday at 22:00'],
    ['0 3 * * 0', 'Every Sunday at 03:00'],
    ['0 3 * * 7', 'Every Sunday at 03:00'],
    ['0 9 * * 6,0', 'Every Saturday and Sunday at 09:00'],
    ['0 6 1 * *', 'On the 1st of every month at 06:00'],
    ['15 23 22 * *', 'On the 22nd of every month at 23:15'],
    ['0 6 31 * *', 'On the 31st of every month at 06:00 (months without a 31st are skipped)'],
    ['5 */6 * * *', 'Every 6 hours from midnight, at 05 minutes past'],
    ['0 * * * *', 'Every hour, on the hour'],
  ])('%s → %s', (expr, words) => {
    expect(describeCron(expr)).toBe(words);
  });

  it('shows what it cannot describe as the expression itself rather than guessing', () => {
    expect(describeCron('0 2 1 1 *')).toBe('Custom: “0 2 1 1 *”');
    expect(describeCron('0 2 1 * 1')).toBe('Custom: “0 2 1 * 1”');
    expect(describeCron('*/5 2 * * *')).toBe('Custom: “*/5 2 * * *”');
    expect(describeCron('0 25 * * *')).toBe('Custom: “0 25 * * *”');
    expect(describeCron('0 2 * *')).toBe('Custom: “0 2 * *”');
    expect(describeCron('0 2 * * 5-1')).toBe('Custom: “0 2 * * 5-1”');
  });

  it('writes ordinals as English does', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '31st']);
  });
});

describe('the form’s repeats as expressions and back', () => {
  it.each([
    [{ every: 'day', time: '02:00' }, '0 2 * * *'],
    [{ every: 'weekdays', time: '06:30' }, '30 6 * * 1-5'],
    [{ every: 'week', days: [4, 1], time: '22:05' }, '5 22 * * 1,4'],
    [{ every: 'month', day: 1, time: '06:00' }, '0 6 1 * *'],
    [{ every: 'hours', hours: 6, minute: 15 }, '15 */6 * * *'],
    [{ every: 'custom', cron: ' 0 2 1 1 * ' }, '0 2 1 1 *'],
  ] as const)('%o ⇄ %s', (repeat, cron) => {
    expect(cronFor(repeat as Repeat)).toBe(cron);
    const back = repeatOf(cron);
    expect(cronFor(back)).toBe(cron);
  });

  it('reads an expression it does not offer as custom', () => {
    expect(repeatOf('0 2 1 * 1')).toEqual({ every: 'custom', cron: '0 2 1 * 1' });
    expect(repeatOf('nonsense')).toEqual({ every: 'custom', cron: 'nonsense' });
  });
});
