/**
 * The Patches page rows, built from SQLite's groups of alike updates: one row per package and version across
 * the fleet, the riskiest machine's score, every machine, CVE and installed version, approvals counted, and
 * each group scored exactly as each of its updates would be on its own.
 */
import { describe, expect, it } from 'vitest';
import type { PatchRow } from '../../../shared/contract';
import { openDatabase, type Db } from '../db/open';
import { OPEN_KINDS_SQL } from './open-update-kinds';
import { buildPatchRows } from './patch-list';
import { referencePatchRows } from './patch-list.reference';
import { scoreUpdate } from './risk-score';
import { randomFleet } from './testing/random-fleet';

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

  it("takes a group's longest wait: two alike machines detected weeks apart show the older one's score and reason", () => {
    const db = fleet();
    // tzdata on desk-1 (host 2) and desk-2 (host 3), alike (low, port 22): one group. desk-2's has waited 30 days.
    db.prepare(`UPDATE pending_updates SET detected_at = ? WHERE package = 'tzdata' AND host_id = 3`).run(NOW - 30 * DAY);
    const tz = () => buildPatchRows(db, NOW).find((r) => r.package === 'tzdata')!;
    const both = tz();
    expect(both.risk.factors.find((f) => f.key === 'age')).toEqual({ key: 'age', points: 4, text: 'waiting for 4 weeks' });
    // The same as desk-2's update scored alone; desk-1's alone scores less.
    db.prepare(`UPDATE pending_updates SET resolved_at = 1 WHERE package = 'tzdata' AND host_id = 2`).run();
    expect(tz().risk).toEqual(both.risk);
    db.prepare(`UPDATE pending_updates SET resolved_at = NULL WHERE package = 'tzdata' AND host_id = 2`).run();
    db.prepare(`UPDATE pending_updates SET resolved_at = 1 WHERE package = 'tzdata' AND host_id = 3`).run();
    expect(tz().risk.score).toBeLessThan(both.risk.score);
  });

  it('leaves out resolved updates and is empty for an empty fleet', () => {
    const db = fleet();
    db.prepare(`UPDATE pending_updates SET resolved_at = 1 WHERE package = 'tzdata'`).run();
    expect(buildPatchRows(db, NOW).map((r) => r.package)).toEqual(['openssl']);
    expect(buildPatchRows(openDatabase(':memory:'), NOW)).toEqual([]);
  });
});

describe('buildPatchRows with vendor feeds and machine profiles', () => {
  function small() {
    const db = openDatabase(':memory:');
    db.prepare(`INSERT INTO hosts (address, hostname, criticality, tags, open_ports, created_at, updated_at) VALUES ('127.0.0.2', 'web', 'normal', '["dmz"]', '[22]', 1, 1)`).run();
    db.prepare(`INSERT INTO hosts (address, hostname, criticality, tags, open_ports, created_at, updated_at) VALUES ('127.0.0.3', 'desk', 'normal', '[]', '[22]', 1, 1)`).run();
    const upd = db.prepare(`INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at) VALUES (?, ?, 'amd64', '1', '2', 's', 1, 'medium', ?)`);
    const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'changelog')`);
    adv.run(Number(upd.run(1, 'curl', NOW - DAY).lastInsertRowid), 'CVE-2024-6197');
    adv.run(Number(upd.run(2, 'libxml2', NOW - DAY).lastInsertRowid), 'CVE-2024-25062');
    return db;
  }

  it('uses OSV CVSS, the fix date and a tag that marks machines critical and exposed, and says so', () => {
    const db = small();
    db.prepare(`INSERT INTO osv_fixes (advisory_id, cve_id, ecosystem, package, fixed_version, published_at, modified_at, cvss_vector, cvss_version, cvss_score)
                VALUES ('DSA-5800-1', 'CVE-2024-6197', 'Debian:12', 'curl', '2', ?, ?, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', '3.1', 8.8)`).run(NOW - 5 * 7 * DAY, NOW);
    db.prepare(`INSERT INTO tag_profiles (tag, criticality, exposed, updated_at) VALUES ('dmz', 'high', 1, 1)`).run();
    const curl = buildPatchRows(db, NOW).find((r) => r.package === 'curl')!;
    // round(5.5 × 8.8) = 48, + 5 exposed, + 5 weeks since the fix = 58, × 1.15 (high, from the tag) = 66.7 → 67.
    expect(curl.risk.score).toBe(67);
    expect(curl.risk.factors).toEqual([
      { key: 'severity', points: 48, text: 'CVE-2024-6197 has CVSS 8.8 (high; v3.1, DSA-5800-1)' },
      { key: 'criticality', points: 9, text: 'high machine (×1.15)' },
      { key: 'exposure', points: 5, text: 'the machine is marked as exposed' },
      { key: 'age', points: 5, text: 'a fix was published 5 weeks ago (DSA-5800-1)' },
    ]);
  });

  it("uses the Debian tracker's urgency and Microsoft's severity when no CVSS is known; the machine's own criticality can be higher than its tag's", () => {
    const db = small();
    db.prepare(`INSERT INTO debian_tracker (cve_id, release, package, status, fixed_version, urgency) VALUES ('CVE-2024-25062', 'bookworm', 'libxml2', 'resolved', '2', 'high'), ('CVE-2024-25062', 'bullseye', 'libxml2', 'open', NULL, 'low')`).run();
    db.prepare(`UPDATE hosts SET criticality = 'critical' WHERE hostname = 'web'`).run();
    db.prepare(`INSERT INTO tag_profiles (tag, criticality, exposed, updated_at) VALUES ('dmz', 'low', 0, 1)`).run();
    const rows = buildPatchRows(db, NOW);
    expect(rows.find((r) => r.package === 'libxml2')!.risk.factors[0]).toEqual({ key: 'severity', points: 40, text: 'security update, high severity (CVE-2024-25062, Debian security tracker)' });
    // curl on web: (medium 25 + 1 for its one CVE, no CVSS or EPSS known) × 1.3 (the machine's own critical beats the tag's low) = 33.8 → 34.
    expect(rows.find((r) => r.package === 'curl')!.risk.score).toBe(34);
    db.prepare(`INSERT INTO msrc_cves (cve_id, title, severity, cvss_base, published_at) VALUES ('CVE-2024-6197', 't', 'Critical', NULL, 1)`).run();
    expect(buildPatchRows(db, NOW).find((r) => r.package === 'curl')!.risk.factors[0]!.text).toBe('security update, critical severity (CVE-2024-6197, Microsoft)');
  });

  it("uses Ubuntu's priority from an OSV record when no CVSS is known, the highest of the vendors winning", () => {
    const db = small();
    const put = db.prepare(`INSERT INTO osv_fixes (advisory_id, cve_id, ecosystem, package, fixed_version, published_at, modified_at, vendor_severity) VALUES (?, 'CVE-2024-25062', ?, 'libxml2', '2', 1, 1, ?)`);
    put.run('UBUNTU-CVE-2024-25062', 'Ubuntu:22.04:LTS', 'high');
    put.run('UBUNTU-CVE-2024-25062-old', 'Ubuntu:20.04:LTS', 'negligible');
    const libxml2 = () => buildPatchRows(db, NOW).find((r) => r.package === 'libxml2')!.risk.factors[0];
    expect(libxml2()).toEqual({ key: 'severity', points: 40, text: 'security update, high severity (CVE-2024-25062, Ubuntu, UBUNTU-CVE-2024-25062)' });
    // The Debian tracker's "low" does not lower it; a critical from Microsoft raises it.
    db.prepare(`INSERT INTO debian_tracker (cve_id, release, package, status, fixed_version, urgency) VALUES ('CVE-2024-25062', 'bookworm', 'libxml2', 'resolved', '2', 'low')`).run();
    expect(libxml2()!.points).toBe(40);
    db.prepare(`INSERT INTO msrc_cves (cve_id, title, severity, cvss_base, published_at) VALUES ('CVE-2024-25062', 't', 'Critical', NULL, 1)`).run();
    expect(libxml2()!.text).toBe('security update, critical severity (CVE-2024-25062, Microsoft)');
  });
});

describe('pending_updates.cve_list (kept by triggers on advisories)', () => {
  it('follows inserts, deletes and changes of an update’s CVEs, sorted', () => {
    const db = fleet();
    const list = () => (db.prepare('SELECT cve_list FROM pending_updates WHERE id = 1').get() as { cve_list: string | null }).cve_list;
    expect(list()).toBe('CVE-2024-0001,CVE-2024-0002');
    db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (1, 'CVE-2023-9999', 'changelog')`).run();
    expect(list()).toBe('CVE-2023-9999,CVE-2024-0001,CVE-2024-0002');
    db.prepare(`UPDATE advisories SET cve_id = 'CVE-2025-0001' WHERE pending_update_id = 1 AND cve_id = 'CVE-2023-9999'`).run();
    expect(list()).toBe('CVE-2024-0001,CVE-2024-0002,CVE-2025-0001');
    db.prepare('DELETE FROM advisories WHERE pending_update_id = 1').run();
    expect(list()).toBeNull();
    expect(buildPatchRows(db, NOW).find((r) => r.package === 'openssl')!.cves).toEqual(['CVE-2024-0001', 'CVE-2024-0002']);
  });
});

describe('buildPatchRows over the open updates read by kind gives what the SQL grouping by profile gave', () => {
  // The former build listed a version's notes in whatever order SQLite's sorter met them: as a set here.
  const comparable = (rows: PatchRow[]) => rows.map((r) => ({ ...r, notes: [...r.notes].sort() }));
  const same = (db: Db, now: number): PatchRow[] => {
    const rows = buildPatchRows(db, now);
    expect(comparable(rows)).toEqual(comparable(referencePatchRows(db, now)));
    return rows;
  };

  for (const seed of [1, 2, 3]) {
    it(`fleet ${seed}: the same rows in the same order, now and weeks later`, () => {
      const db = randomFleet(seed, NOW);
      const rows = same(db, NOW);
      // The fleet has what the comparison needs: a version on both architectures (two kinds in one row), several
      // installed versions, notes, KEV, approvals, and rows tied in score with different reasons.
      expect(rows.length).toBeGreaterThanOrEqual(25);
      expect(rows.some((r) => r.installedVersions.length > 1)).toBe(true);
      expect(rows.some((r) => r.notes.length > 1)).toBe(true);
      expect(rows.some((r) => r.kevCves.length > 0 && r.approvedHosts > 0)).toBe(true);
      expect(rows.some((r, i) => i > 0 && rows[i - 1]!.risk.score === r.risk.score && rows[i - 1]!.risk.why !== r.risk.why)).toBe(true);
      same(db, NOW + 3 * 7 * DAY + 5);
    });
  }

  it('stays the same through new, fixed and reopened updates, a machine gone, and tags, criticality and ports changed', () => {
    const db = randomFleet(5, NOW);
    same(db, NOW);
    const upd = db.prepare(
      `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at) VALUES (?, ?, 'amd64', '1.0', ?, 's', 0, 'high', ?)`,
    );
    // A new version of a package on a few machines, and a package no machine had, detected now and long ago.
    for (const h of [3, 9, 27]) upd.run(h, 'pkg-a', '3.0', NOW - h * DAY);
    db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2025-1000', 'changelog')`).run(Number(upd.run(4, 'newpkg', '1.1', NOW).lastInsertRowid));
    same(db, NOW);
    db.prepare(`UPDATE pending_updates SET resolved_at = ? WHERE package = 'pkg-b' OR (package = 'pkg-c' AND host_id % 2 = 0)`).run(NOW);
    same(db, NOW);
    db.prepare(`UPDATE pending_updates SET resolved_at = NULL WHERE package = 'pkg-b' AND host_id < 30`).run();
    same(db, NOW);
    db.prepare('DELETE FROM hosts WHERE id IN (7, 8)').run();
    same(db, NOW);
    // Rows whose machine is gone without them (a database written with foreign keys off) belong to no machine.
    db.pragma('foreign_keys = OFF');
    db.prepare('DELETE FROM hosts WHERE id IN (1, 2, 40)').run();
    db.pragma('foreign_keys = ON');
    expect((db.prepare('SELECT count(*) AS n FROM pending_updates WHERE host_id = 1 AND resolved_at IS NULL').get() as { n: number }).n).toBeGreaterThan(0);
    same(db, NOW);
    db.prepare(`INSERT INTO tag_profiles (tag, criticality, exposed, updated_at) VALUES ('office', 'high', 1, 1)`).run();
    db.prepare(`UPDATE hosts SET criticality = 'critical' WHERE id % 4 = 0`).run();
    db.prepare(`UPDATE hosts SET open_ports = '[22,80,443]' WHERE id % 5 = 1`).run();
    same(db, NOW);
    db.prepare(`UPDATE approvals SET state = 'revoked' WHERE host_id % 3 = 0`).run();
    same(db, NOW + 9 * DAY);
  });

  it('reads the kinds in one scan of the open-update index, with no sort of the rows', () => {
    const db = randomFleet(1, NOW);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${OPEN_KINDS_SQL}`).all() as { detail: string }[]).map((r) => r.detail);
    expect(plan[0]).toBe('SCAN pending_updates USING INDEX pending_updates_open_kind');
    // The only temporary b-trees are group_concat(DISTINCT)'s, one per group's few versions and notes.
    expect(plan.filter((d) => d.includes('TEMP B-TREE')).every((d) => d.includes('group_concat(DISTINCT)'))).toBe(true);
  });
});
