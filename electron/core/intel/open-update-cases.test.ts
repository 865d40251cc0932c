import { describe, expect, it } from 'vitest';
import { fleetRisk } from '../dashboard/fleet-risk';
import { openDatabase, type Db } from '../db/open';
import { machineRisks, updatesByMachine } from './machine-risk';
import { readOpenUpdates } from './open-update-cases';
import { referenceFleetRisk, referenceMachineRisks, referencePlanPolicies, referenceUpdatesByMachine } from './open-update-cases.reference';
import { localeRanks } from './locale-rank';
import { scoreOpenUpdates } from './open-update-scores';
import { planPolicies, type RuleSpec } from './policy-rules';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 15, 30);

/** A fixed pseudo-random sequence (the same fleet on every run). */
function sequence(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor((x / 2_147_483_648) * n);
  };
}

/**
 * 60 machines of every profile (criticality, exposure by itself or by a tag, open ports, platforms, labels that
 * repeat), each with open and fixed updates: two architectures of a package that can differ in urgency, CVEs
 * that are KEV-listed, with EPSS or with an earlier fix, detection dates from a year ago to tomorrow (and ties
 * in score everywhere, so the order of equals is tested too), some approved.
 */
function fleet(seed: number): Db {
  const db = openDatabase(':memory:');
  const r = sequence(seed);
  const crit = ['low', 'normal', 'high', 'critical'];
  const tagSets = ['[]', '["dmz"]', '["office"]', '["office","db"]', '["lab"]'];
  const host = db.prepare(
    `INSERT INTO hosts (address, hostname, display_name, criticality, exposed, tags, open_ports, platform, reachability, last_assessed_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)`,
  );
  for (let m = 0; m < 60; m++) {
    host.run(
      `127.0.1.${m + 1}`,
      r(3) === 0 ? null : `pc-${r(20)}`,
      r(4) === 0 ? `Desk ${r(5)}` : null,
      crit[r(4)],
      r(5) === 0 ? 1 : 0,
      tagSets[r(tagSets.length)],
      ['[]', '[22]', '[22,443]', '[3389]'][r(4)],
      [null, 'debian-12', 'ubuntu-24.04'][r(3)],
      ['up', 'down', 'unknown'][r(3)],
      r(6) === 0 ? null : NOW - DAY,
    );
  }
  db.prepare(`INSERT INTO tag_profiles (tag, criticality, exposed, updated_at) VALUES ('dmz', NULL, 1, 1), ('db', 'critical', 0, 1)`).run();
  const cves = Array.from({ length: 25 }, (_, i) => `CVE-2025-${1000 + i}`);
  const kev = db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES (?, 'v', 'p', 'n', '2025-01-01', NULL, ?)`);
  for (let i = 0; i < 25; i += 6) kev.run(cves[i], i % 12 === 0 ? 1 : 0);
  const epss = db.prepare('INSERT INTO epss (cve_id, score, percentile) VALUES (?, ?, ?)');
  for (let i = 1; i < 25; i += 4) epss.run(cves[i], (i % 10) / 10, 0.5);
  const osv = db.prepare(`INSERT INTO osv_fixes (advisory_id, cve_id, ecosystem, package, fixed_version, published_at, modified_at, cvss_version, cvss_score) VALUES (?, ?, 'Debian', 'p', '1', ?, 1, ?, ?)`);
  for (let i = 2; i < 25; i += 5) osv.run(`DSA-${i}`, cves[i], NOW - (30 + i) * DAY, i % 2 ? '3.1' : null, i % 2 ? 7.5 : null);

  const upd = db.prepare(
    `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at, resolved_at)
     VALUES (?, ?, ?, ?, ?, 's', ?, ?, ?, ?)`,
  );
  const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'changelog')`);
  const approve = db.prepare(`INSERT OR IGNORE INTO approvals (host_id, package, arch, from_version, to_version, approved_by, approved_at) VALUES (?, ?, ?, ?, ?, 'me', 1)`);
  const urgencies = [null, 'low', 'medium', 'high', 'critical'];
  // Machines in a shuffled order, so row ids do not follow machine ids.
  const order = Array.from({ length: 60 }, (_, i) => i + 1).sort((a, b) => ((a * 37) % 61) - ((b * 37) % 61));
  for (const m of order) {
    for (let p = 0; p < 30; p++) {
      if (r(3) === 0) continue;
      const pkg = `pkg-${String.fromCharCode(97 + (p % 26))}${p >= 26 ? 'X' : ''}`;
      const version = `2.${p % 3}`;
      const arches = p % 5 === 0 ? ['amd64', 'i386'] : ['amd64'];
      for (const arch of arches) {
        const resolved = r(8) === 0 ? NOW - DAY : null;
        const detected = r(10) === 0 ? NOW + DAY : NOW - r(365) * DAY - r(DAY);
        const id = Number(upd.run(m, pkg, arch, r(5) === 0 ? null : '1.0', version, r(3) === 0 ? 1 : 0, urgencies[(p + r(2)) % 5], detected, resolved).lastInsertRowid);
        for (let c = r(4); c > 0; c--) adv.run(id, cves[(p * 3 + c * 7) % 25]);
        if (r(6) === 0) approve.run(m, pkg, arch, '1.0', version);
      }
    }
  }
  db.prepare(`INSERT INTO policy_blocks (kind, name, tag, reason, created_at) VALUES ('package', 'pkg-c', '', 'breaks the till', 1), ('package', 'pkg-d', 'office', 'office only', 1)`).run();
  db.prepare(
    `INSERT INTO version_events (package, version, platform, kind, event, cause, host_label, at) VALUES ('pkg-e', '2.1', 'debian-12', 'bad', 'install-failed', 'dpkg failed', 'x', 1)`,
  ).run();
  return db;
}

const rule = (r: Partial<RuleSpec>): RuleSpec => ({ tag: null, name: 'Fleet', mode: 'auto', approveKev: false, approveBand: null, approveScore: null, afterDays: null, securityOnly: false, ...r });
const ruleSets: RuleSpec[][] = [
  [rule({ approveKev: true, approveBand: 'critical', afterDays: 30, securityOnly: true })],
  [rule({ afterDays: 0 }), rule({ tag: 'db', name: 'Databases', mode: 'never' }), rule({ tag: 'office', name: 'Office', approveBand: 'medium' }), rule({ tag: 'lab', name: 'Lab', approveScore: 40 })],
  [rule({ approveBand: 'high', securityOnly: true }), rule({ tag: 'dmz', name: 'DMZ', afterDays: 90 })],
];

describe('the page builds over scored cases give what the per-row builds gave', () => {
  for (const seed of [1, 2, 3]) {
    it(`fleet ${seed}: Machines scores, by machine, Dashboard and policy decisions are equal, in the same order`, () => {
      const db = fleet(seed);
      // The fleet has what the comparison needs: ties, both architectures, KEV, approvals and fixed rows.
      const open = scoreOpenUpdates(db, NOW);
      expect(open.length).toBeGreaterThan(800);
      expect(open.some((u) => u.kevCves.length > 0)).toBe(true);
      expect(open.some((u) => u.approved)).toBe(true);

      expect(machineRisks(db, NOW)).toEqual(referenceMachineRisks(db, NOW));
      expect(updatesByMachine(db, NOW)).toEqual(referenceUpdatesByMachine(db, NOW));
      expect(fleetRisk(db, NOW)).toEqual(referenceFleetRisk(db, NOW));
      for (const rules of ruleSets) {
        const now = planPolicies(db, rules, NOW);
        const before = referencePlanPolicies(db, rules, NOW);
        expect(now.decisions.length).toBe(before.decisions.length);
        expect(now.decisions).toEqual(before.decisions);
        expect([...now.remembered].sort()).toEqual([...before.remembered].sort());
      }
      // Some rule set decides something, with a hold among the decisions.
      const decided = ruleSets.map((rules) => planPolicies(db, rules, NOW).decisions);
      expect(decided.some((d) => d.length > 100)).toBe(true);
      expect(decided.flat().some((d) => d.outcome === 'held')).toBe(true);
    });
  }

  it('each open row is read once, by machine then row id, with the score the per-row scoring gives it', () => {
    const db = fleet(4);
    const t = readOpenUpdates(db, NOW);
    const rows = scoreOpenUpdates(db, NOW).sort((a, b) => a.hostId - b.hostId || a.id - b.id);
    expect(t.length).toBe(rows.length);
    rows.forEach((u, i) => {
      const c = t.cases[t.caseOf[i]!]!;
      expect([t.id[i], t.hostId[i], t.detectedAt[i], c.package, c.arch, c.candidateVersion, c.score, c.band, c.why, c.kevCves]).toEqual([
        u.id,
        u.hostId,
        u.detectedAt,
        u.package,
        u.arch,
        u.candidateVersion,
        u.score,
        u.band,
        u.why,
        u.kevCves,
      ]);
    });
  });
});

describe('localeRanks', () => {
  it('orders as localeCompare does, equal strings to it sharing a rank', () => {
    const words = ['b', 'a', 'B', 'é', 'e', 'z', 'a', '\u0065\u0301'];
    const ranks = localeRanks(words);
    const byRank = [...words].sort((x, y) => ranks.get(x)! - ranks.get(y)!);
    expect(byRank).toEqual([...words].sort((x, y) => x.localeCompare(y)));
    // 'é' precomposed and e + combining accent collate equal.
    expect(ranks.get('é')).toBe(ranks.get('\u0065\u0301'));
    expect(ranks.get('a')).toBeLessThan(ranks.get('b')!);
  });
});
