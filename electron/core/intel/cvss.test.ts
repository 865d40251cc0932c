import { describe, expect, it } from 'vitest';
import { cvssBaseScore, cvssRating } from './cvss';

// Base scores as NVD publishes them for well-known CVEs (vector → score), and FIRST's v3.1 example
// (phpMyAdmin XSS, CVE-2013-1937) — facts used as test data.
const V3: readonly [string, string, number][] = [
  ['Log4Shell CVE-2021-44228', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0],
  ['Shellshock CVE-2014-6271', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
  ['Heartbleed CVE-2014-0160', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5],
  ['Dirty Pipe CVE-2022-0847', 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
  ['libwebp CVE-2023-4863', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8],
  ['PrintNightmare CVE-2021-34527', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8],
  ['FIRST example CVE-2013-1937', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
  ['no impact', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
  ['3.0 vector', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
];

const V2: readonly [string, string, number][] = [
  ['Shellshock CVE-2014-6271', 'AV:N/AC:L/Au:N/C:C/I:C/A:C', 10.0],
  ['Heartbleed CVE-2014-0160', 'AV:N/AC:L/Au:N/C:P/I:N/A:N', 5.0],
  ['sudo CVE-2021-3156', 'AV:L/AC:L/Au:N/C:C/I:C/A:C', 7.2],
  ['typical XSS', 'AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3],
  ['partial everything', '(AV:N/AC:L/Au:N/C:P/I:P/A:P)', 7.5],
];

describe('cvssBaseScore', () => {
  it.each(V3)('v3: %s', (_name, vector, score) => {
    expect(cvssBaseScore(vector)).toEqual({ ok: true, version: vector.slice(5, 8), score, vector });
  });

  it.each(V2)('v2: %s', (_name, vector, score) => {
    const r = cvssBaseScore(vector);
    expect(r.ok && r.version === '2.0' && r.score).toBe(score);
  });

  it('ignores temporal and environmental metrics (the base score is asked for)', () => {
    const r = cvssBaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R/CR:L/MAV:P');
    expect(r.ok && r.score).toBe(9.8);
  });

  it('PR weighs more when the scope changes', () => {
    const unchanged = cvssBaseScore('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N');
    const changed = cvssBaseScore('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N');
    expect(unchanged.ok && unchanged.score).toBe(5.4);
    expect(changed.ok && changed.score).toBe(6.4);
  });

  it('scores CVSS 4.0 through its macro-vector table (cvss4.ts), and passes on its refusals', () => {
    // 9.3: the FIRST CVSS 4.0 calculator's score for this vector (network, no privileges, high impact on the system).
    expect(cvssBaseScore(' CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N ')).toEqual({
      ok: true, version: '4.0', score: 9.3, vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    });
    const bad = cvssBaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N');
    expect(bad).toMatchObject({ ok: false, version: '4.0' });
    expect(!bad.ok && bad.error).toMatch(/SA/);
  });

  it.each([
    ['missing metric', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', /A is missing/],
    ['bad value', 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /AV:X is not a valid value/],
    ['repeated metric', 'CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /AV appears twice/],
    ['unknown metric', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1', /ZZ is not a CVSS metric/],
    ['v2 metric in v3', 'CVSS:3.1/AV:N/AC:L/Au:N/PR:N/UI:N/S:U/C:H/I:H/A:H', /Au is not a CVSS metric/],
    ['unknown version', 'CVSS:5.0/AV:N', /unknown CVSS version/],
    ['empty pair', 'CVSS:3.1/AV:/AC:L', /not a metric:value pair/],
    ['garbage', 'high', /not a CVSS vector/],
    ['empty', '', /not a CVSS vector/],
  ])('refuses %s', (_name, vector, error) => {
    const r = cvssBaseScore(vector);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(error);
  });

  it('rates scores with the v3 scale', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(cvssRating)).toEqual(['none', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
  });
});
