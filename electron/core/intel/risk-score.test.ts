import { describe, expect, it } from 'vitest';
import type { Criticality } from '../../../shared/contract';
import { normalizeSeverity, scoreUpdate, type CveIntel, type UpdateRiskInput } from './risk-score';

const NOW = Date.parse('2026-11-22T00:00:00Z');
const base = (over: Partial<UpdateRiskInput> = {}): UpdateRiskInput => ({
  package: 'openssl',
  cves: [],
  vendorSeverity: 'medium',
  isSecurity: true,
  detectedAt: NOW,
  machine: { criticality: 'normal', exposed: false, listeningServices: [22] },
  now: NOW,
  ...over,
});

describe('scoreUpdate: worked examples', () => {
  it('a Log4Shell-like CVE (KEV, ransomware, EPSS 94%) on a critical web server: 100, critical', () => {
    const r = scoreUpdate(
      base({
        package: 'liblog4j2-java',
        vendorSeverity: 'high',
        cves: [{ cveId: 'CVE-2021-44228', kev: { dateAdded: '2021-12-10', dueDate: '2021-12-24', ransomware: true }, epss: { score: 0.94, percentile: 0.999 } }],
        machine: { criticality: 'critical', exposed: false, listeningServices: [22, 443] },
      }),
    );
    // 40 severity + 35 KEV + 10 ransomware + 20 EPSS + 5 exposure = 110, × 1.3 = 143, clamped to 100.
    expect(r.score).toBe(100);
    expect(r.band).toBe('critical');
    expect(r.factors.map((f) => [f.key, f.points])).toEqual([
      ['severity', 40],
      ['kev', 35],
      ['criticality', 33],
      ['epss', 20],
      ['ransomware', 10],
      ['exposure', 5],
    ]);
    expect(r.why).toBe("Security update, high severity; CVE-2021-44228 is on CISA's Known Exploited Vulnerabilities list (added 2021-12-10).");
  });

  it('a medium Debian urgency with EPSS 0.1% on a normal desktop: 25, medium', () => {
    const r = scoreUpdate(base({ cves: [{ cveId: 'CVE-2024-0001', epss: { score: 0.001, percentile: 0.2 } }] }));
    expect(r.score).toBe(25);
    expect(r.band).toBe('medium');
    expect(r.factors.find((f) => f.key === 'epss')).toEqual({ key: 'epss', points: 0, text: 'CVE-2024-0001: 0.10% chance of exploitation in 30 days (EPSS, 20th percentile)' });
  });

  it('a non-security update (tzdata) stays low whatever its urgency', () => {
    const r = scoreUpdate(base({ package: 'tzdata', isSecurity: false, vendorSeverity: 'high' }));
    expect(r).toMatchObject({ score: 5, band: 'low', why: 'Not a security update.' });
  });

  it('the same CVE weighs more on a critical machine than on a low one', () => {
    const cves = [{ cveId: 'CVE-2024-6387', epss: { score: 0.1, percentile: 0.9 } }];
    // 40 + 13 = 53: × 0.8 = 42.4 → 42 (medium); × 1.3 = 68.9 → 69 (high).
    expect(scoreUpdate(base({ vendorSeverity: 'high', cves, machine: { criticality: 'low', exposed: false, listeningServices: [] } }))).toMatchObject({ score: 42, band: 'medium' });
    expect(scoreUpdate(base({ vendorSeverity: 'high', cves, machine: { criticality: 'critical', exposed: false, listeningServices: [] } }))).toMatchObject({ score: 69, band: 'high' });
  });

  it('a KEV CVE is never below high, even on a low machine with low urgency', () => {
    const r = scoreUpdate(base({ vendorSeverity: 'low', cves: [{ cveId: 'CVE-2021-4034', kev: { dateAdded: '2022-06-27', dueDate: null, ransomware: false } }], machine: { criticality: 'low', exposed: false, listeningServices: [] } }));
    // (10 + 35) × 0.8 = 36, raised to the KEV floor of 70.
    expect(r).toMatchObject({ score: 70, band: 'high' });
  });

  it('waiting adds a point a week up to ten; a reboot-only-effective update costs three', () => {
    expect(scoreUpdate(base({ detectedAt: NOW - 3 * 7 * 86_400_000 })).score).toBe(28);
    expect(scoreUpdate(base({ detectedAt: NOW - 40 * 7 * 86_400_000 })).score).toBe(35);
    const k = scoreUpdate(base({ package: 'linux-image-6.1.0-28-amd64', vendorSeverity: 'high' }));
    expect(k.score).toBe(37);
    expect(k.factors.find((f) => f.key === 'reboot')?.text).toMatch(/a cost, not a risk/);
  });
});

describe('scoreUpdate: vendor feeds (CVSS, tracker and Microsoft severities, fix dates) and exposure', () => {
  const WEEK = 7 * 86_400_000;

  it('CVSS, where a feed gives it, sets the severity points: 9.8 → 54 whatever the changelog urgency says', () => {
    const r = scoreUpdate(base({ vendorSeverity: 'low', cves: [{ cveId: 'CVE-2024-6387', cvss: { score: 8.1, version: '3.1', source: 'DSA-5724-1' } }, { cveId: 'CVE-2024-0002', cvss: { score: 9.8, version: '3.1', source: 'DSA-5724-1' } }] }));
    // max(5, round(5.5 × 9.8)) = 54; nothing else.
    expect(r).toMatchObject({ score: 54, band: 'medium' });
    expect(r.factors[0]).toEqual({ key: 'severity', points: 54, text: 'CVE-2024-0002 has CVSS 9.8 (critical; v3.1, DSA-5724-1)' });
  });

  it("without CVSS, the highest vendor severity known wins: the tracker's high over the changelog's medium", () => {
    const r = scoreUpdate(base({ cves: [{ cveId: 'CVE-2024-5535', vendorSeverity: { label: 'high', source: 'Debian security tracker' } }] }));
    expect(r.factors[0]).toEqual({ key: 'severity', points: 40, text: 'security update, high severity (CVE-2024-5535, Debian security tracker)' });
    // Microsoft's "Critical" counts as critical (55), + 1 for its one CVE as no CVSS or EPSS is known.
    expect(scoreUpdate(base({ vendorSeverity: null, cves: [{ cveId: 'CVE-2024-38063', vendorSeverity: { label: 'Critical', source: 'Microsoft' } }] })).score).toBe(56);
    // A lower feed severity does not lower the update's own.
    expect(scoreUpdate(base({ vendorSeverity: 'high', cves: [{ cveId: 'CVE-1', vendorSeverity: { label: 'low', source: 'Debian security tracker' } }] })).factors[0]!.points).toBe(40);
  });

  it('age counts from the earliest published fix when that is older than the detection', () => {
    const r = scoreUpdate(base({ detectedAt: NOW - WEEK, cves: [{ cveId: 'CVE-A', fixPublished: { at: NOW - 6 * WEEK - 1, source: 'DSA-1-1' } }, { cveId: 'CVE-B', fixPublished: { at: NOW - 2 * WEEK, source: 'DSA-2-1' } }] }));
    // 25 (medium) + 6 weeks + 2 for two CVEs with no CVSS or EPSS known.
    expect(r.score).toBe(33);
    expect(r.factors.find((f) => f.key === 'age')).toEqual({ key: 'age', points: 6, text: 'a fix was published 6 weeks ago (DSA-1-1)' });
    // A fix date after the detection (a re-published advisory) does not shorten the wait.
    expect(scoreUpdate(base({ detectedAt: NOW - 3 * WEEK, cves: [{ cveId: 'CVE-A', fixPublished: { at: NOW - WEEK, source: 'x' } }] })).factors.find((f) => f.key === 'age')?.text).toBe('waiting for 3 weeks');
  });

  it('a machine marked exposed gets the exposure points even with no public port open', () => {
    const r = scoreUpdate(base({ machine: { criticality: 'normal', exposed: true, listeningServices: [22] } }));
    expect(r.factors.find((f) => f.key === 'exposure')).toEqual({ key: 'exposure', points: 5, text: 'the machine is marked as exposed' });
    expect(r.score).toBe(30);
  });
});

describe('scoreUpdate: the CVE count as a tie-breaker where no CVSS or EPSS is known', () => {
  const cves = (n: number, extra: Partial<CveIntel> = {}): CveIntel[] => Array.from({ length: n }, (_, i) => ({ cveId: `CVE-2024-${10000 + i}`, ...extra }));
  const KEV = { dateAdded: '2024-03-01', dueDate: null, ransomware: false };

  it('27 CVEs and 1 CVE of the same urgency rank apart, and the breakdown says why and that no CVSS is known', () => {
    const many = scoreUpdate(base({ package: 'libexpat1', vendorSeverity: 'high', cves: cves(27) }));
    const one = scoreUpdate(base({ package: 'libpcre2-8-0', vendorSeverity: 'high', cves: cves(1) }));
    // 40 + min(4, 1 + floor(log2 27)) = 44; 40 + 1 = 41.
    expect(many.score).toBe(44);
    expect(one.score).toBe(41);
    expect(many.factors.find((f) => f.key === 'cves')).toEqual({
      key: 'cves',
      points: 4,
      text: 'no CVSS or EPSS known; 27 CVEs named in its changelog or advisories (a tie-breaker, at most +4)',
    });
    expect(one.factors.find((f) => f.key === 'cves')?.text).toMatch(/^no CVSS or EPSS known; 1 CVE named/);
    // Both stay in the band their urgency gives.
    expect([many.band, one.band]).toEqual(['medium', 'medium']);
  });

  it('more CVEs never score less, and the count stops at +4', () => {
    const points = [1, 2, 3, 4, 7, 8, 27, 500].map((n) => scoreUpdate(base({ cves: cves(n) })).factors.find((f) => f.key === 'cves')!.points);
    expect(points).toEqual([1, 2, 2, 3, 3, 4, 4, 4]);
  });

  it('a single KEV-listed CVE still outranks 27 unrated ones at any urgency', () => {
    for (const urgency of ['low', 'medium', 'high', 'critical']) {
      const kev = scoreUpdate(base({ vendorSeverity: urgency, cves: [{ cveId: 'CVE-2024-1', kev: KEV }] }));
      const many = scoreUpdate(base({ vendorSeverity: urgency, cves: cves(27) }));
      expect(kev.score).toBeGreaterThan(many.score);
    }
  });

  it('never lifts an update past the next vendor-severity level on the same machine', () => {
    const levels = ['low', 'medium', 'high', 'critical'];
    for (const criticality of ['low', 'normal', 'high', 'critical'] as const) {
      const machine = { criticality, exposed: false, listeningServices: [] };
      for (let i = 0; i + 1 < levels.length; i++) {
        const lower = scoreUpdate(base({ vendorSeverity: levels[i]!, cves: cves(1000), machine }));
        const higher = scoreUpdate(base({ vendorSeverity: levels[i + 1]!, cves: cves(1), machine }));
        expect(lower.score).toBeLessThan(higher.score);
      }
    }
  });

  it('stands aside when any CVE has a CVSS score or an EPSS probability, and for non-security updates', () => {
    const withCvss = scoreUpdate(base({ cves: [...cves(26), { cveId: 'CVE-2024-9', cvss: { score: 7.5, version: '3.1', source: 'DSA-1-1' } }] }));
    const withEpss = scoreUpdate(base({ cves: [...cves(26), { cveId: 'CVE-2024-9', epss: { score: 0.02, percentile: 0.8 } }] }));
    const notSecurity = scoreUpdate(base({ isSecurity: false, cves: cves(27) }));
    for (const r of [withCvss, withEpss, notSecurity]) expect(r.factors.some((f) => f.key === 'cves')).toBe(false);
    // Real evidence decides: the CVSS 7.5 sets the severity (41), with no count added.
    expect(withCvss.score).toBe(41);
  });

  it('adds nothing for a security update that names no CVE', () => {
    expect(scoreUpdate(base({ cves: [] })).factors.map((f) => f.key)).toEqual(['severity']);
  });
});

describe('normalizeSeverity', () => {
  it('puts Debian urgencies and vendor severities on one scale', () => {
    expect(['low', 'medium', 'high', 'emergency', 'Important', 'Moderate', 'Critical', 'unimportant', null, 'not yet assigned'].map((s) => normalizeSeverity(s).level)).toEqual([
      1, 2, 3, 4, 3, 2, 4, 1, 0, 0,
    ]);
  });
});

describe('scoreUpdate: monotonic in every risk input, bounded', () => {
  // A small deterministic generator, so failures reproduce.
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const sevs = ['low', 'medium', 'high', 'critical'];
  const crits: Criticality[] = ['low', 'normal', 'high', 'critical'];
  const gen = (): UpdateRiskInput =>
    base({
      vendorSeverity: pick(sevs),
      isSecurity: rand() > 0.2,
      detectedAt: NOW - Math.floor(rand() * 20) * 7 * 86_400_000,
      cves: [{ cveId: 'CVE-2024-1000', ...(rand() > 0.7 ? { kev: { dateAdded: '2024-01-01', dueDate: null, ransomware: rand() > 0.5 } } : {}), ...(rand() > 0.3 ? { epss: { score: rand(), percentile: rand() } } : {}), ...(rand() > 0.5 ? { cvss: { score: Math.round(rand() * 100) / 10, version: '3.1', source: 'test' } } : {}), ...(rand() > 0.5 ? { fixPublished: { at: NOW - Math.floor(rand() * 30) * 7 * 86_400_000, source: 'test' } } : {}) }],
      machine: { criticality: pick(crits), exposed: rand() > 0.8, listeningServices: rand() > 0.5 ? [443] : [22] },
    });

  it('raising any single input never lowers the score, and scores stay within 0–100', () => {
    for (let i = 0; i < 500; i++) {
      const a = gen();
      const s = scoreUpdate(a).score;
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(100);
      const sevUp = sevs[Math.min(3, sevs.indexOf(a.vendorSeverity!) + 1)]!;
      const critUp = crits[Math.min(3, crits.indexOf(a.machine.criticality) + 1)]!;
      const c = a.cves[0]!;
      const variants: UpdateRiskInput[] = [
        { ...a, vendorSeverity: sevUp },
        { ...a, machine: { ...a.machine, criticality: critUp } },
        { ...a, machine: { ...a.machine, exposed: true } },
        { ...a, detectedAt: a.detectedAt - 7 * 86_400_000 },
        { ...a, cves: [{ ...c, kev: { dateAdded: '2024-01-01', dueDate: null, ransomware: c.kev?.ransomware ?? false } }] },
        { ...a, cves: [{ ...c, epss: { score: Math.min(1, (c.epss?.score ?? 0) + 0.1), percentile: c.epss?.percentile ?? 0.5 } }] },
        ...(c.cvss ? [{ ...a, cves: [{ ...c, cvss: { ...c.cvss, score: Math.min(10, c.cvss.score + 1) } }] }] : []),
        ...(c.fixPublished ? [{ ...a, cves: [{ ...c, fixPublished: { ...c.fixPublished, at: c.fixPublished.at - 7 * 86_400_000 } }] }] : []),
      ];
      for (const v of variants) expect(scoreUpdate(v).score).toBeGreaterThanOrEqual(s);
    }
  });
});
