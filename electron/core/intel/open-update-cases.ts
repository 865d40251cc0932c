/**
 * Every open update on every machine, scored, without one JavaScript object per update: what the Machines page,
 * the Patches page by machine, policies and the Dashboard read. At 500 machines × 100 updates, building 50,000
 * row objects and a memo key for each cost most of a page's time.
 *
 * An update's score depends only on its package, architecture-independent facts (version, CVEs, security flag,
 * vendor urgency), the machine's profile (criticality, exposed flag, open ports) and how many whole weeks it has
 * waited (risk-score.ts reads nothing finer). So SQLite groups the open updates by those (one pass, in C), each
 * group — a case — is scored once, and the rows come back as typed arrays of (machine, case, row id, detection
 * time), ordered by machine and row id: the order the per-row code read them in.
 */
import type { RiskBand } from '../../../shared/contract';
import type { Db } from '../db/open';
import { isFinding } from './finding';
import { writeHostProfiles } from './patch-list';
import { cveIntelOf, intelForOpenCves } from './patch-queries';
import { scoreUpdate, type CveIntel } from './risk-score';

const WEEK_MS = 7 * 86_400_000;

/** Open updates alike on machines alike: scored once. */
export interface UpdateCase {
  package: string;
  arch: string;
  candidateVersion: string;
  /** pending_updates.is_security: from a security suite or repository. */
  isSecurity: boolean;
  /** From the security suite or naming CVEs (what the score takes). */
  security: boolean;
  urgency: string | null;
  /** Its CVEs on the KEV list, sorted (shared by every row of the case: read only). */
  readonly kevCves: readonly string[];
  score: number;
  band: RiskBand;
  why: string;
  /** isFinding(): KEV, high or critical, or from a security source. */
  finding: boolean;
}

/** The open updates, one index per row, ordered by machine, then row id. */
export interface OpenUpdateTable {
  cases: UpdateCase[];
  length: number;
  hostId: Int32Array;
  /** Index into cases. */
  caseOf: Int32Array;
  id: Float64Array;
  detectedAt: Float64Array;
}

// Weeks waited as risk-score.ts counts them: floor(max(0, now - detected) / week); SQLite's integer division
// truncates toward zero, which max(0, …) makes the same floor.
const CASES_SQL = `
  SELECT u.package, u.arch, u.candidate_version, p.profile, max(0, (@now - u.detected_at) / ${WEEK_MS}) AS weeks,
         u.is_security, u.urgency, u.cve_list, min(u.detected_at),
         group_concat(u.host_id), group_concat(u.id), group_concat(u.detected_at)
  FROM pending_updates u JOIN temp.patch_host_profile p ON p.id = u.host_id
  WHERE u.resolved_at IS NULL
  GROUP BY u.package, u.arch, u.candidate_version, p.profile, weeks, u.is_security, u.urgency, u.cve_list`;

type CaseRow = [
  pkg: string,
  arch: string,
  candidate: string,
  profile: number,
  weeks: number,
  isSecurity: number,
  urgency: string | null,
  cveList: string | null,
  detectedAt: number,
  hostIds: string,
  ids: string,
  detected: string,
];

// Row ids and positions packed into one double (id · 2^21 + position) so a native numeric sort orders them.
const POS_BITS = 2 ** 21;

export function readOpenUpdates(db: Db, now = Date.now()): OpenUpdateTable {
  const profiles = writeHostProfiles(db);
  const groups = db.prepare(CASES_SQL).raw().all({ now }) as CaseRow[];
  const intel = groups.length ? intelForOpenCves(db) : new Map();
  const cases: UpdateCase[] = [];
  let n = 0;
  const lists: [string[], string[], string[]][] = [];
  for (const [pkg, arch, candidate, profile, , isSecurity, urgency, cveList, detectedAt, hostList, idList, detectedList] of groups) {
    const security = isSecurity === 1 || cveList !== null;
    const cveIntel: CveIntel[] = (cveList ? cveList.split(',') : []).map((cveId) => cveIntelOf(cveId, intel.get(cveId)));
    // Any row of the case scores the same (the same whole weeks waited): its earliest stands for all.
    const r = scoreUpdate({ package: pkg, cves: cveIntel, vendorSeverity: urgency, isSecurity: security, detectedAt, machine: profiles[profile]!, now });
    const kevCves = cveIntel.filter((c) => c.kev).map((c) => c.cveId).sort();
    cases.push({
      package: pkg,
      arch,
      candidateVersion: candidate,
      isSecurity: isSecurity === 1,
      security,
      urgency,
      kevCves,
      score: r.score,
      band: r.band,
      why: r.why,
      finding: isFinding({ isSecurity: isSecurity === 1, kevCves, band: r.band }),
    });
    const ids = idList.split(',');
    lists.push([hostList.split(','), ids, detectedList.split(',')]);
    n += ids.length;
  }
  if (n >= POS_BITS) throw new Error(`Too many open updates to order (${n})`);
  const host = new Int32Array(n);
  const caseOf = new Int32Array(n);
  const id = new Float64Array(n);
  const detected = new Float64Array(n);
  let k = 0;
  for (let c = 0; c < lists.length; c++) {
    const [hs, ids, ds] = lists[c]!;
    for (let j = 0; j < ids.length; j++, k++) {
      host[k] = Number(hs[j]);
      caseOf[k] = c;
      id[k] = Number(ids[j]);
      detected[k] = Number(ds[j]);
    }
  }
  // By row id, then (a stable counting sort) by machine: the order the per-row code read them in, through the
  // partial index pending_updates_host_open, so "the first one wins a tie" means what it meant.
  const byId = new Float64Array(n);
  for (let i = 0; i < n; i++) byId[i] = id[i]! * POS_BITS + i;
  byId.sort();
  let maxHost = 0;
  for (let i = 0; i < n; i++) maxHost = Math.max(maxHost, host[i]!);
  const start = new Int32Array(maxHost + 2);
  for (let i = 0; i < n; i++) start[host[i]! + 1]!++;
  for (let h = 1; h < start.length; h++) start[h]! += start[h - 1]!;
  const out: OpenUpdateTable = { cases, length: n, hostId: new Int32Array(n), caseOf: new Int32Array(n), id: new Float64Array(n), detectedAt: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const from = byId[i]! % POS_BITS;
    const to = start[host[from]!]!++;
    out.hostId[to] = host[from]!;
    out.caseOf[to] = caseOf[from]!;
    out.id[to] = id[from]!;
    out.detectedAt[to] = detected[from]!;
  }
  return out;
}

/** Approved machines per package, arch and version. */
export function approvedUpdates(db: Db): Map<string, Set<number>> {
  const approved = new Map<string, Set<number>>();
  for (const [h, p, a, v] of db.prepare(`SELECT host_id, package, arch, to_version FROM approvals WHERE state = 'approved'`).raw().all() as [number, string, string, string][]) {
    const k = `${p}\u0000${a}\u0000${v}`;
    const set = approved.get(k);
    if (set) set.add(h);
    else approved.set(k, new Set([h]));
  }
  return approved;
}
