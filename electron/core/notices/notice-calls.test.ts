/** The notices calls through the core's dispatch, results checked against the contract. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../shared/contract';
import { createCore, type Core } from '../core';

let core: Core;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-notices-'));
  core = createCore({ dataDir: dir, runtime: 'browser', checkResults: true, scheduler: false });
});

afterEach(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('stores a notice for a finished deployment, announces it, and keeps it across a restart until seen and cleared', async () => {
  const seen: EventEnvelope[] = [];
  core.subscribe((e) => seen.push(e));
  const host = await core.call('machines/create', { address: '127.0.0.1', displayName: 'web01' });
  const { db } = core.services;
  db.prepare(`INSERT INTO deployments (id, state, created_by, created_at, title) VALUES (3, 'failed', 'user', 1, 'Nightly')`).run();
  db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, failure, updated_at) VALUES (3, ?, 0, 'failed', ?, 1)`).run(
    host.id,
    JSON.stringify({ command: 'apt-get install', exitCode: 100, stderrTail: '', message: 'dpkg was interrupted' }),
  );
  const counts = { succeeded: 0, failed: 1, 'rolled-back': 0, 'rollback-failed': 0, skipped: 0, cancelled: 0 };
  core.services.events.emit('deploy/finished', { deploymentId: 3, kind: 'deploy', state: 'failed', counts });

  const announced = seen.filter((e) => e.name === 'notices/added');
  expect(announced).toHaveLength(1);
  const [n] = await core.call('notices/list', {});
  expect(n).toMatchObject({ kind: 'deploy-failed', title: 'Deployment failed: 0 of 1 machine updated', target: { page: 'deployments', id: 3 }, seenAt: null });
  expect(n!.body).toContain('web01: dpkg was interrupted');

  await core.close();
  core = createCore({ dataDir: dir, runtime: 'browser', checkResults: true, scheduler: false });
  expect((await core.call('notices/list', {})).map((x) => x.seenAt)).toEqual([null]);
  await core.call('notices/mark-seen', { ids: [n!.id] });
  expect((await core.call('notices/list', {}))[0]!.seenAt).not.toBeNull();
  expect(await core.call('notices/clear-seen')).toEqual({ cleared: 1 });
  expect(await core.call('notices/list', {})).toEqual([]);
});
