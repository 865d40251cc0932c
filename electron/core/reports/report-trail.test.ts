import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import type { PlanItem, PlanView } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { openDatabase, type Db } from '../db/open';
import { createDeployment, setItemResults, updateTarget } from '../deploy/deploy-queries';
import { insertHost } from '../machines/machine-queries';
import { approveUpdates } from '../intel/patch-queries';
import { collectReport } from './report-data';
import { renderReportHtml } from './report-html';
import { itemOutcome } from './report-wording';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);
const period = { from: NOW - 30 * DAY, to: NOW };
const NO_SPACE = 'Not enough free space on /var: 120 MB free, 500 MB needed';

function plan(hosts: { hostId: number; items: PlanItem[] }[]): PlanView {
  return {
    rings: [{ ring: 0, label: 'All', hosts: hosts.map((h) => ({ ...h, label: String(h.hostId), ring: 0, cluster: null, window: null, windowText: 'now', snapshotProvider: 'auto', allowReboot: false })) }],
    skipped: [], warnings: [], concurrency: 1, gatePercent: 0, deployNow: true, totalItems: hosts.reduce((n, h) => n + h.items.length, 0),
  };
}

/**
 * files01 failed preflight; nas (named by its hostname) was rolled back by hand, in a rollback deployment of its
 * own; 127.0.0.4 (no name) installed. curl on files01 was approved by hand, openssl on nas by a policy, both
 * audited as the approve handler and the policy evaluation audit them.
 */
function seed(): { db: Db; ids: { files: number; nas: number; bare: number } } {
  const db = openDatabase(':memory:');
  const files = insertHost(db, { address: '127.0.0.2', displayName: 'files01', hostname: 'srv-a' }).id;
  const nas = insertHost(db, { address: '127.0.0.3', hostname: 'nas' }).id;
  const bare = insertHost(db, { address: '127.0.0.4' }).id;
  const upd = db.prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, detected_at) VALUES (?, ?, '1.0', '1.1', 1, ?)`);
  upd.run(files, 'curl', NOW - 9 * DAY);
  upd.run(nas, 'openssl', NOW - 9 * DAY);
  upd.run(bare, 'zlib', NOW - 9 * DAY);

  const t = NOW - 8 * DAY;
  approveUpdates(db, [{ package: 'curl', candidateVersion: '1.1' }], 'user', t);
  appendAudit(db, { actor: 'user', action: 'patch.approve', targetType: 'host', targetId: files, details: { package: 'curl', from: '1.0', to: '1.1' } }, t + 3);
  approveUpdates(db, [{ package: 'openssl', candidateVersion: '1.1' }], 'policy:Fleet default', t + 10);
  appendAudit(db, { actor: 'policy:Fleet default', action: 'patch.approve', targetType: 'host', targetId: nas, details: { package: 'openssl', from: '1.0', to: '1.1', rule: 'Fleet default', why: 'KEV-listed' } }, t + 12);
  approveUpdates(db, [{ package: 'zlib', candidateVersion: '1.1' }], 'user', t + 20);
  appendAudit(db, { actor: 'user', action: 'patch.approve', targetType: 'host', targetId: bare, details: { package: 'zlib', from: '1.0', to: '1.1' } }, t + 21);
  const approval = (host: number): number => (db.prepare('SELECT id FROM approvals WHERE host_id = ?').get(host) as { id: number }).id;

  const item = (host: number, pkg: string): PlanItem => ({ package: pkg, arch: '', fromVersion: '1.0', toVersion: '1.1', approvalId: approval(host) });
  const d = createDeployment(db, { title: 'Weekly', plan: plan([{ hostId: files, items: [item(files, 'curl')] }, { hostId: nas, items: [item(nas, 'openssl')] }, { hostId: bare, items: [item(bare, 'zlib')] }]), createdBy: 'user', state: 'running' }, NOW - 7 * DAY);
  // The pipeline's writes: files01 stops in preflight before any change; nas installs, is rolled back by hand later.
  updateTarget(db, d, files, { state: 'running', step: 'preflight', started: true }, NOW - 7 * DAY);
  updateTarget(db, d, files, { state: 'failed', failure: { command: null, exitCode: null, stderrTail: '', message: NO_SPACE }, finished: true }, NOW - 7 * DAY);
  updateTarget(db, d, nas, { state: 'succeeded', step: 'done', finished: true }, NOW - 7 * DAY);
  setItemResults(db, d, nas, [{ package: 'openssl', arch: '', version: '1.1', state: 'installed' }]);
  updateTarget(db, d, bare, { state: 'succeeded', step: 'done', finished: true }, NOW - 7 * DAY);
  setItemResults(db, d, bare, [{ package: 'zlib', arch: '', version: '1.1', state: 'installed' }]);

  const r = createDeployment(db, { title: 'Roll back deployment 1', plan: plan([{ hostId: nas, items: [{ package: 'openssl', arch: '', fromVersion: '1.1', toVersion: '1.0', approvalId: 0 }] }]), createdBy: 'user', state: 'running', rollbackOf: d }, NOW - 6 * DAY);
  // rollbackJob: the restore writes the original deployment's items; the rollback's own target succeeds.
  setItemResults(db, d, nas, [{ package: 'openssl', arch: '', version: '1.0', state: 'rolled-back' }]);
  updateTarget(db, r, nas, { state: 'succeeded', step: 'done', finished: true }, NOW - 6 * DAY);
  updateTarget(db, d, nas, { state: 'rolled-back' }, NOW - 6 * DAY);

  appendAudit(db, { actor: 'user', action: 'deploy.settings', targetType: 'host', targetId: `${files},${nas}`, details: {} }, NOW - 5 * DAY);
  appendAudit(db, { actor: 'user', action: 'host.delete', targetType: 'host', targetId: 99, details: {} }, NOW - 5 * DAY);
  appendAudit(db, { actor: 'user', action: 'deploy.start', targetType: 'deployment', targetId: d, details: {} }, NOW - 5 * DAY);
  return { db, ids: { files, nas, bare } };
}

describe('deployments in the report', () => {
  it("states each version's real outcome: failed before any change, rolled back, installed", () => {
    const [deploy, rollback] = collectReport(seed().db, period, { now: NOW }).deployments;
    expect(deploy!.items.map((i) => [i.host, i.package, i.outcome])).toEqual([
      ['127.0.0.4', 'zlib', 'installed'],
      ['files01', 'curl', `failed before any change (preflight): ${NO_SPACE}`],
      ['nas', 'openssl', 'rolled back'],
    ]);
    expect(rollback).toMatchObject({ rollbackOf: deploy!.id });
    expect(rollback!.items.map((i) => [i.host, i.package, i.outcome])).toEqual([['nas', 'openssl', 'rolled back']]);
  });

  it('names who approved: a policy by its name, a person as by hand, each with the audit entry of the approval', () => {
    const d = collectReport(seed().db, period, { now: NOW });
    expect(d.deployments[0]!.items.map((i) => [i.host, i.approver, i.approvalAuditId])).toEqual([
      ['127.0.0.4', 'by hand in Patchwell', 3],
      ['files01', 'by hand in Patchwell', 1],
      ['nas', 'policy Fleet default', 2],
    ]);
    const html = renderReportHtml(d, 'abc');
    const rows = [...new JSDOM(html).window.document.querySelectorAll('tr')].map((tr) => tr.textContent ?? '');
    expect(rows.find((r) => r.startsWith('nas') && r.includes('openssl'))).toContain('policy Fleet default (audit #2)');
    expect(rows.find((r) => r.startsWith('files01') && r.includes('curl'))).toContain(`failed before any change (preflight): ${NO_SPACE}`);
    expect(html).not.toContain('>pending<');
  });

  it('names machines in the audit trail by their label, not "host 3"', () => {
    const d = collectReport(seed().db, period, { now: NOW });
    expect(d.audit.map((a) => [a.action, a.target])).toEqual([
      ['patch.approve', 'files01'],
      ['patch.approve', 'nas'],
      ['patch.approve', '127.0.0.4'],
      ['deploy.settings', 'files01, nas'],
      ['host.delete', 'host 99 (removed)'],
      ['deploy.start', 'deployment 1'],
    ]);
  });
});

describe('itemOutcome', () => {
  const base = { itemState: 'pending', targetState: 'pending', targetStep: null, failureMessage: null, rollback: false } as const;
  it('says where a machine stopped when the pipeline never reached its items', () => {
    expect(itemOutcome({ ...base, targetState: 'failed', targetStep: 'snapshot', failureMessage: 'lvcreate: no space' })).toBe('failed before any change (snapshot): lvcreate: no space');
    expect(itemOutcome({ ...base, targetState: 'failed', targetStep: 'repair' })).toBe('failed at repair');
    expect(itemOutcome({ ...base, targetState: 'rolled-back', targetStep: 'rollback', failureMessage: 'apt-get exited 100' })).toBe('rolled back: apt-get exited 100');
    expect(itemOutcome({ ...base, targetState: 'cancelled' })).toBe('cancelled before it started');
    expect(itemOutcome({ ...base, targetState: 'interrupted', targetStep: 'install' })).toBe('interrupted at install');
    expect(itemOutcome({ ...base, rollback: true, targetState: 'skipped' })).toBe('not rolled back: no snapshot, nothing had changed');
    expect(itemOutcome({ ...base, itemState: 'failed', targetState: 'rollback-failed' })).toBe('failed; rollback failed, needs attention');
  });
});
