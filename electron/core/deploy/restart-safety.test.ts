/**
 * Restart safety, through whole cores on one real SQLite file with the deploy clock injected: a deployment waiting
 * for its maintenance window goes on waiting after Patchwell stops (gracefully or not) and starts again; a window
 * missed meanwhile is not run late, the machine waits for the next one and its note says so; a deployment that
 * was running a machine is still interrupted, for Resume/Repair.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanView } from '../../../shared/contract';
import { listAudit } from '../audit/audit-log';
import { createCore, type Core } from '../core';
import { closeDatabase, openDatabase } from '../db/open';
import { insertJob, updateJob } from '../jobs/job-queries';
import { insertHost } from '../machines/machine-queries';
import { deployJob } from './deploy-job';
import { createDeployment, getDeployment, setDeploymentJob, setDeploySettings, setWindows, updateTarget } from './deploy-queries';

const at = (iso: string): number => Date.parse(iso);
// Every day 02:00–03:00, read in UTC (the machine's zone).
const DAILY_2AM = { days: [0, 1, 2, 3, 4, 5, 6], start: '02:00', minutes: 60 };

let dataDir: string;
let file: string;
const cores: Core[] = [];

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-restart-'));
  file = path.join(dataDir, 'patchwell.db');
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
});

function start(nowIso: string): Core {
  const core = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false, deployTimings: { clock: () => at(nowIso), windowPollMs: 20 } });
  cores.push(core);
  return core;
}

function planFor(hostId: number): PlanView {
  return {
    rings: [{ ring: 0, label: 'All', hosts: [{
      hostId, label: 'nas', ring: 0, cluster: null, window: null, windowText: 'next window', snapshotProvider: 'auto', allowReboot: false,
      items: [{ package: 'openssl', arch: 'amd64', fromVersion: '3.0.1', toVersion: '3.0.2', approvalId: 0 }],
    }] }],
    skipped: [], warnings: [], concurrency: 1, gatePercent: 100, deployNow: false, totalItems: 1,
  };
}

/** A data folder with one machine (daily 02:00 UTC window) and a deployment of it, as a process would leave it. */
function seed(rows: (db: ReturnType<typeof openDatabase>, deploymentId: number, hostId: number) => void): { deploymentId: number; hostId: number } {
  const db = openDatabase(file);
  const hostId = insertHost(db, { address: '127.0.0.1' }).id;
  setDeploySettings(db, [hostId], { timezone: 'UTC' });
  setWindows(db, '', [DAILY_2AM]);
  const deploymentId = createDeployment(db, { title: 'openssl on nas', plan: planFor(hostId), createdBy: 'user', state: 'running' });
  rows(db, deploymentId, hostId);
  closeDatabase(db);
  return { deploymentId, hostId };
}

/** The job a process that died left behind: running, owned by a process that is gone. */
function deadJob(db: ReturnType<typeof openDatabase>, deploymentId: number): void {
  const jobId = insertJob(db, 'deploy', 'Deploy: openssl on nas', { deploymentId }, at('2026-03-02T16:00:00Z'), 'gone-process');
  updateJob(db, jobId, { state: 'running', startedAt: at('2026-03-02T16:00:00Z') });
  setDeploymentJob(db, deploymentId, jobId);
}

const target = (core: Core, id: number) => getDeployment(core.services.db, id)!.targets[0]!;

describe('a deployment waiting for its window when Patchwell stopped', () => {
  it('after a crash, goes on waiting (not interrupted); the window it missed is not run late but waited for again, and said so', async () => {
    const { deploymentId } = seed((db, id, hostId) => {
      updateTarget(db, id, hostId, { state: 'waiting', window: { start: at('2026-03-03T02:00:00Z'), end: at('2026-03-03T03:00:00Z') }, note: 'Waiting for its maintenance window' });
      deadJob(db, id);
    });
    // Started again on Tuesday at 09:00: Tuesday's 02:00 window went by while nothing ran.
    const core = start('2026-03-03T09:00:00Z');
    const d = getDeployment(core.services.db, deploymentId)!;
    expect(d.state).toBe('running');
    expect(d.haltedReason).toBeNull();
    expect(core.services.jobs.isRunning(d.jobId!)).toBe(true);
    await expect.poll(() => target(core, deploymentId).note).toMatch(/^Missed/);
    expect(target(core, deploymentId)).toMatchObject({
      state: 'waiting',
      step: null,
      waitingFor: { start: at('2026-03-04T02:00:00Z'), end: at('2026-03-04T03:00:00Z') },
      note: 'Missed its window Tue 3 Mar, 02:00 – 03:00 (UTC) while Patchwell was not running; waits for the next one, Wed 4 Mar, 02:00 – 03:00 (UTC)',
    });
    expect(listAudit(core.services.db, { limit: 10 }).map((a) => [a.actor, a.action, a.targetId])).toContainEqual(['system', 'deploy.continue', String(deploymentId)]);
    const log = await core.call('jobs/log', { id: d.jobId! });
    expect(log.map((l) => l.message)).toContainEqual(expect.stringMatching(/^Missed its window/));
    // The dead process's job is interrupted, and its log says where the deployment went on.
    const old = (await core.call('jobs/list', {})).find((j) => j.id !== d.jobId && j.kind === 'deploy')!;
    expect(old.state).toBe('interrupted');
    expect((await core.call('jobs/log', { id: old.id })).map((l) => l.message)).toContain(`Nothing was half-done: the deployment goes on waiting in job ${d.jobId}`);
  });

  it('after a crash before its window, goes on waiting for the same window without calling it missed', async () => {
    const { deploymentId } = seed((db, id, hostId) => {
      updateTarget(db, id, hostId, { state: 'waiting', window: { start: at('2026-03-03T02:00:00Z'), end: at('2026-03-03T03:00:00Z') } });
      deadJob(db, id);
    });
    const core = start('2026-03-02T23:00:00Z');
    await expect.poll(() => target(core, deploymentId).note).toBe('Waiting for its maintenance window, Tue 3 Mar, 02:00 – 03:00 (UTC)');
    expect(getDeployment(core.services.db, deploymentId)!.state).toBe('running');
  });

  it('after quitting normally, stays waiting (not cancelled) and goes on at the next start', async () => {
    const { deploymentId, hostId } = seed(() => undefined);
    const first = start('2026-03-02T16:00:00Z');
    const plan = getDeployment(first.services.db, deploymentId)!.plan!;
    const jobId = first.services.jobs.start('deploy', 'Deploy: openssl on nas', { deploymentId }, deployJob(first.services, deploymentId, plan, { mode: 'deploy' }));
    setDeploymentJob(first.services.db, deploymentId, jobId);
    await expect.poll(() => target(first, deploymentId).state).toBe('waiting');
    await first.close();
    cores.splice(0);

    const db = openDatabase(file);
    expect(getDeployment(db, deploymentId)).toMatchObject({ state: 'running', haltedReason: null });
    expect(getDeployment(db, deploymentId)!.targets[0]).toMatchObject({ hostId, state: 'waiting' });
    closeDatabase(db);

    const second = start('2026-03-02T18:00:00Z');
    const d = getDeployment(second.services.db, deploymentId)!;
    expect(d.jobId).not.toBe(jobId);
    expect(second.services.jobs.isRunning(d.jobId!)).toBe(true);
    await expect.poll(() => target(second, deploymentId).note).toBe('Waiting for its maintenance window, Tue 3 Mar, 02:00 – 03:00 (UTC)');
  });

  it('one that was running a machine is interrupted, as before, for Resume or Repair', () => {
    const { deploymentId } = seed((db, id, hostId) => {
      updateTarget(db, id, hostId, { state: 'running', step: 'install', started: true });
      deadJob(db, id);
    });
    const core = start('2026-03-03T02:30:00Z');
    const d = getDeployment(core.services.db, deploymentId)!;
    expect(d.state).toBe('interrupted');
    expect(d.targets[0]).toMatchObject({ state: 'interrupted', step: 'install' });
    expect(core.services.jobs.isRunning(d.jobId!)).toBe(false);
  });
});
