import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, type PolicyRuleInput } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { openDatabase, type Db } from '../db/open';
import { buildPatchRows } from '../intel/patch-list';
import { evaluatePolicies, saveRule } from '../intel/policy-rules';
import { activeMarks, causeOf, clearMark, clearSuperseded, describeEvent, markKey, recordOutcome, versionMemory } from './fleet-memory';

const NOW = Date.UTC(2026, 11, 3, 22, 0);
const HOUR = 3_600_000;

/** Machines 1 "File server" and 2 "Web" (Debian), 3 "Alma" (RHEL), each missing nginx 1.22.1-9+deb12u1. */
function fleet(): Db {
  const db = openDatabase(':memory:');
  const add = db.prepare(`INSERT INTO hosts (id, address, display_name, platform, tags, created_at, updated_at) VALUES (?, ?, ?, ?, '[]', 1, 1)`);
  add.run(1, '127.0.0.1', 'File server', 'debian');
  add.run(2, '127.0.0.2', 'Web', 'debian');
  add.run(3, '127.0.0.3', 'Alma', 'rhel');
  for (const id of [1, 2, 3]) pending(db, id, 'nginx', '1.22.1-9', '1.22.1-9+deb12u1', NOW - 10 * 86_400_000);
  return db;
}

function pending(db: Db, hostId: number, pkg: string, from: string, to: string, detectedAt: number): void {
  db.prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, detected_at) VALUES (?, ?, ?, ?, 1, ?)`).run(hostId, pkg, from, to, detectedAt);
}

const NGINX = [{ package: 'nginx', version: '1.22.1-9+deb12u1' }];
const HEALTH = 'verify: Health check failed (exit 3): systemctl is-active nginx';

function rollBackOn(db: Db, hostId: number, at = NOW - HOUR): void {
  recordOutcome(db, { hostId, deploymentId: null, items: NGINX, event: 'rolled-back', step: 'verify', detail: HEALTH, ring: 0 }, at);
}

const audit = (db: Db): { actor: string; action: string; details: string }[] => db.prepare('SELECT actor, action, details FROM audit_log ORDER BY id').all() as never;
const rule: PolicyRuleInput = { name: 'Security now', mode: 'auto', approveKev: false, approveBand: null, approveScore: null, afterDays: 1, securityOnly: false };

describe('what fleet memory records', () => {
  it('says what happened, where and when, and names the cause', () => {
    expect(describeEvent({ event: 'rolled-back', hostLabel: 'File server', at: Date.UTC(2026, 11, 3, 9), cause: 'health check failed', detail: 'service nginx no longer ran' })).toBe(
      'rolled back on File server, 3 Dec: service nginx no longer ran',
    );
    expect(causeOf('rolled-back', 'verify', HEALTH)).toBe('health check failed');
    expect(causeOf('rolled-back', 'install', 'install: dpkg exited 1')).toBe('install failed');
    expect(causeOf('verify-failed', 'verify', 'verify: nginx is at 1.22.1-9')).toBe('verification failed');
    expect(causeOf('rolled-back-by-hand', null, 'Rollback of deployment 4 asked by the user')).toBe('rolled back by hand');
  });

  it('marks a failed version on its platform only, and counts successes per machine', () => {
    const db = fleet();
    rollBackOn(db, 1);
    recordOutcome(db, { hostId: 2, deploymentId: null, items: [{ package: 'curl', version: '8.0' }], event: 'succeeded', ring: 0 }, NOW);
    recordOutcome(db, { hostId: 2, deploymentId: null, items: [{ package: 'curl', version: '8.0' }], event: 'succeeded', ring: 0 }, NOW);
    recordOutcome(db, { hostId: 3, deploymentId: null, items: [{ package: 'curl', version: '8.0' }], event: 'succeeded', ring: 1 }, NOW);
    const marks = activeMarks(db);
    expect([...marks.keys()]).toEqual([markKey('nginx', '1.22.1-9+deb12u1', 'debian')]);
    expect(versionMemory(db, 'curl', '8.0')).toMatchObject({ marked: false, succeeded: { canary: 1, others: 1 }, summary: 'Succeeded on 1 canary machine and 1 other machine' });
    const nginx = versionMemory(db, 'nginx', '1.22.1-9+deb12u1');
    expect(nginx.marked).toBe(true);
    expect(nginx.failures[0]).toMatchObject({ hostLabel: 'File server', cause: 'health check failed', active: true, text: `rolled back on File server, 3 Dec: ${HEALTH}` });
  });
});

describe('auto-approval and fleet memory', () => {
  it('skips a marked version on machines of its platform, audited once with the reason, and approves it elsewhere', () => {
    const db = fleet();
    saveRule(db, rule, NOW);
    rollBackOn(db, 1);
    const ev = evaluatePolicies(db, null, NOW);
    // Debian machines 1 and 2 are held; the RHEL machine 3 never failed with it and gets it.
    expect(ev.approved).toBe(1);
    expect(ev.held).toBe(2);
    expect(ev.decisions.find((d) => d.hostId === 2)).toMatchObject({ outcome: 'held', why: expect.stringContaining('this version failed before: rolled back on File server, 3 Dec') as unknown });
    expect(db.prepare(`SELECT host_id FROM approvals WHERE state = 'approved'`).all()).toEqual([{ host_id: 3 }]);
    const skips = audit(db).filter((a) => a.action === 'policy.skip-failed-version');
    expect(skips).toHaveLength(2);
    expect(JSON.parse(skips[0]!.details)).toMatchObject({ package: 'nginx', to: '1.22.1-9+deb12u1', rule: 'Security now', why: expect.stringContaining(HEALTH) as unknown });
    // The next run holds them again but does not audit again.
    evaluatePolicies(db, null, NOW + 1);
    expect(audit(db).filter((a) => a.action === 'policy.skip-failed-version')).toHaveLength(2);
  });

  it('approves the version again once the admin cleared the mark (audited), and audits a new skip after a new failure', () => {
    const db = fleet();
    saveRule(db, rule, NOW);
    rollBackOn(db, 1);
    evaluatePolicies(db, null, NOW);
    expect(clearMark(db, 'nginx', '1.22.1-9+deb12u1', 'fixed the nginx config', NOW)).toBe(1);
    expect(audit(db).find((a) => a.action === 'memory.clear')).toMatchObject({ actor: 'user', details: expect.stringContaining('fixed the nginx config') as unknown });
    expect(versionMemory(db, 'nginx', '1.22.1-9+deb12u1')).toMatchObject({ marked: false, failures: [{ active: false }] });
    const ev = evaluatePolicies(db, null, NOW + 1);
    expect(ev.approved).toBe(2);
  });
});

describe('clearing a mark', () => {
  it('clears when a newer version of the package is offered on the platform, not an older or the same one', () => {
    const db = fleet();
    rollBackOn(db, 1);
    pending(db, 2, 'nginx-extras', '1', '2', NOW);
    db.prepare(`UPDATE pending_updates SET candidate_version = '1.22.1-9~bpo' WHERE host_id = 2 AND package = 'nginx'`).run();
    expect(clearSuperseded(db, NOW)).toBe(0);
    // A newer version on the RHEL machine says nothing about Debian's.
    db.prepare(`UPDATE pending_updates SET candidate_version = '1.22.1-10' WHERE host_id = 3 AND package = 'nginx'`).run();
    expect(clearSuperseded(db, NOW)).toBe(0);
    db.prepare(`UPDATE pending_updates SET candidate_version = '1.22.1-9+deb12u2' WHERE host_id = 2 AND package = 'nginx'`).run();
    expect(clearSuperseded(db, NOW)).toBe(1);
    expect(activeMarks(db).size).toBe(0);
    expect(JSON.parse(audit(db).find((a) => a.action === 'memory.clear')!.details)).toMatchObject({ reason: 'a newer version is offered: 1.22.1-9+deb12u2' });
  });

  it('clears after the version succeeds on the machine where it failed, not after a success elsewhere', () => {
    const db = fleet();
    rollBackOn(db, 1);
    recordOutcome(db, { hostId: 2, deploymentId: null, items: NGINX, event: 'succeeded', ring: 1 }, NOW);
    expect(versionMemory(db, 'nginx', '1.22.1-9+deb12u1').marked).toBe(true);
    recordOutcome(db, { hostId: 1, deploymentId: null, items: NGINX, event: 'succeeded', ring: 0 }, NOW + 1);
    const m = versionMemory(db, 'nginx', '1.22.1-9+deb12u1');
    expect(m.marked).toBe(false);
    expect(m.succeeded).toEqual({ canary: 1, others: 1 });
    expect(JSON.parse(audit(db).find((a) => a.action === 'memory.clear')!.details)).toMatchObject({ reason: 'deployed successfully on File server, where it had failed' });
  });

  it('flags the Patches row with the history', () => {
    const db = fleet();
    rollBackOn(db, 1);
    const row = buildPatchRows(db, NOW).find((r) => r.package === 'nginx')!;
    expect(row.memory).toMatchObject({ marked: true, summary: `Failed before: rolled back on File server, 3 Dec: ${HEALTH}` });
  });
});

describe('approving a version that failed before', () => {
  let core: Core | null = null;
  afterEach(async () => {
    await core?.close();
    core = null;
  });

  it('is refused without acknowledging the history, and audited with it when acknowledged', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-memory-'));
    core = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false, resourcesDir: dataDir });
    const db = core.services.db;
    db.prepare(`INSERT INTO hosts (id, address, display_name, platform, tags, created_at, updated_at) VALUES (1, '127.0.0.1', 'File server', 'debian', '[]', 1, 1), (2, '127.0.0.2', 'Web', 'debian', '[]', 1, 1)`).run();
    for (const id of [1, 2]) pending(db, id, 'nginx', '1.22.1-9', '1.22.1-9+deb12u1', NOW);
    rollBackOn(db, 1);
    const items = [{ package: 'nginx', candidateVersion: '1.22.1-9+deb12u1', hostIds: [2] }];
    const err = await core.call('patches/approve', { items }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('conflict');
    expect((err as AppError).message).toContain('rolled back on File server, 3 Dec');
    expect(db.prepare('SELECT count(*) AS n FROM approvals').get()).toEqual({ n: 0 });
    expect(await core.call('patches/history', { package: 'nginx', version: '1.22.1-9+deb12u1' })).toMatchObject({ marked: true });
    expect(await core.call('patches/approve', { items, acknowledgeHistory: true })).toEqual({ approved: 1 });
    const approve = audit(db).find((a) => a.action === 'patch.approve')!;
    expect(JSON.parse(approve.details)).toMatchObject({ to: '1.22.1-9+deb12u1', acknowledgedHistory: [expect.stringContaining('rolled back on File server') as unknown] });
    // Cleared by the admin: no acknowledgement needed any more.
    expect(await core.call('patches/clear-mark', { package: 'nginx', version: '1.22.1-9+deb12u1' })).toEqual({ cleared: 1 });
    expect(await core.call('patches/approve', { items: [{ package: 'nginx', candidateVersion: '1.22.1-9+deb12u1', hostIds: [1] }] })).toEqual({ approved: 1 });
  });
});
