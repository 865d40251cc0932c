/**
 * assess/finished and deploy/finished, as a renderer receives them: the outcome of a whole run in one event,
 * against the simulated Windows machine (real WinRM on loopback), so the counts come from real runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, EventName, EventPayload } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { SimulatedWindows, sampleUpdates } from '../platforms/windows/testing/simulated-windows';
import { WinrmTestServer } from '../winrm/testing/test-server';

let core: Core;
let server: WinrmTestServer;
let win: SimulatedWindows;
let hostId: number;
let seen: EventEnvelope[];

beforeEach(async () => {
  win = new SimulatedWindows();
  win.pending = sampleUpdates();
  server = new WinrmTestServer({ username: 'patchwell', password: 'S3cret-pass!', domain: 'OFFICE' }, win.onCommand);
  const port = await server.listen();
  core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-fin-')), runtime: 'browser', checkResults: true, scheduler: false, deployTimings: { serviceGraceMs: 50 } });
  await core.call('credentials/create', { name: 'Office admin', username: 'OFFICE\\patchwell', password: 'S3cret-pass!', appliesToAll: true });
  hostId = (await core.call('machines/create', { address: '127.0.0.1', transport: 'winrm', winrmPort: port, osFamily: 'windows' })).id;
  seen = [];
  core.subscribe((e) => seen.push(e));
});

afterEach(async () => {
  await core.close();
  await server.close();
});

function payloads<K extends EventName>(name: K): EventPayload<K>[] {
  return seen.flatMap((e) => (e.name === name ? [e.payload as EventPayload<K>] : []));
}

const none = { succeeded: 0, failed: 0, 'rolled-back': 0, 'rollback-failed': 0, skipped: 0, cancelled: 0 };

async function assessAndApprove(): Promise<void> {
  await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
  await core.services.jobs.idle();
  const { rows } = await core.call('patches/list');
  await core.call('patches/approve', { items: rows.map((r) => ({ package: r.package, candidateVersion: r.candidateVersion, hostIds: [hostId] })) });
}

describe('events that say how a run ended', () => {
  it('assess/finished counts the machines assessed and the ones that failed', async () => {
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect(payloads('assess/finished')).toEqual([{ jobId, hostIds: [hostId], counts: { ok: 1, failed: 0, busy: 0 } }]);

    // A credential WinRM cannot use: the machine is attempted and fails.
    const { private: privateKey } = ssh2.utils.generateKeyPairSync('ed25519');
    const keyOnly = await core.call('credentials/create', { name: 'Key only', username: 'admin', privateKey });
    await core.call('machines/set-credential', { ids: [hostId], credentialId: keyOnly.id });
    const second = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect(payloads('assess/finished')[1]).toEqual({ jobId: second.jobId, hostIds: [hostId], counts: { ok: 0, failed: 1, busy: 0 } });
  });

  it('deploy/finished gives the final state and the machines per outcome, for a deployment and for its rollback', async () => {
    await assessAndApprove();
    const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    expect(payloads('deploy/finished')).toEqual([{ deploymentId, kind: 'deploy', state: 'succeeded', counts: { ...none, succeeded: 1 } }]);
    expect((await core.call('deploy/get', { id: deploymentId })).state).toBe('succeeded');

    const { deploymentId: rollbackId } = await core.call('deploy/rollback', { id: deploymentId });
    await core.services.jobs.idle();
    expect(payloads('deploy/finished')[1]).toEqual({ deploymentId: rollbackId, kind: 'rollback', rollbackOf: deploymentId, state: 'succeeded', counts: { ...none, succeeded: 1 } });
  });

  it('deploy/finished says a machine was rolled back when its install failed', async () => {
    win.pending[1]!.failWith = 0x80240022;
    await assessAndApprove();
    const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    expect(payloads('deploy/finished')).toEqual([{ deploymentId, kind: 'deploy', state: 'failed', counts: { ...none, 'rolled-back': 1 } }]);
    expect((await core.call('deploy/get', { id: deploymentId })).state).toBe('failed');
  });
});
