/**
 * The detail views' data: an update's every CVE and factor, each machine's versions and approval; a machine's
 * updates, deployments, rollbacks and assessments.
 */
import { describe, expect, it } from 'vitest';
import { isSafeExternalUrl } from '../../main/trusted-url';
import { openDatabase } from '../db/open';
import { scoreOpenUpdates } from './open-update-scores';
import { buildPatchRows } from './patch-list';
import { cveRecordUrl, machineDetailOf, updateDetailOf } from './update-detail';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);

function fleet() {
  const db = openDatabase(':memory:');
  const host = db.prepare(`INSERT INTO hosts (address, hostname, criticality, tags, open_ports, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)`);
  host.run('127.0.0.2', 'files', 'critical', '["servers"]', '[22,445]');
  host.run('127.0.0.3', 'desk-1', 'low', '[]', '[22]');
  host.run('127.0.0.4', 'desk-2', 'low', '["kiosk"]', '[22]');
  const upd = db.prepare(
    `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at)
     VALUES (?, ?, 'amd64', ?, ?, 'bookworm-security', 1, 'high', ?)`,
  );
  const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'changelog')`);
  // 27 CVEs: more than any list that used to be cut with "…".
  const cves = Array.from({ length: 27 }, (_, i) => `CVE-2024-${String(45490 + i)}`);
  for (const [hostId, installed, days] of [[1, '2.5.0-1', 2], [2, '2.5.0-1', 2], [3, '2.4.7-1', 30]] as const) {
    const id = Number(upd.run(hostId, 'libexpat1', installed, '2.5.0-1+deb12u1', NOW - days * DAY).lastInsertRowid);
    for (const c of cves) adv.run(id, c);
  }
  adv.run(Number(upd.run(1, 'libpcre2-8-0', '10.42-1', '10.42-1+deb12u1', NOW - DAY).lastInsertRowid), 'CVE-2022-41409');
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2024-45490', 'libexpat', 'libexpat', 'x', '2024-10-01', '2024-10-22', 0)`).run();
  db.prepare(`INSERT INTO epss (cve_id, score, percentile) VALUES ('CVE-2024-45491', 0.02, 0.8)`).run();
  db.prepare(`INSERT INTO osv_fixes (advisory_id, cve_id, ecosystem, package, fixed_version, published_at, modified_at, cvss_vector, cvss_version, cvss_score)
              VALUES ('DSA-5770-1', 'CVE-2024-45492', 'Debian:12', 'expat', '2.5.0-1+deb12u1', ?, ?, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1', 9.8)`).run(NOW - 10 * DAY, NOW);
  db.prepare(`INSERT INTO approvals (host_id, package, arch, from_version, to_version, approved_by, approved_at) VALUES (2, 'libexpat1', 'amd64', '2.5.0-1', '2.5.0-1+deb12u1', 'alice', ?)`).run(NOW - DAY);
  db.prepare(`INSERT INTO policy_blocks (kind, name, tag, reason, created_at) VALUES ('package', 'libexpat1', 'kiosk', 'kiosk image is frozen', 1)`).run();
  return { db, cves };
}

describe('updateDetailOf', () => {
  it('lists every CVE with its KEV, EPSS and CVSS and a link to its record, none cut', () => {
    const { db, cves } = fleet();
    const d = updateDetailOf(db, 'libexpat1', '2.5.0-1+deb12u1', NOW);
    expect(d.cves.map((c) => c.cveId)).toEqual([...cves].sort());
    const by = new Map(d.cves.map((c) => [c.cveId, c]));
    expect(by.get('CVE-2024-45490')).toMatchObject({ kev: { dateAdded: '2024-10-01', dueDate: '2024-10-22', ransomware: false }, epss: null, cvss: null });
    expect(by.get('CVE-2024-45491')!.epss).toEqual({ score: 0.02, percentile: 0.8 });
    expect(by.get('CVE-2024-45492')!.cvss).toEqual({ score: 9.8, version: '3.1', source: 'DSA-5770-1' });
    expect(by.get('CVE-2024-45490')!.url).toBe('https://www.cve.org/CVERecord?id=CVE-2024-45490');
    expect(d.cves.every((c) => c.url?.startsWith('https://www.cve.org/CVERecord?id=CVE-'))).toBe(true);
  });

  it('gives each machine its versions, its own score with every factor, and its approval state', () => {
    const { db } = fleet();
    const d = updateDetailOf(db, 'libexpat1', '2.5.0-1+deb12u1', NOW);
    expect(d.machines.map((m) => [m.label, m.installedVersion, m.candidateVersion, m.approval.state])).toEqual([
      ['files', '2.5.0-1', '2.5.0-1+deb12u1', 'not-approved'],
      ['desk-2', '2.4.7-1', '2.5.0-1+deb12u1', 'blocked'],
      ['desk-1', '2.5.0-1', '2.5.0-1+deb12u1', 'approved'],
    ]);
    expect(d.machines[2]!.approval).toEqual({ state: 'approved', by: 'alice', at: NOW - DAY, reason: null });
    expect(d.machines[1]!.approval.reason).toBe('kiosk image is frozen (group kiosk)');
    // The riskiest machine's score and factors are the Patches row's.
    const row = buildPatchRows(db, NOW).find((r) => r.package === 'libexpat1')!;
    expect(d.machines[0]!.risk).toEqual(row.risk);
    expect(d.machines[0]!.risk.factors.map((f) => f.key)).toEqual(expect.arrayContaining(['severity', 'kev', 'epss', 'criticality', 'exposure']));
  });

  it('refuses an update no machine is waiting for', () => {
    const { db } = fleet();
    expect(() => updateDetailOf(db, 'libexpat1', '9.9', NOW)).toThrow(/No machine is waiting for libexpat1 9.9/);
  });

  it('links only well-formed CVE ids, with links the window lets out to the system browser', () => {
    expect(cveRecordUrl('CVE-2024-3094')).toBe('https://www.cve.org/CVERecord?id=CVE-2024-3094');
    expect(isSafeExternalUrl(cveRecordUrl('CVE-2024-3094')!)).toBe(true);
    for (const bad of ['CVE-2024-1&x=1', 'javascript:alert(1)', 'CVE-24-1', 'CVE-2024-1234/../x', 'GHSA-xxxx']) expect(cveRecordUrl(bad)).toBeNull();
  });
});

describe('machineDetailOf', () => {
  it("lists the machine's updates scored for it, riskiest first, with their approval", () => {
    const { db } = fleet();
    const d = machineDetailOf(db, 1, 20, NOW);
    expect(d.updates.map((u) => [u.package, u.installedVersion, u.candidateVersion, u.approval.state])).toEqual([
      ['libexpat1', '2.5.0-1', '2.5.0-1+deb12u1', 'not-approved'],
      ['libpcre2-8-0', '10.42-1', '10.42-1+deb12u1', 'not-approved'],
    ]);
    expect(d.updates[0]!.cves).toHaveLength(27);
    expect(d.updates[0]!.kevCves).toEqual(['CVE-2024-45490']);
    expect(d.updates[0]!.score).toBe(updateDetailOf(db, 'libexpat1', '2.5.0-1+deb12u1', NOW).machines[0]!.risk.score);
    // The scores and reasons policies, the dashboard and the by-machine view use.
    const scored = scoreOpenUpdates(db, NOW, (u) => u.hostId === 1);
    expect(d.updates.map((u) => [u.package, u.score, u.band, u.why])).toEqual(
      expect.arrayContaining(scored.map((u) => [u.package, u.score, u.band, u.why])),
    );
  });

  it('shows its deployments and rollbacks as they went on this machine, and its assessments, newest first', () => {
    const { db } = fleet();
    const dep = db.prepare(`INSERT INTO deployments (state, created_by, created_at, title, rollback_of) VALUES (?, 'user', ?, ?, ?)`);
    const target = db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, step, failure, updated_at) VALUES (?, ?, 1, ?, ?, ?, 1)`);
    const item = db.prepare(`INSERT INTO deployment_items (deployment_id, host_id, package, arch, from_version, to_version, result_version, state) VALUES (?, ?, 'openssl', 'amd64', '3.0.14', '3.0.15', ?, ?)`);
    const first = Number(dep.run('succeeded', NOW - 5 * DAY, 'openssl to 3.0.15', null).lastInsertRowid);
    target.run(first, 1, 'succeeded', 'done', null);
    item.run(first, 1, '3.0.15', 'installed');
    target.run(first, 2, 'failed', 'preflight', JSON.stringify({ message: 'apt is busy', command: 'apt-get install', exitCode: 100, stderrTail: 'E: Could not get lock' }));
    const undo = Number(dep.run('succeeded', NOW - 4 * DAY, 'Roll back openssl', first).lastInsertRowid);
    target.run(undo, 1, 'rolled-back', 'done', null);
    item.run(undo, 1, '3.0.14', 'rolled-back');
    db.prepare(`INSERT INTO assessments (host_id, state, started_at, finished_at, pending_count, new_count) VALUES (1, 'succeeded', ?, ?, 2, 2)`).run(NOW - 3 * DAY, NOW - 3 * DAY + 1000);

    const d = machineDetailOf(db, 1, 20, NOW);
    expect(d.deployments.map((x) => [x.title, x.rollbackOf, x.state, x.items.map((i) => `${i.package} ${i.fromVersion}→${i.toVersion} = ${i.resultVersion} (${i.state})`)])).toEqual([
      ['Roll back openssl', first, 'rolled-back', ['openssl 3.0.14→3.0.15 = 3.0.14 (rolled-back)']],
      ['openssl to 3.0.15', null, 'succeeded', ['openssl 3.0.14→3.0.15 = 3.0.15 (installed)']],
    ]);
    expect(d.assessments.map((a) => [a.state, a.pendingCount])).toEqual([['succeeded', 2]]);
    // The other machine sees only its own part: the failure, and nothing of the rollback.
    const other = machineDetailOf(db, 2, 20, NOW);
    expect(other.deployments.map((x) => [x.deploymentId, x.state, x.step, x.failure?.message])).toEqual([[first, 'failed', 'preflight', 'apt is busy']]);
  });

  it('refuses an unknown machine', () => {
    const { db } = fleet();
    expect(() => machineDetailOf(db, 99, 20, NOW)).toThrow(/No machine with id 99/);
  });
});
