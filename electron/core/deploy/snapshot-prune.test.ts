import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../core';
import { insertSnapshot, listSnapshots } from './snapshot-queries';

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

const DAY = 86_400_000;
const meta = { packages: [], unavailable: [] };

describe('snapshot retention and pruning', () => {
  it('saves the retention and deletes what it no longer keeps; a snapshot that cannot be deleted is named in the log and the rest go on', async () => {
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-prune-')), runtime: 'browser', checkResults: true, scheduler: false });
    const db = core.services.db;
    expect(await core.call('snapshots/retention')).toEqual({ keepPerHost: 5, maxAgeDays: 90 });
    const h = await core.call('machines/create', { address: '127.0.0.2', displayName: 'Front desk' });
    const now = Date.now();
    // Oldest first: two package snapshots (records only) and a btrfs one that needs the machine, which has no credential.
    const oldPkg = insertSnapshot(db, { hostId: h.id, deploymentId: null, provider: 'package', ref: 'packages', sizeBytes: null, meta }, now - 30 * DAY);
    const oldFs = insertSnapshot(db, { hostId: h.id, deploymentId: null, provider: 'btrfs', ref: '/.snapshots/pw-1', sizeBytes: null, meta }, now - 20 * DAY);
    const midPkg = insertSnapshot(db, { hostId: h.id, deploymentId: null, provider: 'package', ref: 'packages', sizeBytes: null, meta }, now - 10 * DAY);
    const newest = insertSnapshot(db, { hostId: h.id, deploymentId: null, provider: 'package', ref: 'packages', sizeBytes: null, meta }, now - DAY);

    const { jobId, toDelete } = await core.call('snapshots/prune', { keepPerHost: 1, maxAgeDays: 0 });
    expect(toDelete).toBe(3);
    await core.services.jobs.idle();
    expect(await core.call('snapshots/retention')).toEqual({ keepPerHost: 1, maxAgeDays: 0 });
    const state = new Map(listSnapshots(db, h.id).map((s) => [s.id, s.state]));
    expect([state.get(oldPkg), state.get(oldFs), state.get(midPkg), state.get(newest)]).toEqual(['deleted', 'ready', 'deleted', 'ready']);
    const job = await core.call('jobs/get', { id: jobId! });
    expect(job).toMatchObject({ kind: 'rollback', state: 'partial', summary: '2 of 3 snapshots deleted' });
    const log = (await core.call('jobs/log', { id: jobId! })).map((l) => l.message).join('\n');
    expect(log).toMatch(/^Could not delete snapshot \/\.snapshots\/pw-1 on Front desk: /m);
    const audit = (await core.call('audit/list', {})).map((e) => e.action);
    expect(audit.filter((a) => a === 'snapshot.delete')).toHaveLength(2);
    expect(audit).toContain('snapshots.prune');
  });

  it('starts no job when nothing is to be pruned', async () => {
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-prune-')), runtime: 'browser', checkResults: true, scheduler: false });
    expect(await core.call('snapshots/prune', { keepPerHost: 3, maxAgeDays: 30 })).toEqual({ jobId: null, toDelete: 0 });
    expect(await core.call('jobs/list', {})).toEqual([]);
  });
});
