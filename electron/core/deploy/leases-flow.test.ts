/**
 * One job per machine across processes, through the core's calls: a second core on the same data folder (as the
 * command line or the headless host beside the app) works on a machine; meanwhile an assessment leaves it alone
 * and says why, and a deployment waits for it, then runs. The machine is a simulated Windows behind the loopback
 * WinRM test server, so the flow is the app's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentDetail, Host, JobDetail, PatchRow } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { acquireLease, liveLeases, releaseLease } from '../jobs/leases';
import { SimulatedWindows, sampleUpdates } from '../platforms/windows/testing/simulated-windows';
import { WinrmTestServer } from '../winrm/testing/test-server';

let dataDir: string;
let app: Core;
let other: Core;
let server: WinrmTestServer;
let hostId: number;

beforeEach(async () => {
  const win = new SimulatedWindows();
  win.pending = sampleUpdates();
  server = new WinrmTestServer({ username: 'patchwell', password: 'S3cret-pass!', domain: 'OFFICE' }, win.onCommand);
  const port = await server.listen();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-lease-flow-'));
  app = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false, deployTimings: { serviceGraceMs: 50 } });
  await app.call('credentials/create', { name: 'Office admin', username: 'OFFICE\\patchwell', password: 'S3cret-pass!', appliesToAll: true });
  hostId = ((await app.call('machines/create', { address: '127.0.0.1', displayName: 'Reception PC', transport: 'winrm', winrmPort: port, osFamily: 'windows' })) as Host).id;
  // The second process starts after the app: it must not take the app's running work for dead.
  other = createCore({ dataDir, runtime: 'browser', owner: false, scheduler: false, processKind: 'cli' });
});

afterEach(async () => {
  await app.close();
  await other.close();
  await server.close();
});

async function waitFor<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('one job per machine, across processes', () => {
  it('an assessment leaves a busy machine alone; a deployment waits for it and then runs', async () => {
    const first = (await app.call('assess/start', { allowFirstContact: true, ids: [hostId] })) as { jobId: number };
    await app.services.jobs.idle();
    expect(((await app.call('jobs/get', { id: first.jobId })) as JobDetail).state).toBe('succeeded');

    // The other process works on the machine now.
    const held = acquireLease(other.services.db, hostId, { holder: other.services.processId, jobId: null, purpose: 'deployment 99 from the command line' });
    expect(held.ok).toBe(true);

    const again = (await app.call('assess/start', { allowFirstContact: true, ids: [hostId] })) as { jobId: number };
    await app.services.jobs.idle();
    const assessed = (await app.call('jobs/get', { id: again.jobId })) as JobDetail;
    expect(assessed.targets[0]).toMatchObject({ state: 'skipped', step: 'busy' });
    expect(assessed.targets[0]!.failure?.message).toBe('Not assessed: another job is working on this machine (deployment 99 from the command line); it is left alone until that job ends');
    expect(assessed.summary).toMatch(/left alone while another job works on it/);

    const cu = ((await app.call('patches/list', undefined)) as { rows: PatchRow[] }).rows.find((r) => r.package === 'KB5046633')!;
    await app.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const { deploymentId } = (await app.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true })) as { deploymentId: number };
    const log = async (): Promise<string> => {
      const d = (await app.call('deploy/get', { id: deploymentId })) as DeploymentDetail;
      return d.jobId ? ((await app.call('jobs/log', { id: d.jobId })) as { message: string }[]).map((l) => l.message).join('\n') : '';
    };
    await waitFor('the deployment to wait for the machine', log, (l) => l.includes('Waiting: another job is working on this machine (deployment 99 from the command line)'));
    expect(((await app.call('deploy/get', { id: deploymentId })) as DeploymentDetail).targets[0]!.state).not.toBe('succeeded');

    releaseLease(other.services.db, hostId, other.services.processId);
    await app.services.jobs.idle();
    const done = (await app.call('deploy/get', { id: deploymentId })) as DeploymentDetail;
    expect(done.targets[0]).toMatchObject({ state: 'succeeded' });
    // Given back when the machine's run ended: the other process may work on it again.
    expect(acquireLease(other.services.db, hostId, { holder: other.services.processId, jobId: null, purpose: 'next' }).ok).toBe(true);
  }, 60_000);

  it('in one process: a job working on a machine keeps an assessment and a second deployment out, and one that ended without giving it back is taken over', async () => {
    const first = (await app.call('assess/start', { allowFirstContact: true, ids: [hostId] })) as { jobId: number };
    await app.services.jobs.idle();
    expect(((await app.call('jobs/get', { id: first.jobId })) as JobDetail).state).toBe('succeeded');

    // A job of the app itself holds the machine until the test lets it end; it never gives the lease back, as a
    // job whose release could not be written.
    let end!: () => void;
    const ended = new Promise<void>((r) => (end = r));
    const holder = app.services.jobs.start('rollback', 'Holding the machine', {}, async (ctx) => {
      expect(acquireLease(app.services.db, hostId, { holder: app.services.processId, jobId: ctx.jobId, purpose: `rollback 41` }).ok).toBe(true);
      await ended;
      return { state: 'succeeded', summary: 'held' };
    });
    await waitFor('the job to take the machine', async () => liveLeases(app.services.db, [hostId]).get(hostId)?.jobId ?? null, (j) => j === holder);

    const again = (await app.call('assess/start', { ids: [hostId] })) as { jobId: number };
    const assessed = await waitFor('the assessment to end', async () => (await app.call('jobs/get', { id: again.jobId })) as JobDetail, (j) => j.state !== 'running' && j.state !== 'queued');
    expect(assessed.targets[0]).toMatchObject({ state: 'skipped', step: 'busy' });
    expect(assessed.targets[0]!.failure?.message).toBe('Not assessed: another job is working on this machine (rollback 41); it is left alone until that job ends');

    // No separate refusal up front: the second deployment is accepted and waits for the machine like any other.
    const cu = ((await app.call('patches/list', undefined)) as { rows: PatchRow[] }).rows.find((r) => r.package === 'KB5046633')!;
    await app.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const { deploymentId } = (await app.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true })) as { deploymentId: number };
    const jobId = ((await app.call('deploy/get', { id: deploymentId })) as DeploymentDetail).jobId!;
    const log = async (): Promise<string> => ((await app.call('jobs/log', { id: jobId })) as { message: string }[]).map((l) => l.message).join('\n');
    await waitFor('the deployment to wait for the machine', log, (l) => l.includes('Waiting: another job is working on this machine (rollback 41)'));
    expect(((await app.call('deploy/get', { id: deploymentId })) as DeploymentDetail).targets[0]!.startedAt).toBeNull();

    end();
    await app.services.jobs.idle();
    expect(((await app.call('deploy/get', { id: deploymentId })) as DeploymentDetail).targets[0]).toMatchObject({ state: 'succeeded' });
    expect(liveLeases(app.services.db, [hostId]).size).toBe(0);
  }, 60_000);
});
