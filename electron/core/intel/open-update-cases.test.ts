import { describe, expect, it } from 'vitest';
import { fleetRisk } from '../dashboard/fleet-risk';
import { machineRisks, updatesByMachine } from './machine-risk';
import { readOpenUpdates } from './open-update-cases';
import { referenceFleetRisk, referenceMachineRisks, referencePlanPolicies, referenceUpdatesByMachine } from './open-update-cases.reference';
import { localeRanks } from './locale-rank';
import { scoreOpenUpdates } from './open-update-scores';
import { MAX_DECISIONS_SHOWN, planPolicies, previewRule, saveRule, type RuleSpec } from './policy-rules';
import { randomFleet } from './testing/random-fleet';

const NOW = Date.UTC(2026, 10, 22, 15, 30);
const fleet = (seed: number) => randomFleet(seed, NOW);

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

  it('a rule counting days decides each row by its own days waited, however the rows of one case alternate', () => {
    const db = fleet(7);
    // Machines alike, and every open row waiting 7 to 11 whole days by machine: one case per kind (one week waited),
    // whose rows come machine after machine with the days going back and forth.
    db.prepare(`UPDATE hosts SET criticality = 'normal', exposed = 0, open_ports = '[22]', tags = '[]'`).run();
    db.prepare(`UPDATE pending_updates SET detected_at = ? - (7 + host_id % 5) * 86400000 - 3600000 WHERE resolved_at IS NULL`).run(NOW);
    const open = readOpenUpdates(db, NOW);
    const daysOfCase = new Map<number, Set<number>>();
    for (let i = 0; i < open.length; i++) daysOfCase.set(open.caseOf[i]!, (daysOfCase.get(open.caseOf[i]!) ?? new Set<number>()).add(open.detectedAt[i]!));
    expect([...daysOfCase.values()].filter((d) => d.size >= 4).length).toBeGreaterThan(10);
    for (const rules of [[rule({ afterDays: 0 })], [rule({ afterDays: 9 })]]) {
      expect(planPolicies(db, rules, NOW, open).decisions).toEqual(referencePlanPolicies(db, rules, NOW).decisions);
    }
  });

  it('a rule previewed with the saved rules counts and lists, in order, what the per-row plan decides', () => {
    let cut = false;
    for (const seed of [5, 6]) {
      const db = fleet(seed);
      if (seed === 6) {
        // Machines alike whose rows of one update wait different whole days within one week: one case, with rows
        // that an "after N days" rule decides (and words) differently.
        db.prepare(`UPDATE hosts SET criticality = 'normal', exposed = 0, open_ports = '[22]' WHERE id % 2 = 0`).run();
        db.prepare(`UPDATE pending_updates SET detected_at = detected_at - (host_id % 5) * 86400000 WHERE host_id % 2 = 0`).run();
      }
      const open = readOpenUpdates(db, NOW);
      const daysOfCase = new Map<number, Set<number>>();
      for (let i = 0; i < open.length; i++) {
        const days = daysOfCase.get(open.caseOf[i]!) ?? new Set<number>();
        daysOfCase.set(open.caseOf[i]!, days.add(Math.floor((NOW - open.detectedAt[i]!) / 86_400_000)));
      }
      if (seed === 6) expect([...daysOfCase.values()].some((d) => d.size > 1)).toBe(true);
      // Saved tag rules the previewed fleet rule joins; then a tag rule previewed in place of the saved one.
      saveRule(db, { tag: 'office', name: 'Office', mode: 'auto', approveKev: false, approveBand: 'medium', approveScore: null, afterDays: null, securityOnly: false }, NOW);
      saveRule(db, { tag: 'db', name: 'Databases', mode: 'never', approveKev: false, approveBand: null, approveScore: null, afterDays: null, securityOnly: false }, NOW);
      const saved = (tag: string | null): RuleSpec[] => [rule({ tag: 'office', name: 'Office', approveBand: 'medium' }), rule({ tag: 'db', name: 'Databases', mode: 'never' })].filter((r) => r.tag !== tag);
      const previews: RuleSpec[] = [rule({ afterDays: 0 }), rule({ approveKev: true, approveBand: 'critical', afterDays: 30, securityOnly: true }), rule({ tag: 'office', name: 'Office 2', afterDays: 60 })];
      for (const spec of previews) {
        const before = referencePlanPolicies(db, [...saved(spec.tag), spec], NOW).decisions;
        const expected = { approved: before.filter((d) => d.outcome === 'approve').length, held: before.filter((d) => d.outcome === 'held').length, decisions: before.slice(0, MAX_DECISIONS_SHOWN) };
        expect(previewRule(db, spec, NOW)).toEqual(expected);
        // From the shared read, as the page call builds it.
        expect(previewRule(db, spec, NOW, open)).toEqual(expected);
        // And every decision, beyond the ones a preview shows.
        expect(planPolicies(db, [...saved(spec.tag), spec], NOW, open).decisions).toEqual(before);
        cut ||= before.length > MAX_DECISIONS_SHOWN;
        expect(expected.held).toBeGreaterThan(0);
      }
    }
    // The list shown was cut somewhere, so its first decisions had to be the right ones.
    expect(cut).toBe(true);
  });

  for (const sparse of [false, true]) {
  it(`each open row is read once, by machine then row id, with the score the per-row scoring gives it${sparse ? ' (machine ids too sparse for an array)' : ''}`, () => {
    const db = fleet(4);
    if (sparse) {
      // A machine whose id is far beyond the others, with the updates of machine 1.
      db.prepare(`INSERT INTO hosts (id, address, criticality, exposed, tags, open_ports, created_at, updated_at) VALUES (1000000, '127.0.2.1', 'high', 1, '[]', '[443]', 1, 1)`).run();
      db.prepare(
        `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at)
         SELECT 1000000, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at FROM pending_updates WHERE host_id = 1 AND resolved_at IS NULL`,
      ).run();
    }
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
  }
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
