/**
 * CVSS base scores computed from vectors, so a feed that publishes only the vector (OSV does) still gives the
 * risk score a number. Versions 3.0 and 3.1 (FIRST's specification, section 7: base metric equations and the
 * Roundup function, which differs between them) and 2.0 (FIRST's CVSS v2 guide, section 3.2.1).
 *
 * CVSS 4.0 has no equation: its score comes from FIRST's table of macro vectors (cvss4.ts).
 * Only base metrics are read; temporal and environmental ones are allowed in the vector and ignored.
 */

import { cvss4BaseScore } from './cvss4';

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export type CvssResult =
  | { ok: true; version: CvssVersion; score: number; vector: string }
  | { ok: false; version: CvssVersion | null; vector: string; error: string };

const V3_WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  PR: { N: 0.85, L: 0.62, H: 0.27 },
  UI: { N: 0.85, R: 0.62 },
  S: { U: 0, C: 1 },
  C: { H: 0.56, L: 0.22, N: 0 },
  I: { H: 0.56, L: 0.22, N: 0 },
  A: { H: 0.56, L: 0.22, N: 0 },
} as const satisfies Record<string, Record<string, number>>;
/** Privileges Required weighs more when the scope changes. */
const V3_PR_CHANGED = { N: 0.85, L: 0.68, H: 0.5 } as const;
const V3_OPTIONAL = new Set(['E', 'RL', 'RC', 'CR', 'IR', 'AR', 'MAV', 'MAC', 'MPR', 'MUI', 'MS', 'MC', 'MI', 'MA']);

const V2_WEIGHTS = {
  AV: { L: 0.395, A: 0.646, N: 1.0 },
  AC: { H: 0.35, M: 0.61, L: 0.71 },
  Au: { M: 0.45, S: 0.56, N: 0.704 },
  C: { N: 0, P: 0.275, C: 0.66 },
  I: { N: 0, P: 0.275, C: 0.66 },
  A: { N: 0, P: 0.275, C: 0.66 },
} as const satisfies Record<string, Record<string, number>>;
const V2_OPTIONAL = new Set(['E', 'RL', 'RC', 'CDP', 'TD', 'CR', 'IR', 'AR']);

/** CVSS 3.1's Roundup: the smallest number with one decimal ≥ x, immune to floating-point error. */
function roundUp31(x: number): number {
  const n = Math.round(x * 100_000);
  return n % 10_000 === 0 ? n / 100_000 : (Math.floor(n / 10_000) + 1) / 10;
}

/** CVSS 3.0's Roundup, as that specification defines it. */
function roundUp30(x: number): number {
  return Math.ceil(x * 10) / 10;
}

type Metrics = Map<string, string>;

/** Splits "K:V/K:V…" into a map; a repeated or empty metric is an error. */
function readMetrics(parts: readonly string[]): Metrics | string {
  const m: Metrics = new Map();
  for (const part of parts) {
    const at = part.indexOf(':');
    if (at <= 0 || at === part.length - 1) return `"${part}" is not a metric:value pair`;
    const key = part.slice(0, at);
    if (m.has(key)) return `${key} appears twice`;
    m.set(key, part.slice(at + 1));
  }
  return m;
}

function weight<T extends Record<string, Record<string, number>>>(table: T, m: Metrics, key: keyof T & string): number | string {
  const v = m.get(key);
  if (v === undefined) return `the base metric ${key} is missing`;
  const w = table[key]![v];
  return w === undefined ? `${key}:${v} is not a valid value` : w;
}

function unknownMetric(m: Metrics, base: object, optional: ReadonlySet<string>): string | null {
  for (const k of m.keys()) if (!(k in base) && !optional.has(k)) return `${k} is not a CVSS metric of this version`;
  return null;
}

function score3(vector: string, version: '3.0' | '3.1', parts: readonly string[]): CvssResult {
  const fail = (error: string): CvssResult => ({ ok: false, version, vector, error });
  const m = readMetrics(parts);
  if (typeof m === 'string') return fail(m);
  const unknown = unknownMetric(m, V3_WEIGHTS, V3_OPTIONAL);
  if (unknown) return fail(unknown);
  const w: Record<string, number> = {};
  for (const key of Object.keys(V3_WEIGHTS) as (keyof typeof V3_WEIGHTS)[]) {
    const v = weight(V3_WEIGHTS, m, key);
    if (typeof v === 'string') return fail(v);
    w[key] = v;
  }
  const changed = w.S === 1;
  const pr = changed ? V3_PR_CHANGED[m.get('PR') as keyof typeof V3_PR_CHANGED] : w.PR!;
  const iss = 1 - (1 - w.C!) * (1 - w.I!) * (1 - w.A!);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * w.AV! * w.AC! * pr * w.UI!;
  const roundUp = version === '3.1' ? roundUp31 : roundUp30;
  const score = impact <= 0 ? 0 : roundUp(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
  return { ok: true, version, score, vector };
}

function score2(vector: string, parts: readonly string[]): CvssResult {
  const fail = (error: string): CvssResult => ({ ok: false, version: '2.0', vector, error });
  const m = readMetrics(parts);
  if (typeof m === 'string') return fail(m);
  const unknown = unknownMetric(m, V2_WEIGHTS, V2_OPTIONAL);
  if (unknown) return fail(unknown);
  const w: Record<string, number> = {};
  for (const key of Object.keys(V2_WEIGHTS) as (keyof typeof V2_WEIGHTS)[]) {
    const v = weight(V2_WEIGHTS, m, key);
    if (typeof v === 'string') return fail(v);
    w[key] = v;
  }
  const impact = 10.41 * (1 - (1 - w.C!) * (1 - w.I!) * (1 - w.A!));
  const exploitability = 20 * w.AV! * w.AC! * w.Au!;
  const f = impact === 0 ? 0 : 1.176;
  // "round_to_1_decimal"; the small epsilon keeps x.x5 from rounding down through binary error.
  const score = Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10 + 1e-9) / 10;
  return { ok: true, version: '2.0', score: Math.max(0, score), vector };
}

/** The base score of a CVSS vector ("CVSS:4.0/…", "CVSS:3.1/AV:N/…", "CVSS:3.0/…", or a bare or "(…)"-wrapped v2 vector). */
export function cvssBaseScore(input: string): CvssResult {
  const vector = input.trim();
  if (vector.length === 0 || vector.length > 300) return { ok: false, version: null, vector: vector.slice(0, 300), error: 'not a CVSS vector' };
  const v3 = /^CVSS:(3\.[01])\/(.+)$/.exec(vector);
  if (v3) return score3(vector, v3[1] as '3.0' | '3.1', v3[2]!.split('/'));
  if (vector.startsWith('CVSS:4.0/')) {
    const v4 = cvss4BaseScore(vector);
    return v4.ok ? { ok: true, version: '4.0', score: v4.score, vector } : { ok: false, version: '4.0', vector, error: v4.error };
  }
  if (/^CVSS:/.test(vector)) return { ok: false, version: null, vector, error: `unknown CVSS version ${vector.slice(5, 9)}` };
  const bare = vector.replace(/^\((.*)\)$/, '$1');
  if (/^AV:[LAN]\//.test(bare)) return score2(vector, bare.split('/'));
  return { ok: false, version: null, vector, error: 'not a CVSS vector' };
}

/** The qualitative rating of a CVSS v3 score (also used for v2 scores here, for one vocabulary). */
export function cvssRating(score: number): 'none' | 'low' | 'medium' | 'high' | 'critical' {
  return score === 0 ? 'none' : score < 4 ? 'low' : score < 7 ? 'medium' : score < 9 ? 'high' : 'critical';
}
