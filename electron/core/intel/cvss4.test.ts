import { describe, expect, it } from 'vitest';
import { cvss4BaseScore } from './cvss4';

// Expected scores are facts published by other implementations' test data (vector → score), not computed here:
//   GO: github.com/pandatix/go-cvss, 40/cvss40_test.go (file at commit 2c7a06cfa7441c64f07beb8a6f875305fdd2d0d7),
//       its CVSS-B cases.
//   RH: github.com/RedHatProductSecurity/cvss (the Python `cvss` package), tests/vectors_simple4 (file at commit
//       99d01937a7e0130f30893e6a405a37aea31d921c) and tests/vectors_supplemental4 (file at commit
//       89801dcecce69540889c1a1491d7ef6b114d7b21).
// Outside the test, cvss4.ts was also checked against Red Hat's calculator (github.com/RedHatProductSecurity/
// cvss-v4-calculator, cvss40.js at d1eafe06859e6610600f772ed98502bc1cd63526) on all 104,976 base vectors: no difference.
const PUBLISHED: readonly [source: string, vector: string, score: number][] = [
  ['GO full-impact', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10.0],
  ['GO no-impact', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0.0],
  ['GO full-system-no-subsequent', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
  ['GO no-system-full-subsequent', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H', 7.9],
  ['GO smol', 'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', 1.0],
  ['GO clement-b', 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:P/VC:N/VI:H/VA:H/SC:N/SI:L/SA:L', 5.2],
  ['RH simple4', 'CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0.0],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N', 1.8],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N', 2.1],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N', 4.0],
  ['RH simple4', 'CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L', 4.2],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:H/SA:L', 4.5],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:H/SI:H/SA:L', 4.7],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:L/VI:L/VA:N/SC:H/SI:N/SA:N', 4.9],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:L/VI:L/VA:L/SC:H/SI:H/SA:H', 5.2],
  ['RH simple4', 'CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:A/VC:H/VI:H/VA:H/SC:L/SI:N/SA:N', 5.4],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:H/VA:H/SC:L/SI:L/SA:N', 5.7],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:H/VI:L/VA:N/SC:L/SI:N/SA:L', 5.9],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:L/SI:L/SA:H', 6.2],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:N/SC:H/SI:L/SA:L', 6.4],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:H/VA:N/SC:N/SI:H/SA:L', 6.8],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:L/SC:N/SI:L/SA:N', 7.1],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:H/VI:H/VA:L/SC:L/SI:L/SA:L', 7.3],
  ['RH simple4', 'CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:L/SA:N', 7.7],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H', 7.9],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:H/SC:H/SI:N/SA:N', 8.2],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:N/SC:N/SI:L/SA:L', 8.5],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:N/SC:H/SI:N/SA:L', 8.7],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:H/SI:L/SA:L', 9.1],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H', 9.3],
  ['RH simple4', 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H', 9.5],
];

// Vectors whose exact score ends in 5 at the second decimal (x.x5). FIRST's older calculator script
// (FIRSTdotorg/cvss-v4-calculator, cvss_score.js) rounds them down through binary error; the Python package and
// Red Hat's current calculator round them half up, as the specification's "rounded to one decimal" means.
const HALF_WAY: readonly [vector: string, score: number][] = [
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:H/VA:L/SC:N/SI:N/SA:L', 5.7],
  ['CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:H/VA:N/SC:L/SI:N/SA:N', 5.7],
  ['CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:L/VI:H/VA:N/SC:N/SI:N/SA:N', 5.7],
  ['CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:L/SC:H/SI:H/SA:H', 5.0],
  ['CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:N/VI:L/VA:H/SC:L/SI:L/SA:N', 5.7],
  ['CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:A/VC:L/VI:H/VA:N/SC:L/SI:N/SA:L', 5.7],
];

// RH tests/vectors_supplemental4: supplemental metrics never change the score.
const SUPPLEMENTAL: readonly [vector: string, score: number][] = [
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/S:N/AU:N/R:A/V:D/RE:L/U:Clear', 0.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:N/AU:N/R:I/V:D/RE:L/U:Green', 7.3],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/S:P/AU:Y/R:I/V:C/RE:H/U:Red', 7.3],
];

const FULL = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H';
const BASE_VALUES: Readonly<Record<string, string>> = {
  AV: 'NALP', AC: 'LH', AT: 'NP', PR: 'NLH', UI: 'NPA', VC: 'HLN', VI: 'HLN', VA: 'HLN', SC: 'HLN', SI: 'HLN', SA: 'HLN',
};

function errorOf(vector: string): string {
  const r = cvss4BaseScore(vector);
  if (r.ok) throw new Error(`${vector.slice(0, 80)} was scored ${r.score}`);
  return r.error;
}

describe('cvss4BaseScore', () => {
  it.each(PUBLISHED)('%s: %s', (_source, vector, score) => {
    expect(cvss4BaseScore(vector)).toEqual({ ok: true, score });
  });

  it.each(HALF_WAY)('rounds half up: %s', (vector, score) => {
    expect(cvss4BaseScore(vector)).toEqual({ ok: true, score });
  });

  it.each(SUPPLEMENTAL)('ignores supplemental metrics: %s', (vector, score) => {
    expect(cvss4BaseScore(vector)).toEqual({ ok: true, score });
  });

  it('scores the base only: threat and environmental metrics are accepted and do not change the score (CVSS-B)', () => {
    // go-cvss scores these CVSS-BT 9.1 and CVSS-BE 9.8; their base is the full-impact vector.
    expect(cvss4BaseScore(`${FULL}/E:U`)).toEqual({ ok: true, score: 10 });
    expect(cvss4BaseScore(`${FULL}/MVI:L/MSA:S`)).toEqual({ ok: true, score: 10 });
    expect(cvss4BaseScore('CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:L')).toEqual(
      cvss4BaseScore('CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:H/SC:H/SI:H/SA:H'),
    );
  });

  it('accepts the longest legal vector: every metric once, X allowed for the optional ones', () => {
    const all =
      `${FULL}/E:X/CR:M/IR:X/AR:L/MAV:X/MAC:H/MAT:P/MPR:X/MUI:A/MVC:X/MVI:N/MVA:L/MSC:X/MSI:S/MSA:X` +
      '/S:P/AU:Y/R:U/V:C/RE:M/U:Amber';
    expect(cvss4BaseScore(all)).toEqual({ ok: true, score: 10 });
  });

  it('does not insist on the specification order of metrics', () => {
    expect(cvss4BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N')).toEqual(
      cvss4BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'),
    );
  });

  it('scores every one of the 104,976 base vectors within 0–10 at one decimal', () => {
    const metrics = Object.entries(BASE_VALUES);
    let vectors = ['CVSS:4.0'];
    for (const [metric, values] of metrics) vectors = vectors.flatMap((v) => [...values].map((x) => `${v}/${metric}:${x}`));
    expect(vectors).toHaveLength(104_976);
    const bad = vectors.filter((v) => {
      const r = cvss4BaseScore(v);
      return !r.ok || r.score < 0 || r.score > 10 || Math.round(r.score * 10) !== r.score * 10;
    });
    expect(bad).toEqual([]);
  }, 30_000);

  it.each([
    ['missing metric', FULL.replace('/AT:N', ''), /base metric AT is missing/],
    ['missing last metric', FULL.replace('/SA:H', ''), /base metric SA is missing/],
    ['duplicate metric', `${FULL}/AV:N`, /AV appears twice/],
    ['duplicate optional metric', `${FULL}/E:A/E:P`, /E appears twice/],
    ['bad base value', FULL.replace('AV:N', 'AV:X'), /AV:X is not a valid value/],
    ['Safety is no base value', FULL.replace('SI:H', 'SI:S'), /SI:S is not a valid value/],
    ['bad optional value', `${FULL}/E:Z`, /E:Z is not a valid value/],
    ['values are case-sensitive', `${FULL}/U:clear`, /U:clear is not a valid value/],
    ['value with a colon', FULL.replace('AV:N', 'AV:N:N'), /AV:N:N is not a valid value/],
    ['empty value', FULL.replace('AV:N', 'AV:'), /AV: is not a valid value/],
    ['unknown metric', `${FULL}/ZZ:1`, /ZZ is not a CVSS 4.0 metric/],
    ['3.x metric in 4.0', `${FULL}/S:U`, /S:U is not a valid value/],
    ['prototype key', `${FULL}/__proto__:N`, /__proto__ is not a CVSS 4.0 metric/],
    ['inherited key', `${FULL}/toString:N`, /toString is not a CVSS 4.0 metric/],
    ['no colon', `${FULL}/AV`, /"AV" is not a metric:value pair/],
    ['no metric name', `${FULL}/:N`, /":N" is not a metric:value pair/],
    ['wrong version', FULL.replace('4.0', '3.1'), /must start with "CVSS:4.0\/"/],
    ['lower-case prefix', FULL.replace('CVSS', 'cvss'), /must start with "CVSS:4.0\/"/],
    ['no prefix', FULL.slice('CVSS:4.0/'.length), /must start with "CVSS:4.0\/"/],
    ['leading space', ` ${FULL}`, /must start with "CVSS:4.0\/"/],
    ['trailing slash', `${FULL}/`, /empty metric/],
    ['doubled slash', FULL.replace('/AC', '//AC'), /empty metric/],
    ['prefix only', 'CVSS:4.0/', /empty metric/],
    ['empty string', '', /must start with "CVSS:4.0\/"/],
    ['1000 characters of junk', `CVSS:4.0/${'AV:N/'.repeat(198)}`, /longer than any CVSS 4.0 vector/],
    ['1000 characters without a slash', 'x'.repeat(1000), /longer than any CVSS 4.0 vector/],
  ])('refuses %s', (_name, vector, error) => {
    expect(errorOf(vector)).toMatch(error);
  });

  it('keeps echoed junk short in its error', () => {
    expect(errorOf(`${FULL}/${'Q'.repeat(200)}:N`).length).toBeLessThan(60);
  });
});
