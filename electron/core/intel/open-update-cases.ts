/**
 * Every open update on every machine, scored, without one JavaScript object per update: what the Machines page,
 * the Patches page by machine, policies and the Dashboard read. At 500 machines × 100 updates, building 50,000
 * row objects and a memo key for each cost most of a page's time.
 *
 * An update's score depends only on its package, architecture-independent facts (version, CVEs, security flag,
 * vendor urgency), the machine's profile (criticality, exposed flag, open ports) and how many whole weeks it has
 * waited (risk-score.ts reads nothing finer). So the open updates are read grouped by what the score reads of the
 * update (open-update-kinds.ts: one scan of an index in that order), with each group's rows as lists of numbers
 * (machine, id, detection time); each (update, profile, weeks) case is scored once, and the rows come back as typed
 * arrays of (machine, case, row id, detection time), ordered by machine and row id: the order the per-row code
 * read them in.
 */
import type { RiskBand } from '../../../shared/contract';
import type { Db } from '../db/open';
import { isFinding } from './finding';
import { forEachOpenKind, intelForKinds, numberHostProfiles, type OpenKind } from './open-update-kinds';
import { cveIntelOf } from './patch-queries';
import { scoreUpdatePartBrief, updateRiskPart, type CveIntel, type UpdateRiskPart } from './risk-score';

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

// Row ids and positions packed into one double (id · 2^21 + position) so a native numeric sort orders them.
const POS_BITS = 2 ** 21;

/** Room for `need` more values: typed arrays grown by doubling (their contents live outside the collected heap). */
function grown<T extends Int32Array | Float64Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export function readOpenUpdates(db: Db, now = Date.now()): OpenUpdateTable {
  const { profiles, profileOf } = numberHostProfiles(db);
  // Each machine's profile by id in an array (0: no such machine, else profile + 1), cheaper per row than the Map;
  // the Map stays for ids too sparse for an array.
  let maxId = 0;
  for (const h of profileOf.keys()) maxId = Math.max(maxId, h);
  const profileById = maxId <= 4 * profileOf.size + 65_536 ? new Int32Array(maxId + 1) : null;
  if (profileById) for (const [h, p] of profileOf) if (h >= 0) profileById[h] = p + 1;
  const kinds: Omit<OpenKind, 'hostIds' | 'ids' | 'detectedAt'>[] = [];
  // Each case as first met (its kind, machine profile and a row standing for all), scored once every CVE is known.
  const metKind: number[] = [];
  const metProfile: number[] = [];
  const metDetectedAt: number[] = [];
  let host = new Int32Array(1 << 16);
  let caseOf = new Int32Array(1 << 16);
  let id = new Float64Array(1 << 16);
  let detected = new Float64Array(1 << 16);
  let k = 0;
  forEachOpenKind(db, false, (kind, g) => {
    const { hostIds, ids, detectedAt, ...rest } = kind;
    kinds.push(rest);
    host = grown(host, k + hostIds.length, (n) => new Int32Array(n));
    caseOf = grown(caseOf, k + hostIds.length, (n) => new Int32Array(n));
    id = grown(id, k + hostIds.length, (n) => new Float64Array(n));
    detected = grown(detected, k + hostIds.length, (n) => new Float64Array(n));
    // The machine's profile and the whole weeks waited make the rest of the case (risk-score.ts reads nothing finer).
    const caseAt = new Map<number, number>();
    for (let j = 0; j < hostIds.length; j++) {
      const h = hostIds[j]!;
      const profile = profileById ? (h >= 0 && h <= maxId ? profileById[h]! : 0) - 1 : (profileOf.get(h) ?? -1);
      // A row whose machine is gone is no machine's update (the per-row code skipped it too).
      if (profile < 0) continue;
      const d = detectedAt[j]!;
      const key = profile * 1e7 + Math.floor(Math.max(0, now - d) / WEEK_MS);
      let c = caseAt.get(key);
      if (c === undefined) {
        c = metKind.push(g) - 1;
        metProfile.push(profile);
        metDetectedAt.push(d);
        caseAt.set(key, c);
      }
      host[k] = h;
      caseOf[k] = c;
      id[k] = ids[j]!;
      detected[k] = d;
      k++;
    }
  });
  const intel = intelForKinds(db, kinds);
  // What the score reads of the update alone is worked out once per kind, not once per case.
  const partOfKind: ({ part: UpdateRiskPart; kevCves: readonly string[] } | undefined)[] = [];
  // Cases alike in their reasons keep one string: the cases outlive the read, and copying thousands of equal strings
  // out of the young generation was much of the collector's time per read.
  const whys = new Map<string, string>();
  const cases: UpdateCase[] = metKind.map((kind, c) => {
    const profile = metProfile[c]!;
    const d = metDetectedAt[c]!;
    const { package: pkg, arch, candidateVersion: candidate, isSecurity, urgency, cveList } = kinds[kind]!;
    const security = isSecurity || cveList !== null;
    let own = partOfKind[kind];
    if (!own) {
      const cveIntel: CveIntel[] = (cveList ? cveList.split(',') : []).map((cveId) => cveIntelOf(cveId, intel.get(cveId)));
      const part = updateRiskPart({ package: pkg, cves: cveIntel, vendorSeverity: urgency, isSecurity: security });
      own = partOfKind[kind] = { part, kevCves: cveIntel.filter((x) => x.kev).map((x) => x.cveId).sort() };
    }
    const { kevCves } = own;
    // Any row of the case scores the same: this one stands for all.
    const r = scoreUpdatePartBrief(own.part, { detectedAt: d, machine: profiles[profile]!, now });
    return {
      package: pkg,
      arch,
      candidateVersion: candidate,
      isSecurity,
      security,
      urgency,
      kevCves,
      score: r.score,
      band: r.band,
      why: whys.get(r.why) ?? (whys.set(r.why, r.why), r.why),
      finding: isFinding({ isSecurity, kevCves, band: r.band }),
    };
  });
  const n = k;
  if (n >= POS_BITS) throw new Error(`Too many open updates to order (${n})`);
  // By machine (a counting sort), then each machine's rows by row id: the order the per-row code read them in,
  // through the partial index pending_updates_host_open, so "the first one wins a tie" means what it meant. A
  // machine's hundred-odd rows sort faster alone than half a million at once (about 50 ms at 5,000 machines).
  let maxHost = 0;
  for (let i = 0; i < n; i++) maxHost = Math.max(maxHost, host[i]!);
  const start = new Int32Array(maxHost + 2);
  for (let i = 0; i < n; i++) start[host[i]! + 1]!++;
  for (let h = 1; h < start.length; h++) start[h]! += start[h - 1]!;
  const byHost = new Float64Array(n);
  const next = start.slice();
  for (let i = 0; i < n; i++) byHost[next[host[i]!]!++] = id[i]! * POS_BITS + i;
  for (let h = 0; h + 1 < start.length; h++) if (start[h + 1]! - start[h]! > 1) byHost.subarray(start[h]!, start[h + 1]!).sort();
  const out: OpenUpdateTable = { cases, length: n, hostId: new Int32Array(n), caseOf: new Int32Array(n), id: new Float64Array(n), detectedAt: new Float64Array(n) };
  for (let to = 0; to < n; to++) {
    const from = byHost[to]! % POS_BITS;
    out.hostId[to] = host[from]!;
    out.caseOf[to] = caseOf[from]!;
    out.id[to] = id[from]!;
    out.detectedAt[to] = detected[from]!;
  }
  return out;
}
