import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import {
  cancelUnstartedTargets, createDeployment, getDeployment, interruptRunningDeployments, listDeployments, requeueUnchangedTargets,
  setDeploymentState, updateTarget,
} from './deploy-queries';
import { insertSnapshot, snapshotsToPrune } from './snapshot-queries';
import type { PlanView } from '../../../shared/contract';

function planFor(hostIds: number[]): PlanView {
  return {
    rings: [{ ring: 0, label: 'Canary', hosts: hostIds.map((hostId) => ({
      hostId, label: `h${hostId}`, ring: 0, cluster: null, window: null, windowText: 'now', snapshotProvider: 'auto' as const, allowReboot: false,
      items: [{ package: 'openssl', arch: 'amd64', fromVersion: '3.0.1', toVersion: '3.0.2', approvalId: 0 }],
    })) }],
    skipped: [], warnings: [], concurrency: 2, gatePercent: 100, deployNow: true, totalItems: hostIds.length,
  };
}

describe('deployment rows', () => {
  it('a crash mid-deployment leaves each machine at the step it reached, marked interrupted', () => {
    const db = openDatabase(':memory:');
    const a = insertHost(db, { address: '127.0.0.2' }).id;
    const b = insertHost(db, { address: '127.0.0.3' }).id;
    const id = createDeployment(db, { title: 't', plan: planFor([a, b]), createdBy: 'user', state: 'running' });
    updateTarget(db, id, a, { state: 'succeeded', step: 'done' });
    updateTarget(db, id, b, { state: 'running', step: 'install' });
    expect(interruptRunningDeployments(db)).toEqual([id]);
    const d = getDeployment(db, id)!;
    expect(d.state).toBe('interrupted');
    expect(d.haltedReason).toMatch(/stopped while this deployment ran/);
    expect(d.targets.map((t) => [t.hostId, t.state, t.step])).toEqual([[a, 'succeeded', 'done'], [b, 'interrupted', 'install']]);
    expect(listDeployments(db)[0]!.counts).toMatchObject({ succeeded: 1, interrupted: 1, pending: 0 });
    setDeploymentState(db, id, 'partial', { finished: true });
    expect(interruptRunningDeployments(db)).toEqual([]);
  });

  it('retention keeps the newest snapshots per machine and always the last one', () => {
    const db = openDatabase(':memory:');
    const a = insertHost(db, { address: '127.0.0.2' }).id;
    const day = 86_400_000;
    const now = 1000 * day;
    const ids = [400, 50, 10, 5].map((age) => insertSnapshot(db, { hostId: a, deploymentId: null, provider: 'package', ref: 'packages', sizeBytes: null, meta: { packages: [], unavailable: [] } }, now - age * day));
    expect(snapshotsToPrune(db, 2, 0, now).map((s) => s.id)).toEqual([ids[1], ids[0]]);
    expect(snapshotsToPrune(db, 10, 30, now).map((s) => s.id)).toEqual([ids[1], ids[0]]);
    expect(snapshotsToPrune(db, 10, 1, now).map((s) => s.id)).toEqual([ids[2], ids[1], ids[0]]);
  });
});

describe('cancelling and resuming a deployment', () => {
  const failure = { command: 'apt-get install', exitCode: 100, stderrTail: 'E: Could not get lock', message: 'apt is busy' };

  it('a cancel before it ran marks only the machines not yet started', () => {
    const db = openDatabase(':memory:');
    const [a, b, c] = ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((address) => insertHost(db, { address }).id) as [number, number, number];
    const id = createDeployment(db, { title: 't', plan: planFor([a, b, c]), createdBy: 'user', state: 'scheduled' });
    updateTarget(db, id, b, { state: 'waiting' });
    updateTarget(db, id, c, { state: 'succeeded', step: 'done' });
    cancelUnstartedTargets(db, id);
    expect(getDeployment(db, id)!.targets.map((t) => t.state)).toEqual(['cancelled', 'cancelled', 'succeeded']);
  });

  it('a resume requeues the unstarted machines and those that failed before any change, never one with a snapshot', () => {
    const db = openDatabase(':memory:');
    const ids = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'].map((address) => insertHost(db, { address }).id);
    const id = createDeployment(db, { title: 't', plan: planFor(ids), createdBy: 'user', state: 'halted' });
    const [cancelled, skipped, unchanged, changed, done, rolledBack] = ids as [number, number, number, number, number, number];
    const snap = insertSnapshot(db, { hostId: changed, deploymentId: id, provider: 'package', ref: 'packages', sizeBytes: null, meta: { packages: [], unavailable: [] } });
    updateTarget(db, id, cancelled, { state: 'cancelled' });
    updateTarget(db, id, skipped, { state: 'skipped' });
    updateTarget(db, id, unchanged, { state: 'failed', failure });
    updateTarget(db, id, changed, { state: 'failed', failure, snapshotId: snap });
    updateTarget(db, id, done, { state: 'succeeded' });
    updateTarget(db, id, rolledBack, { state: 'rolled-back' });
    requeueUnchangedTargets(db, id);
    const targets = getDeployment(db, id)!.targets;
    expect(targets.map((t) => t.state)).toEqual(['pending', 'pending', 'pending', 'failed', 'succeeded', 'rolled-back']);
    expect(targets.map((t) => t.failure !== null)).toEqual([false, false, false, true, false, false]);
  });
});
