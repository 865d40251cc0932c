/**
 * The Patches page rows, built from SQLite's groups of alike updates: one row per package and version across
 * the fleet, the riskiest machine's score, every machine, CVE and installed version, approvals counted, and
 * each group scored exactly as each of its updates would be on its own.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { buildPatchRows } from './patch-list';
import { scoreUpdate } from './risk-score';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);

function fleet() {
  const db = openDatabase(':memory:');
  const host = db.prepare(`INSERT INTO hosts (address, hostname, criticality, open_ports, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)`);
  host.run('127.0.0.2', 'files', 'critical', '[22,445]');
  host.run('127.0.0.3', 'desk-1', 'low', '[22]');
  host.run('127.0.0.4', 'desk-2', 'low', '[22]');
  const upd = db.prepare(
    `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at)
     VALUES (?, ?, ?, ?, ?, 'bookworm-security', ?, ?, ?)`,
  );
  const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'changelog')`);
  const add = (hostId: number, pkg: string, installed: string, candidate: string, security: number, urgency: string | null, daysAgo: number, cves: string[], arch = 'amd64'): void => {
    const id = Number(upd.run(hostId, pkg, arch, installed, candidate, security, urgency, NOW - daysAgo * DAY).lastInsertRowid);
    for (const c of cves) adv.run(id, c);
  };
  // openssl: on all three, the critical file server riskiest; desk-2 has an older installed version and waited longer.
  add(1, 'openssl', '3.0.14-1', '3.0.15-1', 1, 'high', 2, ['CVE-2024-0001', 'CVE-2024-0002']);
  add(2, 'openssl', '3.0.14-1', '3.0.15-1', 1, 'high', 2, ['CVE-2024-0001', 'CVE-2024-0002']);
  add(3, 'openssl', '3.0.13-1', '3.0.15-1', 1, 'high', 30, ['CVE-2024-0001', 'CVE-2024-0002']);
  // tzdata: not security, no CVEs, on the two desks.
  add(2, 'tzdata', '2024a-0', '2025b-0', 0, 'low', 1, [], 'all');
  add(3, 'tzdata', '2024a-0', '2025b-0', 0, 'low', 1, [], 'all');
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2024-0001', 'OpenSSL', 'OpenSSL', 'x', '2024-01-02', NULL, 1)`).run();
  db.prepare(`INSERT INTO epss (cve_id, score, percentile) VALUES ('CVE-2024-0002', 0.42, 0.97), ('CVE-2024-0001', 0.1, 0.8)`).run();
  db.prepare(`INSERT INTO approvals (host_id, package, arch, from_version, to_version, approved_by, approved_at) VALUES (2, 'openssl', 'amd64', '3.0.14-1', '3.0.15-1', 'me', 1)`).run();
  return db;
}

describe('buildPatchRows', () => {
  it('one row per package and version, with every machine, CVE, installed version and approval', () => {
    const rows = buildPatchRows(fleet(), NOW);
    expect(rows.map((r) => r.package)).toEqual(['openssl', 'tzdata']);
    const [ssl, tz] = rows;
    expect(ssl).toMatchObject({
      key: 'openssl\u00003.0.15-1', candidateVersion: '3.0.15-1', installedVersions: ['3.0.13-1', '3.0.14-1'],
      hostIds: [1, 2, 3], hostLabels: ['files', 'desk-1', 'desk-2'], isSecurity: true, urgency: 'high',
      cves: ['CVE-2024-0001', 'CVE-2024-0002'], kevCves: ['CVE-2024-0001'], ransomware: true, epss: 0.42, epssPercentile: 0.97,
      approvedHosts: 1, firstDetectedAt: NOW - 30 * DAY,
    });
    expect(tz).toMatchObject({ hostIds: [2, 3], isSecurity: false, cves: [], kevCves: [], epss: null, approvedHosts: 0 });
  });

  it('scores each group exactly as its updates would be scored one by one, keeping the riskiest machine', () => {
    const rows = buildPatchRows(fleet(), NOW);
    const cves = [
      { cveId: 'CVE-2024-0001', kev: { dateAdded: '2024-01-02', dueDate: null, ransomware: true }, epss: { score: 0.1, percentile: 0.8 } },
      { cveId: 'CVE-2024-0002', epss: { score: 0.42, percentile: 0.97 } },
    ];
    const one = (criticality: 'critical' | 'low', ports: number[], daysAgo: number) =>
      scoreUpdate({ package: 'openssl', cves, vendorSeverity: 'high', isSecurity: true, detectedAt: NOW - daysAgo * DAY, machine: { criticality, exposed: false, listeningServices: ports }, now: NOW });
    const each = [one('critical', [22, 445], 2), one('low', [22], 2), one('low', [22], 30)];
    const best = each.reduce((a, b) => (b.score > a.score ? b : a));
    expect(rows[0]!.risk.score).toBe(best.score);
    expect(rows[0]!.risk.why).toBe(best.why);
    expect(rows[0]!.risk.factors).toEqual(best.factors.map((f) => ({ key: f.key, points: f.points, text: f.text })));
    // The waiting time counts in whole weeks: the 30-day-old update carries its age factor.
    expect(each[2]!.factors.some((f) => f.key === 'age')).toBe(true);
  });

  it('leaves out resolved updates and is empty for an empty fleet', () => {
    const db = fleet();
    db.prepare(`UPDATE pending_updates SET resolved_at = 1 WHERE package = 'tzdata'`).run();
    expect(buildPatchRows(db, NOW).map((r) => r.package)).toEqual(['openssl']);
    expect(buildPatchRows(openDatabase(':memory:'), NOW)).toEqual([]);
  });
});
