import { describe, expect, it } from 'vitest';
import type { PatchRow } from '../../../shared/contract';
import { openDatabase } from '../db/open';
import { EventBus } from '../event-bus';
import { PatchRowsCache } from './patch-cache';

describe('PatchRowsCache', () => {
  it('builds once, rebuilds after inventory/changed and after the time limit, and never on other events', () => {
    const db = openDatabase(':memory:');
    const events = new EventBus();
    const builds: number[] = [];
    const cache = new PatchRowsCache(events, (_db, now) => {
      builds.push(now);
      return [] as PatchRow[];
    }, 1000);
    const first = cache.get(db, 10_000);
    expect(cache.get(db, 10_500)).toBe(first);
    expect(builds).toEqual([10_000]);
    events.emit('job/log', { lines: [] });
    cache.get(db, 10_600);
    expect(builds).toEqual([10_000]);
    events.emit('inventory/changed', { hostIds: [1], reason: 'approved' });
    expect(cache.get(db, 10_700)).not.toBe(first);
    expect(builds).toEqual([10_000, 10_700]);
    cache.get(db, 11_699);
    expect(builds).toEqual([10_000, 10_700]);
    cache.get(db, 11_700);
    expect(builds).toEqual([10_000, 10_700, 11_700]);
    // A clock set back rebuilds rather than trusting rows from the future.
    cache.get(db, 5_000);
    expect(builds).toEqual([10_000, 10_700, 11_700, 5_000]);
  });
});
