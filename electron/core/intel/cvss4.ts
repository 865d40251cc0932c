/**
 * CVSS 4.0 base scores (CVSS-B), so a feed that publishes only a 4.0 vector still gives the risk score a number.
 *
 * CVSS 4.0 has no score equation. FIRST's specification (section 8) sorts every vector into a "macro vector" of six
 * equivalence-class digits (EQ1…EQ6), gives each macro vector an expert-assigned score from a table, and places the
 * vector below that score by how far it sits from the most severe vectors of its class. In short:
 *   1. the macro vector's score from the table;
 *   2. for each class dimension (EQ1, EQ2, EQ3 and EQ6 together, EQ4, EQ5) that has a next-lower macro vector: the
 *      score gap to it, times the vector's severity distance from the class's top vector over the class's depth;
 *   3. the table score minus the mean of those products, kept within 0–10 and rounded to one decimal.
 *
 * Only base metrics are scored. Threat, environmental and supplemental metrics are accepted (each at most once, with
 * a legal value) and ignored: threat and environmental ones take their "Not Defined" value, the worst case (E:A,
 * CR/IR/AR:H), which is what CVSS-B means. That matches cvss.ts, which reads only base metrics of 3.x and 2.0.
 * Metric order is not enforced: the specification is not consistent about it and published vectors vary.
 *
 * Data (facts, not code), from github.com/FIRSTdotorg/cvss-v4-calculator at commit
 * c5b0d409ae9f57c44264c6ce5f27d89298e1d32a (FIRST, Red Hat and contributors, BSD-2-Clause): MACRO_SCORES from
 * cvss_lookup.js; each axis's top vectors from max_composed.js and its depth from max_severity.js (AXES); the order
 * of each metric's values (SEVERITY) by which that calculator measures distance.
 *
 * Rounding is half up. FIRST's older calculator script there (cvss_score.js) rounds the float as it comes, so 522 of
 * the 104,976 base vectors whose exact score is x.x5 come out 0.1 lower there; Red Hat's current calculator
 * (github.com/RedHatProductSecurity/cvss-v4-calculator, cvss40.js at d1eafe06859e6610600f772ed98502bc1cd63526) and
 * the Python `cvss` package round half up, and this file agrees with that calculator on all 104,976.
 */

/** Mandatory base metrics and their values, most severe first. */
const BASE_VALUES = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'],
  VI: ['H', 'L', 'N'],
  VA: ['H', 'L', 'N'],
  SC: ['H', 'L', 'N'],
  SI: ['H', 'L', 'N'],
  SA: ['H', 'L', 'N'],
} as const satisfies Record<string, readonly string[]>;

type BaseMetric = keyof typeof BASE_VALUES;
const BASE_METRICS = Object.keys(BASE_VALUES) as BaseMetric[];

/** Threat, environmental and supplemental metrics: allowed in a vector, not scored here. X is "Not Defined". */
const OPTIONAL_VALUES = {
  E: ['X', 'A', 'P', 'U'],
  CR: ['X', 'H', 'M', 'L'],
  IR: ['X', 'H', 'M', 'L'],
  AR: ['X', 'H', 'M', 'L'],
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MAT: ['X', 'N', 'P'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'P', 'A'],
  MVC: ['X', 'H', 'L', 'N'],
  MVI: ['X', 'H', 'L', 'N'],
  MVA: ['X', 'H', 'L', 'N'],
  MSC: ['X', 'H', 'L', 'N'],
  MSI: ['X', 'S', 'H', 'L', 'N'],
  MSA: ['X', 'S', 'H', 'L', 'N'],
  S: ['X', 'N', 'P'],
  AU: ['X', 'N', 'Y'],
  R: ['X', 'A', 'U', 'I'],
  V: ['X', 'D', 'C'],
  RE: ['X', 'L', 'M', 'H'],
  U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
} as const satisfies Record<string, readonly string[]>;

/** A Map, not an object, so "__proto__" or "toString" in a hostile vector is just an unknown metric. */
const ALLOWED: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([...Object.entries(BASE_VALUES), ...Object.entries(OPTIONAL_VALUES)]);

/** Far above the longest legal vector (every metric present, about 180 characters); the same cap as cvss.ts. */
const MAX_LENGTH = 300;
const PREFIX = 'CVSS:4.0/';

/** The metrics the equivalence classes read: the base ones plus the threat and requirement ones CVSS-B fixes. */
type ScoredMetric = BaseMetric | 'E' | 'CR' | 'IR' | 'AR';
type Values = Readonly<Record<ScoredMetric, string>>;

/** "Not Defined" threat and requirement metrics count as the worst case (specification, sections 4 and 5). */
const CVSS_B_DEFAULTS = { E: 'A', CR: 'H', IR: 'H', AR: 'H' } as const;

/** Severity steps within each metric, 0 the most severe; a vector's distance from a top vector sums the steps. */
const SEVERITY: Readonly<Record<ScoredMetric, Readonly<Record<string, number>>>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 },
  AC: { L: 0, H: 1 },
  AT: { N: 0, P: 1 },
  PR: { N: 0, L: 1, H: 2 },
  UI: { N: 0, P: 1, A: 2 },
  VC: { H: 0, L: 1, N: 2 },
  VI: { H: 0, L: 1, N: 2 },
  VA: { H: 0, L: 1, N: 2 },
  // Subsequent-system integrity and availability may be Safety (S), above High, through MSI/MSA only.
  SC: { H: 1, L: 2, N: 3 },
  SI: { S: 0, H: 1, L: 2, N: 3 },
  SA: { S: 0, H: 1, L: 2, N: 3 },
  E: { A: 0, P: 1, U: 2 },
  CR: { H: 0, M: 1, L: 2 },
  IR: { H: 0, M: 1, L: 2 },
  AR: { H: 0, M: 1, L: 2 },
};

/** FIRST's score of each macro vector, keyed by its digits EQ1…EQ6 (270 of them; other digit strings do not occur). */
const MACRO_SCORES: Readonly<Record<string, number>> = {
  '000000': 10.0, '000001': 9.9, '000010': 9.8, '000011': 9.5, '000020': 9.5, '000021': 9.2, '000100': 10.0, '000101': 9.6,
  '000110': 9.3, '000111': 8.7, '000120': 9.1, '000121': 8.1, '000200': 9.3, '000201': 9.0, '000210': 8.9, '000211': 8.0,
  '000220': 8.1, '000221': 6.8, '001000': 9.8, '001001': 9.5, '001010': 9.5, '001011': 9.2, '001020': 9.0, '001021': 8.4,
  '001100': 9.3, '001101': 9.2, '001110': 8.9, '001111': 8.1, '001120': 8.1, '001121': 6.5, '001200': 8.8, '001201': 8.0,
  '001210': 7.8, '001211': 7.0, '001220': 6.9, '001221': 4.8, '002001': 9.2, '002011': 8.2, '002021': 7.2, '002101': 7.9,
  '002111': 6.9, '002121': 5.0, '002201': 6.9, '002211': 5.5, '002221': 2.7, '010000': 9.9, '010001': 9.7, '010010': 9.5,
  '010011': 9.2, '010020': 9.2, '010021': 8.5, '010100': 9.5, '010101': 9.1, '010110': 9.0, '010111': 8.3, '010120': 8.4,
  '010121': 7.1, '010200': 9.2, '010201': 8.1, '010210': 8.2, '010211': 7.1, '010220': 7.2, '010221': 5.3, '011000': 9.5,
  '011001': 9.3, '011010': 9.2, '011011': 8.5, '011020': 8.5, '011021': 7.3, '011100': 9.2, '011101': 8.2, '011110': 8.0,
  '011111': 7.2, '011120': 7.0, '011121': 5.9, '011200': 8.4, '011201': 7.0, '011210': 7.1, '011211': 5.2, '011220': 5.0,
  '011221': 3.0, '012001': 8.6, '012011': 7.5, '012021': 5.2, '012101': 7.1, '012111': 5.2, '012121': 2.9, '012201': 6.3,
  '012211': 2.9, '012221': 1.7, '100000': 9.8, '100001': 9.5, '100010': 9.4, '100011': 8.7, '100020': 9.1, '100021': 8.1,
  '100100': 9.4, '100101': 8.9, '100110': 8.6, '100111': 7.4, '100120': 7.7, '100121': 6.4, '100200': 8.7, '100201': 7.5,
  '100210': 7.4, '100211': 6.3, '100220': 6.3, '100221': 4.9, '101000': 9.4, '101001': 8.9, '101010': 8.8, '101011': 7.7,
  '101020': 7.6, '101021': 6.7, '101100': 8.6, '101101': 7.6, '101110': 7.4, '101111': 5.8, '101120': 5.9, '101121': 5.0,
  '101200': 7.2, '101201': 5.7, '101210': 5.7, '101211': 5.2, '101220': 5.2, '101221': 2.5, '102001': 8.3, '102011': 7.0,
  '102021': 5.4, '102101': 6.5, '102111': 5.8, '102121': 2.6, '102201': 5.3, '102211': 2.1, '102221': 1.3, '110000': 9.5,
  '110001': 9.0, '110010': 8.8, '110011': 7.6, '110020': 7.6, '110021': 7.0, '110100': 9.0, '110101': 7.7, '110110': 7.5,
  '110111': 6.2, '110120': 6.1, '110121': 5.3, '110200': 7.7, '110201': 6.6, '110210': 6.8, '110211': 5.9, '110220': 5.2,
  '110221': 3.0, '111000': 8.9, '111001': 7.8, '111010': 7.6, '111011': 6.7, '111020': 6.2, '111021': 5.8, '111100': 7.4,
  '111101': 5.9, '111110': 5.7, '111111': 5.7, '111120': 4.7, '111121': 2.3, '111200': 6.1, '111201': 5.2, '111210': 5.7,
  '111211': 2.9, '111220': 2.4, '111221': 1.6, '112001': 7.1, '112011': 5.9, '112021': 3.0, '112101': 5.8, '112111': 2.6,
  '112121': 1.5, '112201': 2.3, '112211': 1.3, '112221': 0.6, '200000': 9.3, '200001': 8.7, '200010': 8.6, '200011': 7.2,
  '200020': 7.5, '200021': 5.8, '200100': 8.6, '200101': 7.4, '200110': 7.4, '200111': 6.1, '200120': 5.6, '200121': 3.4,
  '200200': 7.0, '200201': 5.4, '200210': 5.2, '200211': 4.0, '200220': 4.0, '200221': 2.2, '201000': 8.5, '201001': 7.5,
  '201010': 7.4, '201011': 5.5, '201020': 6.2, '201021': 5.1, '201100': 7.2, '201101': 5.7, '201110': 5.5, '201111': 4.1,
  '201120': 4.6, '201121': 1.9, '201200': 5.3, '201201': 3.6, '201210': 3.4, '201211': 1.9, '201220': 1.9, '201221': 0.8,
  '202001': 6.4, '202011': 5.1, '202021': 2.0, '202101': 4.7, '202111': 2.1, '202121': 1.1, '202201': 2.4, '202211': 0.9,
  '202221': 0.4, '210000': 8.8, '210001': 7.5, '210010': 7.3, '210011': 5.3, '210020': 6.0, '210021': 5.0, '210100': 7.3,
  '210101': 5.5, '210110': 5.9, '210111': 4.0, '210120': 4.1, '210121': 2.0, '210200': 5.4, '210201': 4.3, '210210': 4.5,
  '210211': 2.2, '210220': 2.0, '210221': 1.1, '211000': 7.5, '211001': 5.5, '211010': 5.8, '211011': 4.5, '211020': 4.0,
  '211021': 2.1, '211100': 6.1, '211101': 5.1, '211110': 4.8, '211111': 1.8, '211120': 2.0, '211121': 0.9, '211200': 4.6,
  '211201': 1.8, '211210': 1.7, '211211': 0.7, '211220': 0.8, '211221': 0.2, '212001': 5.3, '212011': 2.4, '212021': 1.4,
  '212101': 2.4, '212111': 1.2, '212121': 0.5, '212201': 1.0, '212211': 0.3, '212221': 0.1,
};

type Digits = readonly [eq1: number, eq2: number, eq3: number, eq4: number, eq5: number, eq6: number];

/**
 * One axis along which a vector is placed inside its macro vector. EQ3 and EQ6 form a single axis because both read
 * VC/VI/VA, so their top vectors are given jointly.
 */
interface Axis {
  /** This axis's class within the macro vector: its EQ digit, or EQ3's and EQ6's digits for the joint axis ("10"). */
  classOf(d: Digits): string;
  /** The macro vectors one step less severe on this axis (none, one, or for EQ3 EQ6 = 00 two). */
  lower(d: Digits): Digits[];
  /** Per class: the most severe vectors in it, as the metrics of this axis ("AV:N/PR:N/UI:N"), parsed once. */
  top: Readonly<Record<string, readonly TopVector[]>>;
  /** Per class: its depth, the largest severity distance inside it plus one. */
  depth: Readonly<Record<string, number>>;
}

/** A most severe vector of a class, as [metric, value] pairs. */
type TopVector = readonly (readonly [ScoredMetric, string])[];

function tops(...vectors: string[]): TopVector[] {
  return vectors.map((v) => v.split('/').map((pair) => pair.split(':') as [ScoredMetric, string]));
}

function bump(d: Digits, at: number): Digits {
  return d.map((x, i) => (i === at ? x + 1 : x)) as unknown as Digits;
}

const AXES: readonly Axis[] = [
  {
    classOf: (d) => `${d[0]}`,
    lower: (d) => [bump(d, 0)],
    top: { 0: tops('AV:N/PR:N/UI:N'), 1: tops('AV:A/PR:N/UI:N', 'AV:N/PR:L/UI:N', 'AV:N/PR:N/UI:P'), 2: tops('AV:P/PR:N/UI:N', 'AV:A/PR:L/UI:P') },
    depth: { 0: 1, 1: 4, 2: 5 },
  },
  {
    classOf: (d) => `${d[1]}`,
    lower: (d) => [bump(d, 1)],
    top: { 0: tops('AC:L/AT:N'), 1: tops('AC:H/AT:N', 'AC:L/AT:P') },
    depth: { 0: 1, 1: 2 },
  },
  {
    classOf: (d) => `${d[2]}${d[5]}`,
    // 00 steps down to 01 or 10 (the nearer, higher-scored one counts), 01 and 10 to 11, 11 to 21; 21 is the floor.
    lower: (d) => {
      if (d[2] === 0 && d[5] === 0) return [bump(d, 5), bump(d, 2)];
      return [d[5] === 0 ? bump(d, 5) : bump(d, 2)];
    },
    top: {
      '00': tops('VC:H/VI:H/VA:H/CR:H/IR:H/AR:H'),
      '01': tops('VC:H/VI:H/VA:L/CR:M/IR:M/AR:H', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M'),
      '10': tops('VC:L/VI:H/VA:H/CR:H/IR:H/AR:H', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H'),
      '11': tops(
        'VC:L/VI:H/VA:L/CR:H/IR:M/AR:H',
        'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M',
        'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M',
        'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H',
        'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M',
      ),
      '21': tops('VC:L/VI:L/VA:L/CR:H/IR:H/AR:H'),
    },
    depth: { '00': 7, '01': 6, '10': 8, '11': 8, '21': 10 },
  },
  {
    classOf: (d) => `${d[3]}`,
    lower: (d) => [bump(d, 3)],
    top: { 0: tops('SC:H/SI:S/SA:S'), 1: tops('SC:H/SI:H/SA:H'), 2: tops('SC:L/SI:L/SA:L') },
    depth: { 0: 6, 1: 5, 2: 4 },
  },
  {
    classOf: (d) => `${d[4]}`,
    lower: (d) => [bump(d, 4)],
    top: { 0: tops('E:A'), 1: tops('E:P'), 2: tops('E:U') },
    depth: { 0: 1, 1: 1, 2: 1 },
  },
];

/** The equivalence classes of specification section 8, table 24 (EQ4's Safety case and EQ5, EQ6 included). */
function macroVector(v: Values): Digits {
  const { AV, PR, UI } = v;
  const eq1 = AV === 'N' && PR === 'N' && UI === 'N' ? 0 : AV !== 'P' && (AV === 'N' || PR === 'N' || UI === 'N') ? 1 : 2;
  const eq2 = v.AC === 'L' && v.AT === 'N' ? 0 : 1;
  const eq3 = v.VC === 'H' && v.VI === 'H' ? 0 : v.VC === 'H' || v.VI === 'H' || v.VA === 'H' ? 1 : 2;
  const eq4 = v.SI === 'S' || v.SA === 'S' ? 0 : v.SC === 'H' || v.SI === 'H' || v.SA === 'H' ? 1 : 2;
  const eq5 = SEVERITY.E[v.E]!;
  const eq6 = (v.CR === 'H' && v.VC === 'H') || (v.IR === 'H' && v.VI === 'H') || (v.AR === 'H' && v.VA === 'H') ? 0 : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

/** The severity steps from a top vector down to v, or null when v is more severe than it on some metric. */
function distanceFrom(v: Values, top: TopVector): number | null {
  let sum = 0;
  for (const [metric, value] of top) {
    const steps = SEVERITY[metric];
    const d = steps[v[metric]]! - steps[value]!;
    if (d < 0) return null;
    sum += d;
  }
  return sum;
}

/** The score of a validated vector; a string only if the data tables above were inconsistent. */
function score(v: Values): number | string {
  const impacts = [v.VC, v.VI, v.VA, v.SC, v.SI, v.SA];
  if (impacts.every((x) => x === 'N')) return 0;
  const digits = macroVector(v);
  const macroScore = MACRO_SCORES[digits.join('')];
  if (macroScore === undefined) return `macro vector ${digits.join('')} has no score`;
  let sum = 0;
  let counted = 0;
  for (const axis of AXES) {
    const lowerScores = axis.lower(digits).flatMap((d) => MACRO_SCORES[d.join('')] ?? []);
    // The least severe class on an axis has nothing below it to interpolate towards: the axis is left out.
    if (lowerScores.length === 0) continue;
    const cls = axis.classOf(digits);
    const distances = (axis.top[cls] ?? []).map((t) => distanceFrom(v, t));
    const distance = distances.find((d) => d !== null);
    const depth = axis.depth[cls];
    if (distance == null || depth === undefined) return `no top vector of class ${cls} is above this vector`;
    sum += ((macroScore - Math.max(...lowerScores)) * distance) / depth;
    counted += 1;
  }
  const raw = macroScore - (counted === 0 ? 0 : sum / counted);
  // Round half up to one decimal; the epsilon keeps x.x5 from rounding down through binary error.
  return Math.round(Math.min(10, Math.max(0, raw)) * 10 + 1e-9) / 10;
}

function clip(text: string): string {
  return text.length > 20 ? `${text.slice(0, 20)}…` : text;
}

/**
 * The CVSS-B score of a CVSS 4.0 vector ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N" → 9.3).
 * The vector must carry the eleven base metrics once each; threat, environmental and supplemental metrics may follow
 * (at most once each, legal values only) and do not change the score. Anything else is refused, saying why.
 */
export function cvss4BaseScore(vector: string): { ok: true; score: number } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false, error }) as const;
  if (typeof vector !== 'string') return fail('not a CVSS 4.0 vector');
  if (vector.length > MAX_LENGTH) return fail(`longer than any CVSS 4.0 vector (over ${MAX_LENGTH} characters)`);
  if (!vector.startsWith(PREFIX)) return fail('not a CVSS 4.0 vector: it must start with "CVSS:4.0/"');
  const seen = new Map<string, string>();
  for (const part of vector.slice(PREFIX.length).split('/')) {
    if (part === '') return fail('an empty metric (a doubled or trailing "/")');
    const at = part.indexOf(':');
    if (at <= 0) return fail(`"${clip(part)}" is not a metric:value pair`);
    const metric = part.slice(0, at);
    const value = part.slice(at + 1);
    const allowed = ALLOWED.get(metric);
    if (allowed === undefined) return fail(`${clip(metric)} is not a CVSS 4.0 metric`);
    if (seen.has(metric)) return fail(`${metric} appears twice`);
    if (!allowed.includes(value)) return fail(`${metric}:${clip(value)} is not a valid value (${metric} takes ${allowed.join(', ')})`);
    seen.set(metric, value);
  }
  const base: Partial<Record<BaseMetric, string>> = {};
  for (const metric of BASE_METRICS) {
    const value = seen.get(metric);
    if (value === undefined) return fail(`the base metric ${metric} is missing`);
    base[metric] = value;
  }
  const result = score({ ...(base as Record<BaseMetric, string>), ...CVSS_B_DEFAULTS });
  return typeof result === 'string' ? fail(`internal error: ${result}`) : { ok: true, score: result };
}
