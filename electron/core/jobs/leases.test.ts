import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import { insertJob, markInterrupted } from './job-queries';
import { acquireLease, LEASE_TTL_MS, liveLeases, processAlive, ProcessRegistration, releaseLease, type ProcessCheck } from './leases';

/**
 * Two "processes" on one data folder: two connections to one database file, each with its own registration.
 * The clock and the table of live pids are the test's, so expiry and a dead process are decided, not waited for.
 */
let dir: string;
let a: Db;
let b: Db;
let now: number;
const alivePids = new Set<number>([1001, 1002]);
const check: ProcessCheck = { now: () => now, pidAlive: (pid) => alivePids.has(pid), hostname: 'office-pc' };
let hostId: number;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-lease-'));
  a = openDatabase(path.join(dir, 'patchwell.db'));
  b = openDatabase(path.join(dir, 'patchwell.db'));
  now = 1_800_000_000_000;
  alivePids.clear();
  alivePids.add(1001).add(1002);
  hostId = insertHost(a, { address: '127.0.0.11' }).id;
});
afterEach(() => {
  closeDatabase(a);
  closeDatabase(b);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('machine leases', () => {
  it('lets one process work on a machine and tells the other who does, until it is given back', () => {
    const app = new ProcessRegistration(a, 'app', check, 1001);
    const cli = new ProcessRegistration(b, 'cli', check, 1002);
    expect(acquireLease(a, hostId, { holder: app.id, jobId: 7, purpose: 'deployment 3' }, check)).toEqual({ ok: true });
    const refused = acquireLease(b, hostId, { holder: cli.id, jobId: 8, purpose: 'assessment job 8' }, check);
    expect(refused).toEqual({ ok: false, purpose: 'deployment 3', jobId: 7, since: now });
    // The holder may take it again for a resumed job, once the job that took it no longer runs.
    expect(acquireLease(a, hostId, { holder: app.id, jobId: 9, purpose: 'deployment 3 (resumed)', jobRunning: () => false }, check)).toEqual({ ok: true });
    expect([...liveLeases(b, [hostId], check).values()].map((l) => l.purpose)).toEqual(['deployment 3 (resumed)']);
    releaseLease(b, hostId, cli.id); // not the holder: nothing happens
    expect(acquireLease(b, hostId, { holder: cli.id, jobId: 8, purpose: 'x' }, check).ok).toBe(false);
    releaseLease(a, hostId, app.id);
    expect(acquireLease(b, hostId, { holder: cli.id, jobId: 8, purpose: 'assessment job 8' }, check)).toEqual({ ok: true });
  });

  it('keeps a second job of the same process out while the first runs, and gives back only its own lease', () => {
    const app = new ProcessRegistration(a, 'app', check, 1001);
    const running = new Set([7]);
    const jobRunning = (id: number): boolean => running.has(id);
    expect(acquireLease(a, hostId, { holder: app.id, jobId: 7, purpose: 'deployment 3', jobRunning }, check)).toEqual({ ok: true });
    // A rollback or an assessment in the same process, while the deployment runs: refused, with who has it.
    expect(acquireLease(a, hostId, { holder: app.id, jobId: 8, purpose: 'rollback 4', jobRunning }, check)).toEqual({ ok: false, purpose: 'deployment 3', jobId: 7, since: now });
    // Not told which jobs run: taken as running, never walked into.
    expect(acquireLease(a, hostId, { holder: app.id, jobId: 8, purpose: 'rollback 4' }, check).ok).toBe(false);
    // The same job takes it again (its next machine run).
    expect(acquireLease(a, hostId, { holder: app.id, jobId: 7, purpose: 'deployment 3', jobRunning }, check).ok).toBe(true);
    // A job that never got the lease cannot give it back.
    releaseLease(a, hostId, app.id, 8);
    expect([...liveLeases(a, [hostId], check).values()].map((l) => l.jobId)).toEqual([7]);
    // The deployment ended without its release being written (a full disk): the next job takes it over.
    running.delete(7);
    expect(acquireLease(a, hostId, { holder: app.id, jobId: 8, purpose: 'rollback 4', jobRunning }, check)).toEqual({ ok: true });
    releaseLease(a, hostId, app.id, 8);
    expect(liveLeases(a, [hostId], check).size).toBe(0);
  });

  it('keeps a lease alive with the heartbeat and takes over one whose holder stopped renewing', () => {
    const app = new ProcessRegistration(a, 'app', check, 1001);
    const host = new ProcessRegistration(b, 'host', check, 1002);
    acquireLease(a, hostId, { holder: app.id, jobId: 1, purpose: 'deployment 1' }, check);
    now += LEASE_TTL_MS - 1_000;
    app.beat();
    now += LEASE_TTL_MS - 1_000;
    expect(acquireLease(b, hostId, { holder: host.id, jobId: 2, purpose: 'deployment 2' }, check).ok).toBe(false);
    // No heartbeat for longer than a lease lasts: the holder is taken for dead (hung, or on another computer).
    now += 2_000;
    expect(acquireLease(b, hostId, { holder: host.id, jobId: 2, purpose: 'deployment 2' }, check)).toEqual({ ok: true });
  });

  it('takes over at once from a process of this computer that is gone', () => {
    const app = new ProcessRegistration(a, 'app', check, 1001);
    const again = new ProcessRegistration(b, 'app', check, 1002);
    acquireLease(a, hostId, { holder: app.id, jobId: 1, purpose: 'deployment 1' }, check);
    alivePids.delete(1001); // the app crashed; the user starts it again
    expect(processAlive(b, app.id, check)).toBe(false);
    expect(acquireLease(b, hostId, { holder: again.id, jobId: 2, purpose: 'deployment 1 (repair)' }, check)).toEqual({ ok: true });
  });

  it('gives back every lease when the process stops', () => {
    const app = new ProcessRegistration(a, 'app', check, 1001);
    const cli = new ProcessRegistration(b, 'cli', check, 1002);
    acquireLease(a, hostId, { holder: app.id, jobId: 1, purpose: 'deployment 1' }, check);
    app.stop();
    expect(acquireLease(b, hostId, { holder: cli.id, jobId: 2, purpose: 'assessment' }, check).ok).toBe(true);
  });
});

describe('start-up recovery with two processes on one folder', () => {
  it('marks only the jobs of dead processes interrupted', () => {
    const app = new ProcessRegistration(a, 'app', check, 1001);
    const dead = new ProcessRegistration(a, 'app', check, 1003);
    const live = insertJob(a, 'deploy', 'running in the app', null, now, app.id);
    const orphan = insertJob(a, 'deploy', 'left by a crash', null, now, dead.id);
    const old = insertJob(a, 'assess', 'from before owners were recorded', null, now, null);
    a.prepare(`UPDATE jobs SET state = 'running'`).run();
    const second = new ProcessRegistration(b, 'host', check, 1002);
    const marked = markInterrupted(b, now, (id) => id === second.id || processAlive(b, id, check));
    expect(marked.sort()).toEqual([orphan, old].sort());
    expect((a.prepare('SELECT state FROM jobs WHERE id = ?').get(live) as { state: string }).state).toBe('running');
  });
});
