/**
 * Every open update on every machine, scored, without one JavaScript object per update: what the Machines page,
 * the Patches page by machine, policies and the Dashboard read. At 500 machines × 100 updates, building 50,000
 * row objects and a memo key for each cost most of a page's time.
 *
 * An update's score depends only on its package, architecture-independent facts (version, CVEs, security flag,
 * vendor urgency), the machine's profile (criticality, exposed flag, open ports) and how many whole weeks it has
 * waited (risk-score.ts reads nothing finer). So SQLite groups the open updates by what the score reads of the
 * update (one pass, in C), with each group's rows as one list of numbers (machine, id, detection time); each
 * (update, profile, weeks) case is scored once, and the rows come back as typed arrays of (machine, case, row id,
 * detection time), ordered by machine and row id: the order the per-row code read them in.
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

// One row per kind of update (what the score reads of the update itself); its rows' machine, id and detection time
// as one comma-joined list of numbers that JSON.parse reads natively (no string per row).
const KINDS_SQL = `
  SELECT package, arch, candidate_version, is_security, urgency, cve_list, '[' || group_concat(host_id || ',' || id || ',' || detected_at) || ']'
  FROM pending_updates
  WHERE resolved_at IS NULL
  GROUP BY package, arch, candidate_version, is_security, urgency, cve_list`;

type KindRow = [pkg: string, arch: string, candidate: string, isSecurity: number, urgency: string | null, cveList: string | null, rows: string];

// Row ids and positions packed into one double (id · 2^21 + position) so a native numeric sort orders them.
const POS_BITS = 2 ** 21;

export function readOpenUpdates(db: Db, now = Date.now()): OpenUpdateTable {
  const profiles = writeHostProfiles(db);
  const profileOf = new Map<number, number>(db.prepare('SELECT id, profile FROM temp.patch_host_profile').raw().all() as [number, number][]);
  const kinds = db.prepare(KINDS_SQL).raw().all() as KindRow[];
  const intel = kinds.length ? intelForOpenCves(db) : new Map();
  const cases: UpdateCase[] = [];
  const lists: number[][] = [];
  let n = 0;
  for (const [, , , , , , rows] of kinds) {
    const list = JSON.parse(rows) as number[];
    lists.push(list);
    n += list.length / 3;
  }
  if (n >= POS_BITS) throw new Error(`Too many open updates to order (${n})`);
  const host = new Int32Array(n);
  const caseOf = new Int32Array(n);
  const id = new Float64Array(n);
  const detected = new Float64Array(n);
  let k = 0;
  for (let g = 0; g < kinds.length; g++) {
    const [pkg, arch, candidate, isSecurity, urgency, cveList] = kinds[g]!;
    const security = isSecurity === 1 || cveList !== null;
    let cveIntel: CveIntel[] | null = null;
    // The machine's profile and the whole weeks waited make the rest of the case (risk-score.ts reads nothing finer).
    const caseAt = new Map<number, number>();
    const list = lists[g]!;
    for (let j = 0; j < list.length; j += 3) {
      const h = list[j]!;
      const profile = profileOf.get(h);
      // A row whose machine is gone is no machine's update (the per-row code skipped it too).
      if (profile === undefined) continue;
      const d = list[j + 2]!;
      const key = profile * 1e7 + Math.floor(Math.max(0, now - d) / WEEK_MS);
      let c = caseAt.get(key);
      if (c === undefined) {
        cveIntel ??= (cveList ? cveList.split(',') : []).map((cveId) => cveIntelOf(cveId, intel.get(cveId)));
        // Any row of the case scores the same: this one stands for all.
        const r = scoreUpdate({ package: pkg, cves: cveIntel, vendorSeverity: urgency, isSecurity: security, detectedAt: d, machine: profiles[profile]!, now });
        const kevCves = cveIntel.filter((x) => x.kev).map((x) => x.cveId).sort();
        c = cases.push({
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
        }) - 1;
        caseAt.set(key, c);
      }
      host[k] = h;
      caseOf[k] = c;
      id[k] = list[j + 1]!;
      detected[k] = d;
      k++;
    }
  }
  n = k;
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
