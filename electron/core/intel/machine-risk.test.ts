import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { setTagProfile } from '../machines/machine-profile';
import { buildPatchRows } from './patch-list';
import { machineRisks, tagProfileViews, updatesByMachine } from './machine-risk';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);

function fleet() {
  const db = openDatabase(':memory:');
  const host = db.prepare(`INSERT INTO hosts (address, hostname, criticality, exposed, tags, open_ports, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '[22]', 1, 1)`);
  host.run('127.0.0.2', 'web', 'normal', 0, '["dmz","linux"]');
  host.run('127.0.0.3', 'desk', 'normal', 1, '["linux"]');
  host.run('127.0.0.4', 'idle', 'low', 0, '[]');
  const upd = db.prepare(`INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at) VALUES (?, ?, 'amd64', '1', ?, 's', ?, ?, ?)`);
  const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'changelog')`);
  adv.run(Number(upd.run(1, 'openssl', '2', 1, 'high', NOW - DAY).lastInsertRowid), 'CVE-2021-44228');
  upd.run(1, 'curl', '3', 1, 'high', NOW - DAY);
  upd.run(1, 'tzdata', '4', 0, 'low', NOW - DAY);
  upd.run(2, 'bash', '5', 1, 'medium', NOW - DAY);
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2021-44228', 'Apache', 'Log4j', 'x', '2021-12-10', NULL, 1)`).run();
  return db;
}

describe('machineRisks', () => {
  it("a machine's score is its riskiest update's, with that update named and the others counted", () => {
    const risks = machineRisks(fleet(), NOW);
    const web = risks.find((r) => r.hostId === 1)!;
    // openssl: high 40 + KEV 35 + ransomware 10 + 1 (its one CVE, no CVSS or EPSS known) = 86 (critical); curl: high severity 40 → medium.
    expect(web).toMatchObject({ score: 86, band: 'critical', openUpdates: 3, criticalUpdates: 1, highUpdates: 0, kevCves: 1, findings: 2, criticality: 'normal', exposed: false, profileFrom: [] });
    expect(web.why).toMatch(/^openssl 2: .*CVE-2021-44228 is on CISA's Known Exploited Vulnerabilities list.*\.$/);
    expect(risks.find((r) => r.hostId === 3)).toMatchObject({ score: 0, band: 'low', why: 'No open updates.', openUpdates: 0, findings: 0 });
    // The Machines page's count: bash is a medium-risk update, a finding because it comes from the security suite.
    expect(risks.find((r) => r.hostId === 2)).toMatchObject({ band: 'medium', findings: 1 });
  });

  it('a tag raises criticality and marks its machines exposed, and the reasons say where that came from', () => {
    const db = fleet();
    const before = machineRisks(db, NOW).find((r) => r.hostId === 2)!;
    expect(before).toMatchObject({ exposed: true, profileFrom: ['marked exposed'] });
    setTagProfile(db, { tag: 'linux', criticality: 'critical', exposed: true }, 5);
    const desk = machineRisks(db, NOW).find((r) => r.hostId === 2)!;
    expect(desk).toMatchObject({ criticality: 'critical', exposed: true, profileFrom: ['tag linux: critical', 'marked exposed'] });
    expect(desk.score).toBeGreaterThan(before.score);
    expect(machineRisks(db, NOW).find((r) => r.hostId === 1)).toMatchObject({ criticality: 'critical', exposed: true, profileFrom: ['tag linux: critical', 'tag linux: exposed'] });
    expect(tagProfileViews(db)).toEqual([
      { tag: 'dmz', criticality: null, exposed: false, machines: 1 },
      { tag: 'linux', criticality: 'critical', exposed: true, machines: 2 },
    ]);
    // Neither a criticality nor exposed: the profile goes.
    expect(setTagProfile(db, { tag: 'linux', criticality: null, exposed: false })).toEqual({ tag: 'linux', criticality: 'critical', exposed: true });
    expect(db.prepare('SELECT count(*) AS n FROM tag_profiles').get()).toEqual({ n: 0 });
  });
});

describe('updatesByMachine', () => {
  it("lists each machine's updates with that machine's own score, keyed like the Patches rows; riskiest first", () => {
    const db = fleet();
    db.prepare(`INSERT INTO approvals (host_id, package, arch, from_version, to_version, approved_by, approved_at) VALUES (1, 'curl', 'amd64', '1', '3', 'me', 1)`).run();
    const groups = updatesByMachine(db, NOW);
    expect(groups.map((g) => [g.label, g.score, g.band])).toEqual([
      ['web', 86, 'critical'],
      ['desk', 30, 'medium'],
    ]);
    expect(groups[0]!.updates.map((u) => [u.key.split('\u0000')[0], u.score, u.approved])).toEqual([
      ['openssl', 86, false],
      ['curl', 40, true],
      ['tzdata', 5, false],
    ]);
    const keys = new Set(buildPatchRows(db, NOW).map((r) => r.key));
    for (const g of groups) for (const u of g.updates) expect(keys.has(u.key)).toBe(true);
  });
});
