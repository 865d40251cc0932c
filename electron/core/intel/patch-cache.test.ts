import { describe, expect, it } from 'vitest';
import type { PatchRow } from '../../../shared/contract';
import { openDatabase } from '../db/open';
import { EventBus } from '../event-bus';
import { byMachineCache, machineRiskCache, openUpdatesCache, PatchRowsCache } from './patch-cache';

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

describe('the open updates shared by the Machines page, the by-machine view, the Dashboard and a rule preview', () => {
  it('are read once for all of them, and again after inventory/changed', () => {
    const db = openDatabase(':memory:');
    db.prepare(`INSERT INTO hosts (address, created_at, updated_at) VALUES ('127.0.0.2', 1, 1)`).run();
    const upd = db.prepare(`INSERT INTO pending_updates (host_id, package, arch, candidate_version, is_security, urgency, detected_at) VALUES (1, ?, 'amd64', '2', 1, 'high', 1)`);
    upd.run('curl');
    const events = new EventBus();
    const open = openUpdatesCache(events).get(db, 10_000);
    expect(open.length).toBe(1);
    expect(machineRiskCache(events).get(db, 10_000)[0]).toMatchObject({ openUpdates: 1 });
    expect(byMachineCache(events).get(db, 10_000)[0]!.updates).toHaveLength(1);
    // The same read served them all.
    expect(openUpdatesCache(events).get(db, 10_001)).toBe(open);
    upd.run('bash');
    // Not seen until the change is announced.
    expect(openUpdatesCache(events).get(db, 10_002).length).toBe(1);
    events.emit('inventory/changed', { hostIds: [1], reason: 'assessed' });
    expect(openUpdatesCache(events).get(db, 10_003).length).toBe(2);
    expect(machineRiskCache(events).get(db, 10_003)[0]).toMatchObject({ openUpdates: 2 });
  });
});
