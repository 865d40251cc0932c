/**
 * The explainable risk score of one pending update on one machine (0–100), and its reasons in plain words.
 *
 * Formula, so that a user or an auditor can redo it by hand:
 *   severity   security updates: CVSS where a feed gives it (OSV advisories, Microsoft's CVRF): the highest
 *              base score s among its CVEs gives max(5, round(5.5 × s)) points (9.8 → 54, 7.5 → 41, 5.3 → 29);
 *              else the highest vendor severity known (the update's own: Debian urgency, Red Hat or SUSE
 *              severity; the Debian security tracker's urgency; Microsoft's MsrcSeverity):
 *              5 / 10 / 25 / 40 / 55 points for none-known / low / medium / high / critical ("emergency" and
 *              Microsoft's "Critical" count as critical, "Important" as high, "Moderate" as medium);
 *              a non-security update gets 5 points whatever its urgency.
 *   kev        +35 when any of its CVEs is on CISA's Known Exploited Vulnerabilities list,
 *   ransomware +10 more when CISA says the CVE is used in ransomware campaigns,
 *   epss       up to +20 from the highest EPSS probability p: 20 × clamp(log10(1000·p) / 3, 0, 1)
 *              (p = 0.001 → 0, 0.01 → 7, 0.1 → 13, 1 → 20),
 *   cves       a tie-breaker, only when none of its CVEs has a CVSS score or an EPSS probability (the bundled
 *              KEV catalog alone gives neither, so every Debian security update of one urgency would score alike):
 *              the number n of CVEs its changelog or advisories name gives min(4, 1 + floor(log2 n)) points
 *              (1 → 1, 2 → 2, 4 → 3, 8 or more → 4). At most 4, below the 5 between two vendor-severity levels,
 *              so it orders updates within a level, never lifts one past a level or a KEV listing (+35, floor 70),
 *              and says in its text that no CVSS or EPSS is known,
 *   exposure   +5 when the machine listens on a service commonly reached from outside (80, 443, 3389, 445,
 *              5985, 5986) or is flagged exposed,
 *   age        +1 per full week since a fix was published (the earliest publication of a fix for one of its CVEs,
 *              from OSV or CVRF), or else since the update was first seen pending, at most +10,
 *   × criticality of the machine: low 0.8, normal 1.0, high 1.15, critical 1.3,
 *   reboot     −3 afterwards when the update needs a reboot to take effect (a cost, not a risk),
 * rounded and clamped to 0–100; a KEV CVE never scores below 70 (85 with ransomware use).
 * Bands: critical ≥ 85, high ≥ 60, medium ≥ 25, low below.
 */
import type { Criticality } from '../../../shared/contract';
import { cvssRating } from './cvss';

export interface CveIntel {
  cveId: string;
  kev?: { dateAdded: string; dueDate: string | null; ransomware: boolean };
  epss?: { score: number; percentile: number };
  /** The highest CVSS base score a feed gives, and where it comes from ("DSA-5712-1", "Microsoft"). */
  cvss?: { score: number; version: string; source: string };
  /** A vendor's severity from a feed ("high" from the Debian tracker, "Critical" from Microsoft). */
  vendorSeverity?: { label: string; source: string };
  /** When a fix was first published (ms), and by whom. */
  fixPublished?: { at: number; source: string };
}

export interface UpdateRiskInput {
  package: string;
  cves: readonly CveIntel[];
  /** Debian urgency, or the vendor's severity. */
  vendorSeverity: string | null;
  isSecurity: boolean;
  /** When the update was first seen pending (ms). */
  detectedAt: number;
  machine: { criticality: Criticality; exposed: boolean; listeningServices: readonly number[] };
  now: number;
}

export type RiskFactorKey = 'severity' | 'cves' | 'kev' | 'ransomware' | 'epss' | 'exposure' | 'age' | 'criticality' | 'reboot';

export interface RiskFactor {
  key: RiskFactorKey;
  /** Points added (or, for criticality, the change the multiplier made). */
  points: number;
  text: string;
}

export interface RiskScore {
  score: number;
  band: 'critical' | 'high' | 'medium' | 'low';
  /** Strongest first. */
  factors: RiskFactor[];
  why: string;
}

const LEVELS: readonly { words: readonly string[]; label: string; points: number }[] = [
  { words: [], label: 'unrated', points: 5 },
  { words: ['low', 'unimportant', 'negligible'], label: 'low', points: 10 },
  { words: ['medium', 'moderate'], label: 'medium', points: 25 },
  { words: ['high', 'important'], label: 'high', points: 40 },
  { words: ['critical', 'emergency'], label: 'critical', points: 55 },
];

/** Maps Debian urgencies and vendor severities onto one 0–4 scale. */
export function normalizeSeverity(s: string | null): { level: number; label: string } {
  const w = (s ?? '').trim().toLowerCase();
  const level = LEVELS.findIndex((l) => l.words.includes(w));
  return level < 0 ? { level: 0, label: 'unrated' } : { level, label: LEVELS[level]!.label };
}

const EXPOSED_PORTS = [80, 443, 3389, 445, 5985, 5986];
const MULTIPLIER: Readonly<Record<Criticality, number>> = { low: 0.8, normal: 1.0, high: 1.15, critical: 1.3 };
/** Packages whose fix only takes effect after a reboot. */
const REBOOT_PACKAGES = /^(linux-image-|linux-signed-|kernel|libc6$|glibc$|systemd$|dbus$|intel-microcode$|amd64-microcode$)/;

export function bandOf(score: number): RiskScore['band'] {
  return score >= 85 ? 'critical' : score >= 60 ? 'high' : score >= 25 ? 'medium' : 'low';
}

function severityFactor(u: Pick<UpdateRiskInput, 'cves' | 'vendorSeverity' | 'isSecurity'>): RiskFactor {
  if (!u.isSecurity) return { key: 'severity', points: 5, text: 'not a security update' };
  const cvss = u.cves.reduce<CveIntel | null>((best, c) => (c.cvss && (!best?.cvss || c.cvss.score > best.cvss.score) ? c : best), null);
  if (cvss?.cvss) {
    const { score, version, source } = cvss.cvss;
    return { key: 'severity', points: Math.max(5, Math.round(5.5 * score)), text: `${cvss.cveId} has CVSS ${score.toFixed(1)} (${cvssRating(score)}; v${version}, ${source})` };
  }
  let best = { ...normalizeSeverity(u.vendorSeverity), source: '' };
  for (const c of u.cves) {
    if (!c.vendorSeverity) continue;
    const n = normalizeSeverity(c.vendorSeverity.label);
    if (n.level > best.level) best = { ...n, source: `${c.cveId}, ${c.vendorSeverity.source}` };
  }
  return { key: 'severity', points: LEVELS[best.level]!.points, text: `security update, ${best.label} severity${best.source ? ` (${best.source})` : ''}` };
}

/** Most points the CVE-count tie-breaker gives: less than the smallest step between two vendor-severity levels. */
export const CVE_COUNT_MAX = 4;

function cveCountFactor(u: Pick<UpdateRiskInput, 'cves' | 'isSecurity'>): RiskFactor[] {
  const n = u.cves.length;
  // Real evidence of severity or likelihood makes the count needless; it stands in only when there is none.
  if (!u.isSecurity || n === 0 || u.cves.some((c) => c.cvss || c.epss)) return [];
  const points = Math.min(CVE_COUNT_MAX, 1 + Math.floor(Math.log2(n)));
  return [{ key: 'cves', points, text: `no CVSS or EPSS known; ${n} CVE${n === 1 ? '' : 's'} named in its changelog or advisories (a tie-breaker, at most +${CVE_COUNT_MAX})` }];
}

function ageFactor(fix: CveIntel['fixPublished'] | null, u: Pick<UpdateRiskInput, 'detectedAt' | 'now'>): RiskFactor[] {
  const since = fix && fix.at < u.detectedAt ? fix.at : u.detectedAt;
  const weeks = Math.floor(Math.max(0, u.now - since) / (7 * 86_400_000));
  if (weeks <= 0) return [];
  const plural = `${weeks} week${weeks === 1 ? '' : 's'}`;
  const text = since === u.detectedAt ? `waiting for ${plural}` : `a fix was published ${plural} ago (${fix!.source})`;
  return [{ key: 'age', points: Math.min(10, weeks), text }];
}

/**
 * What an update scores by itself, before the machine and the time it waited: the same on every machine it is
 * pending on, so a page scoring one update on many machines works it out once (scoreUpdatePart).
 */
export interface UpdateRiskPart {
  package: string;
  /** Severity, CVE count, KEV, ransomware and EPSS, in the order the score lists equal factors. */
  factors: readonly RiskFactor[];
  /** The score's floor from a KEV listing (0: none). */
  kevFloor: number;
  /** The earliest publication of a fix for one of its CVEs. */
  fix: CveIntel['fixPublished'] | null;
}

export function updateRiskPart(u: Pick<UpdateRiskInput, 'package' | 'cves' | 'vendorSeverity' | 'isSecurity'>): UpdateRiskPart {
  const factors: RiskFactor[] = [];
  factors.push(severityFactor(u));
  factors.push(...cveCountFactor(u));
  const kev = u.cves.filter((c) => c.kev);
  if (kev.length > 0) {
    const first = kev[0]!;
    factors.push({ key: 'kev', points: 35, text: `${first.cveId} is on CISA's Known Exploited Vulnerabilities list (added ${first.kev!.dateAdded})${kev.length > 1 ? ` with ${kev.length - 1} more` : ''}` });
    const ransom = kev.find((c) => c.kev!.ransomware);
    if (ransom) factors.push({ key: 'ransomware', points: 10, text: `${ransom.cveId} is used in ransomware campaigns` });
  }
  const epss = u.cves.reduce<CveIntel | null>((best, c) => (c.epss && (!best?.epss || c.epss.score > best.epss.score) ? c : best), null);
  if (epss?.epss) {
    const p = epss.epss.score;
    const points = Math.round(20 * Math.min(1, Math.max(0, Math.log10(Math.max(p, 1e-9) * 1000) / 3)));
    factors.push({ key: 'epss', points, text: `${epss.cveId}: ${(p * 100).toFixed(p < 0.01 ? 2 : 1)}% chance of exploitation in 30 days (EPSS, ${Math.round(epss.epss.percentile * 100)}th percentile)` });
  }
  const fix = u.cves.reduce<CveIntel['fixPublished'] | null>((first, c) => (c.fixPublished && (!first || c.fixPublished.at < first.at) ? c.fixPublished : first), null);
  return { package: u.package, factors, kevFloor: kev.length === 0 ? 0 : kev.some((c) => c.kev!.ransomware) ? 85 : 70, fix };
}

export function scoreUpdate(u: UpdateRiskInput): RiskScore {
  return scoreUpdatePart(updateRiskPart(u), u);
}

/**
 * The score of `part` on a machine after the time it waited: hands every factor to `add` in the order the score
 * lists them (the update's own, exposure, age, criticality, reboot), and returns the score. One walk for the full
 * score (scoreUpdatePart, which keeps the factors) and the brief one (which keeps only the two strongest reasons).
 */
function scoreOnMachine(part: UpdateRiskPart, u: Pick<UpdateRiskInput, 'detectedAt' | 'machine' | 'now'>, add: (key: RiskFactorKey, points: number, text: string) => void): number {
  let raw = 0;
  const count = (key: RiskFactorKey, points: number, text: string): void => {
    raw += points;
    add(key, points, text);
  };
  for (const f of part.factors) count(f.key, f.points, f.text);
  const exposedOn = u.machine.listeningServices.filter((p) => EXPOSED_PORTS.includes(p));
  if (u.machine.exposed || exposedOn.length > 0) {
    count('exposure', 5, u.machine.exposed ? 'the machine is marked as exposed' : `the machine serves ports ${exposedOn.join(', ')}`);
  }
  for (const f of ageFactor(part.fix, u)) count(f.key, f.points, f.text);
  const mult = MULTIPLIER[u.machine.criticality];
  let score = raw * mult;
  if (mult !== 1) add('criticality', Math.round(score - raw), `${u.machine.criticality} machine (×${mult})`);
  if (REBOOT_PACKAGES.test(part.package)) {
    score -= 3;
    add('reboot', -3, 'needs a reboot to take effect (a cost, not a risk)');
  }
  score = Math.round(Math.min(100, Math.max(0, score)));
  return part.kevFloor > 0 ? Math.max(score, part.kevFloor) : score;
}

/** The reasons line: the two strongest reasons, or that nothing raises it. */
function whyOf(first: string | undefined, second: string | undefined): string {
  return first !== undefined ? `${first[0]!.toUpperCase()}${first.slice(1)}${second !== undefined ? `; ${second}` : ''}.` : 'Nothing raises its priority.';
}

/**
 * scoreUpdatePart's score, band and reasons without its list of factors, for a page scoring thousands of cases:
 * the two strongest reasons are picked as the sort would order them (more points first, equals in the order
 * listed), with no factor objects or arrays made. The equivalence tests hold it to scoreUpdate.
 */
export function scoreUpdatePartBrief(part: UpdateRiskPart, u: Pick<UpdateRiskInput, 'detectedAt' | 'machine' | 'now'>): Pick<RiskScore, 'score' | 'band' | 'why'> {
  let first: string | undefined;
  let firstPoints = 0;
  let second: string | undefined;
  let secondPoints = 0;
  // The reasons are the factors with points, strongest first; a later factor displaces one only with more points.
  const score = scoreOnMachine(part, u, (_key, points, text) => {
    if (points <= 0) return;
    if (first === undefined || points > firstPoints) {
      second = first;
      secondPoints = firstPoints;
      first = text;
      firstPoints = points;
    } else if (second === undefined || points > secondPoints) {
      second = text;
      secondPoints = points;
    }
  });
  return { score, band: bandOf(score), why: whyOf(first, second) };
}

/** The score of an update on a machine, from its own part (updateRiskPart): scoreUpdate without redoing that part. */
export function scoreUpdatePart(part: UpdateRiskPart, u: Pick<UpdateRiskInput, 'detectedAt' | 'machine' | 'now'>): RiskScore {
  const factors: RiskFactor[] = [];
  const score = scoreOnMachine(part, u, (key, points, text) => factors.push({ key, points, text }));
  factors.sort((a, b) => b.points - a.points);
  const reasons = factors.filter((f) => f.points > 0);
  return { score, band: bandOf(score), factors, why: whyOf(reasons[0]?.text, reasons[1]?.text) };
}
