import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanView } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { createDeployment, setDeploymentState } from './deploy-queries';

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

function planFor(hostIds: number[]): PlanView {
  return {
    rings: [{ ring: 0, label: 'Canary', hosts: hostIds.map((hostId) => ({
      hostId, label: `h${hostId}`, ring: 0, cluster: null, window: null, windowText: 'now', snapshotProvider: 'auto' as const, allowReboot: false,
      items: [{ package: 'openssl', arch: 'amd64', fromVersion: '3.0.1', toVersion: '3.0.2', approvalId: 0 }],
    })) }],
    skipped: [], warnings: [], concurrency: 1, gatePercent: 100, deployNow: true, totalItems: hostIds.length,
  };
}

describe('deployment actions through the core', () => {
  it('cancels a scheduled deployment: its machines are cancelled, the cancel audited, and it cannot be cancelled into anything else', async () => {
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-act-')), runtime: 'browser', checkResults: true, scheduler: false });
    const h = await core.call('machines/create', { address: '127.0.0.2' });
    const id = createDeployment(core.services.db, { title: 'Later', plan: planFor([h.id]), createdBy: 'user', state: 'scheduled' });
    expect(await core.call('deploy/cancel', { id })).toEqual({ ok: true });
    const d = await core.call('deploy/get', { id });
    expect(d).toMatchObject({ state: 'cancelled', haltedReason: 'Cancelled by the user' });
    expect(d.targets.map((t) => t.state)).toEqual(['cancelled']);
    expect((await core.call('audit/list', {})).map((e) => e.action)).toContain('deploy.cancel');
    await expect(core.call('deploy/cancel', { id: id + 1 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('refuses to resume a deployment that succeeded, to roll back one without snapshots, and to start with nothing approved', async () => {
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-act-')), runtime: 'browser', checkResults: true, scheduler: false });
    const h = await core.call('machines/create', { address: '127.0.0.2' });
    const id = createDeployment(core.services.db, { title: 'Done', plan: planFor([h.id]), createdBy: 'user', state: 'running' });
    setDeploymentState(core.services.db, id, 'succeeded', { finished: true });
    await expect(core.call('deploy/resume', { id, mode: 'resume' })).rejects.toMatchObject({ code: 'bad-request', message: 'A succeeded deployment cannot be resumed' });
    await expect(core.call('deploy/rollback', { id })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/^Nothing to roll back/) });
    await expect(core.call('deploy/start', { deployNow: true, confirmed: true })).rejects.toMatchObject({ code: 'bad-request', message: 'Nothing to deploy: approve updates on the Patches page first' });
    await expect(core.call('deploy/start', { deployNow: true })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/confirm it first/) });
    expect(await core.call('jobs/list', {})).toEqual([]);
  });
});
