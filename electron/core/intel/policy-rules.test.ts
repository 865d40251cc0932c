import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, type PolicyEvaluation, type PolicyRuleInput } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { openDatabase, type Db } from '../db/open';
import { EventBus } from '../event-bus';
import { addBlock, forgetHolds } from './policy-queries';
import { DAY_MS, describeRule, evaluatePolicies, previewRule, ruleApproves, saveRule, specOf, startPolicyEvaluation, type RuleFacts } from './policy-rules';

const NOW = 1_800_000_000_000;

const fleetRule: PolicyRuleInput = { name: 'Fleet default', mode: 'auto', approveKev: true, approveBand: null, approveScore: null, afterDays: 7, securityOnly: false };

/** Machines 1 (db, office), 2 (office), 3 (no tag); KEV-listed CVE-2024-0001. */
function fleet(): Db {
  const db = openDatabase(':memory:');
  const add = db.prepare(`INSERT INTO hosts (id, address, tags, created_at, updated_at) VALUES (?, ?, ?, 1, 1)`);
  add.run(1, '127.0.0.1', '["db","office"]');
  add.run(2, '127.0.0.2', '["office"]');
  add.run(3, '127.0.0.3', '[]');
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2024-0001', 'OpenSSL', 'OpenSSL', 'x', '2024-01-02', NULL, 0)`).run();
  return db;
}

function pending(db: Db, hostId: number, pkg: string, from: string, to: string, detectedAt: number, opts: { security?: boolean; cves?: string[] } = {}): void {
  const id = Number(
    db
      .prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, detected_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(hostId, pkg, from, to, opts.security ? 1 : 0, detectedAt).lastInsertRowid,
  );
  for (const c of opts.cves ?? []) db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'test')`).run(id, c);
}

/** openssl (KEV) pending 1 day, vim pending exactly 7 days, nano one minute short of 7 days. */
function seed(db: Db, hostId: number, now = NOW): void {
  pending(db, hostId, 'openssl', '3.0.14-1', '3.0.15-1', now - DAY_MS, { security: true, cves: ['CVE-2024-0001'] });
  pending(db, hostId, 'vim', '9.0-1', '9.1-1', now - 7 * DAY_MS);
  pending(db, hostId, 'nano', '7.2-1', '8.0-1', now - 7 * DAY_MS + 60_000);
}

function approvals(db: Db): { host_id: number; package: string; from_version: string | null; to_version: string; approved_by: string }[] {
  return db.prepare(`SELECT host_id, package, from_version, to_version, approved_by FROM approvals ORDER BY host_id, package`).all() as never;
}

function audit(db: Db): { actor: string; action: string; target_id: string | null; details: string }[] {
  return db.prepare(`SELECT actor, action, target_id, details FROM audit_log ORDER BY id`).all() as never;
}

describe('ruleApproves', () => {
  const facts: RuleFacts = { isSecurity: true, kevCves: [], score: 62, band: 'high', detectedAt: NOW };
  const rule = specOf({ ...fleetRule, approveKev: false, afterDays: null });

  it('approves at or above a band or a score, and not below', () => {
    expect(ruleApproves({ ...rule, approveBand: 'high' }, facts, NOW)).toBe('risk band high (score 62)');
    expect(ruleApproves({ ...rule, approveBand: 'critical' }, facts, NOW)).toBeNull();
    expect(ruleApproves({ ...rule, approveBand: 'medium' }, facts, NOW)).toBe('risk band high (score 62)');
    expect(ruleApproves({ ...rule, approveScore: 62 }, facts, NOW)).toBe('risk score 62 is at least 62');
    expect(ruleApproves({ ...rule, approveScore: 63 }, facts, NOW)).toBeNull();
  });

  it('counts as security under a security-only rule what is a finding, whatever repository it comes from', () => {
    const old = { ...facts, isSecurity: false, band: 'low' as const, detectedAt: NOW - 30 * DAY_MS };
    const securityOnly = { ...rule, afterDays: 7, securityOnly: true };
    expect(ruleApproves(securityOnly, { ...old, kevCves: ['CVE-2024-0001'] }, NOW)).toBe('pending 30 days (rule: after 7)');
    expect(ruleApproves(securityOnly, { ...old, band: 'high' }, NOW)).toBe('pending 30 days (rule: after 7)');
    expect(ruleApproves(securityOnly, { ...old, isSecurity: true }, NOW)).toBe('pending 30 days (rule: after 7)');
  });

  it('leaves non-security updates alone under a security-only rule, and a never rule approves nothing', () => {
    const old = { ...facts, isSecurity: false, band: 'medium' as const, detectedAt: NOW - 30 * DAY_MS };
    expect(ruleApproves({ ...rule, afterDays: 7 }, old, NOW)).toBe('pending 30 days (rule: after 7)');
    expect(ruleApproves({ ...rule, afterDays: 7, securityOnly: true }, old, NOW)).toBeNull();
    expect(ruleApproves({ ...rule, mode: 'never', approveKev: true, afterDays: 0 }, { ...facts, kevCves: ['CVE-2024-0001'] }, NOW)).toBeNull();
  });
});

describe('describeRule', () => {
  it('says in plain words what a rule does', () => {
    expect(describeRule(specOf(fleetRule))).toBe(
      'All machines: approve at once an update that fixes a CVE on the KEV list (known exploited); approve every other update once it has been pending 7 days. Blocked packages are never approved.',
    );
    expect(describeRule(specOf({ ...fleetRule, tag: 'db', mode: 'never' }))).toBe('Machines tagged db: never approve anything automatically (overrides the fleet rule).');
    expect(describeRule(specOf({ ...fleetRule, tag: 'office', approveKev: false, approveBand: 'high', afterDays: null, securityOnly: true }))).toBe(
      'Machines tagged office: approve at once an update that has a high risk band or higher. Only findings (KEV-listed, high or critical risk, or from a security repository); others wait for a manual approval. Blocked packages are never approved. This rule applies to them instead of the rule for all machines.',
    );
    expect(describeRule(specOf({ ...fleetRule, approveKev: false, afterDays: null }))).toBe('All machines: this rule approves nothing (choose at least one condition).');
  });
});

describe('evaluatePolicies', () => {
  it('approves KEV-listed updates at once and others from exactly N days pending, as exact versions named after the rule', () => {
    const db = fleet();
    seed(db, 3);
    saveRule(db, fleetRule, NOW);
    const events = new EventBus();
    const seen: unknown[] = [];
    events.subscribe((e) => seen.push(e));
    const r = evaluatePolicies(db, events, NOW);
    expect(r.approved).toBe(2);
    expect(r.held).toBe(0);
    expect(r.decisions.map((d) => [d.package, d.why])).toEqual([
      ['openssl', 'KEV-listed CVE-2024-0001'],
      ['vim', 'pending 7 days (rule: after 7)'],
    ]);
    expect(approvals(db)).toEqual([
      { host_id: 3, package: 'openssl', from_version: '3.0.14-1', to_version: '3.0.15-1', approved_by: 'policy:Fleet default' },
      { host_id: 3, package: 'vim', from_version: '9.0-1', to_version: '9.1-1', approved_by: 'policy:Fleet default' },
    ]);
    const approveAudit = audit(db).filter((a) => a.action === 'patch.approve');
    expect(approveAudit.map((a) => [a.actor, a.target_id, JSON.parse(a.details)])).toEqual([
      ['policy:Fleet default', '3', { package: 'openssl', from: '3.0.14-1', to: '3.0.15-1', rule: 'Fleet default', why: 'KEV-listed CVE-2024-0001' }],
      ['policy:Fleet default', '3', { package: 'vim', from: '9.0-1', to: '9.1-1', rule: 'Fleet default', why: 'pending 7 days (rule: after 7)' }],
    ]);
    expect(seen).toEqual([{ name: 'inventory/changed', payload: { hostIds: [3], reason: 'policy' } }]);
    // A minute later nano reaches 7 days; what was approved is not approved again.
    const again = evaluatePolicies(db, events, NOW + 60_000);
    expect(again.decisions.map((d) => d.package)).toEqual(['nano']);
    expect(approvals(db)).toHaveLength(3);
  });

  it('holds a blocked update a rule would approve, audits the hold once, and approves it after the block is gone', () => {
    const db = fleet();
    seed(db, 3);
    saveRule(db, fleetRule, NOW);
    addBlock(db, { kind: 'package', name: 'openssl', reason: 'breaks the VPN client' });
    const r = evaluatePolicies(db, null, NOW);
    expect(r.held).toBe(1);
    expect(r.decisions.find((d) => d.package === 'openssl')).toMatchObject({ outcome: 'held', why: 'KEV-listed CVE-2024-0001, but blocked: breaks the VPN client' });
    expect(approvals(db).map((a) => a.package)).toEqual(['vim']);
    evaluatePolicies(db, null, NOW + 1000);
    const holds = audit(db).filter((a) => a.action === 'policy.hold');
    expect(holds).toHaveLength(1);
    expect(holds[0]).toMatchObject({ actor: 'policy:Fleet default', target_id: '3' });
    db.prepare(`DELETE FROM policy_blocks`).run();
    evaluatePolicies(db, null, NOW + 2000);
    expect(approvals(db).map((a) => a.package)).toEqual(['openssl', 'vim']);
  });

  it('forgets the holds of a package, so a block put back is audited again', () => {
    const db = fleet();
    seed(db, 3);
    saveRule(db, fleetRule, NOW);
    addBlock(db, { kind: 'package', name: 'openssl', reason: 'breaks the VPN client' });
    evaluatePolicies(db, null, NOW);
    forgetHolds(db, 'openssl');
    forgetHolds(db, 'not-held');
    evaluatePolicies(db, null, NOW + 1000);
    expect(audit(db).filter((a) => a.action === 'policy.hold')).toHaveLength(2);
  });

  it("lets a tag's rule win over the fleet rule, and a tag saying never wins over the machine's other tags", () => {
    const db = fleet();
    for (const h of [1, 2, 3]) seed(db, h);
    saveRule(db, fleetRule, NOW);
    saveRule(db, { ...fleetRule, tag: 'office', name: 'Office: KEV only', afterDays: null }, NOW);
    saveRule(db, { ...fleetRule, tag: 'db', name: 'Database: by hand', mode: 'never' }, NOW);
    const r = evaluatePolicies(db, null, NOW);
    expect(r.decisions.map((d) => [d.hostId, d.package, d.rule])).toEqual([
      [2, 'openssl', 'Office: KEV only'],
      [3, 'openssl', 'Fleet default'],
      [3, 'vim', 'Fleet default'],
    ]);
    expect(approvals(db).filter((a) => a.host_id === 1)).toEqual([]);
  });

  it('approves nothing without rules', () => {
    const db = fleet();
    seed(db, 3);
    expect(evaluatePolicies(db, null, NOW)).toEqual({ approved: 0, held: 0, decisions: [] });
  });
});

describe('previewRule', () => {
  it('shows what a rule would approve in place of its scope’s saved rule, and writes nothing', () => {
    const db = fleet();
    seed(db, 3);
    saveRule(db, { ...fleetRule, afterDays: null }, NOW);
    const before = audit(db).length;
    const p: PolicyEvaluation = previewRule(db, { ...fleetRule, approveKev: false, afterDays: 0 }, NOW);
    expect(p.decisions.map((d) => d.package)).toEqual(['nano', 'openssl', 'vim']);
    expect(approvals(db)).toEqual([]);
    expect(audit(db).length).toBe(before);
    expect(db.prepare('SELECT after_days FROM policy_rules').pluck().get()).toBeNull();
  });
});

describe('policy calls', () => {
  let core: Core | null = null;
  afterEach(async () => {
    await core?.close();
    core = null;
  });

  it('saves, lists and removes rules and blocks through the contract, auditing each change, and rejects bad blocks with the reason', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-policy-'));
    core = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false, resourcesDir: dataDir });
    const c = core;
    const saved = await c.call('policies/save-rule', { ...fleetRule, tag: 'db' });
    expect(saved.rule.summary).toMatch(/^Machines tagged db: approve at once/);
    const blocks = await c.call('policies/add-block', { kind: 'kb', name: 'kb5034441', reason: 'recovery partition too small' });
    expect(blocks.map((b) => b.name)).toEqual(['KB5034441']);
    const err = await c.call('policies/add-block', { kind: 'kb', name: 'not-a-kb', reason: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/not a KB number/);
    expect(((await c.call('policies/add-block', { kind: 'package', name: 'x', reason: '  ' }).catch((e: unknown) => e)) as AppError).code).toBe('bad-request');
    await c.call('policies/remove-block', { id: blocks[0]!.id });
    await c.call('policies/remove-rule', { id: saved.rule.id });
    expect(((await c.call('policies/remove-rule', { id: saved.rule.id }).catch((e: unknown) => e)) as AppError).code).toBe('not-found');
    expect(await c.call('policies/list', undefined)).toEqual({ rules: [], blocks: [] });
    const actions = c.services.db.prepare(`SELECT action FROM audit_log WHERE action LIKE 'policy.%' ORDER BY id`).pluck().all();
    expect(actions).toEqual(['policy.rule.save', 'policy.block.add', 'policy.block.remove', 'policy.rule.remove']);
  });

  it('runs the rules when a rule is saved or removed: without its tag rule a machine falls back to the fleet rule', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-policy-'));
    core = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false, resourcesDir: dataDir });
    const c = core;
    const db = c.services.db;
    db.prepare(`INSERT INTO hosts (id, address, tags, created_at, updated_at) VALUES (1, '127.0.0.1', '["db"]', 1, 1), (3, '127.0.0.3', '[]', 1, 1)`).run();
    db.prepare(`INSERT OR IGNORE INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2024-0001', 'OpenSSL', 'OpenSSL', 'x', '2024-01-02', NULL, 0)`).run();
    seed(db, 1, Date.now());
    seed(db, 3, Date.now());
    const never = await c.call('policies/save-rule', { ...fleetRule, tag: 'db', name: 'Database: by hand', mode: 'never' });
    const saved = await c.call('policies/save-rule', fleetRule);
    expect(saved.evaluation.decisions.map((d) => [d.hostId, d.package])).toEqual([
      [3, 'openssl'],
      [3, 'vim'],
    ]);
    await c.call('policies/remove-rule', { id: never.rule.id });
    expect(approvals(db).filter((a) => a.host_id === 1).map((a) => [a.package, a.approved_by])).toEqual([
      ['openssl', 'policy:Fleet default'],
      ['vim', 'policy:Fleet default'],
    ]);
  });

  it('evaluates the rules after an assessment announces itself, outside the emitter', async () => {
    const db = fleet();
    seed(db, 3, Date.now());
    saveRule(db, fleetRule);
    const events = new EventBus();
    const stop = startPolicyEvaluation(db, events);
    events.emit('inventory/changed', { hostIds: [3], reason: 'approved' });
    events.emit('inventory/changed', { hostIds: [3], reason: 'assessed' });
    expect(approvals(db)).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(approvals(db).map((a) => a.package).sort()).toEqual(['openssl', 'vim']);
    stop();
  });
});

describe('evaluatePolicies on many machines', () => {
  it('approves one version on every machine a rule covers, each audited with its own machine and reason', () => {
    const db = openDatabase(':memory:');
    const add = db.prepare(`INSERT INTO hosts (id, address, tags, created_at, updated_at) VALUES (?, ?, ?, 1, 1)`);
    for (let h = 1; h <= 40; h++) add.run(h, `127.0.1.${h}`, h % 2 ? '["even"]' : '[]');
    for (let h = 1; h <= 40; h++) pending(db, h, 'curl', '7.88-1', '7.88-2', NOW - (h % 2 ? 9 : 3) * DAY_MS);
    saveRule(db, { ...fleetRule, approveKev: false, afterDays: 5 }, NOW);
    saveRule(db, { ...fleetRule, tag: 'even', name: 'Even: after 10 days', approveKev: false, afterDays: 10 }, NOW);
    // Hosts with the tag waited 9 days (< 10): held back by their tag's rule; the others waited 3 (< 5).
    expect(evaluatePolicies(db, null, NOW).approved).toBe(0);
    const r = evaluatePolicies(db, null, NOW + 2 * DAY_MS);
    // Two days later: untagged machines have waited 5 days (approved), tagged ones 11 (approved by their rule).
    expect(r.approved).toBe(40);
    const byRule = db.prepare(`SELECT approved_by, count(*) AS n FROM approvals GROUP BY approved_by ORDER BY approved_by`).all();
    expect(byRule).toEqual([
      { approved_by: 'policy:Even: after 10 days', n: 20 },
      { approved_by: 'policy:Fleet default', n: 20 },
    ]);
    const audited = audit(db).filter((a) => a.action === 'patch.approve');
    expect(new Set(audited.map((a) => a.target_id)).size).toBe(40);
    expect(JSON.parse(audited.find((a) => a.target_id === '1')!.details).why).toBe('pending 11 days (rule: after 10)');
    expect(JSON.parse(audited.find((a) => a.target_id === '2')!.details).why).toBe('pending 5 days (rule: after 5)');
  });
});
