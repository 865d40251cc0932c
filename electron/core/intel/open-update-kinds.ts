/**
 * The open updates read kind by kind: one row per what the score reads of an update itself (package, arch,
 * version, security flag, vendor urgency, CVEs), with its rows' machines, ids and detection times as lists of
 * numbers. SQLite walks the partial index pending_updates_open_kind (migration 0019), which holds every column
 * read here in that order, so the groups stream out of one index scan. Joining each row to its machine's profile
 * in SQL and grouping by it too made SQLite sort every open row through a temporary b-tree on each build (817 ms
 * of CPU at 5,000 machines × 100 updates); the machine's part is applied per row in JavaScript instead, through
 * one small number per machine, since tags and criticality change without any write to pending_updates.
 */
import type { Criticality } from '../../../shared/contract';
import type { Db } from '../db/open';
import { HOST_PROFILE_SQL } from '../machines/machine-profile';
import { intelForCves, type CveFacts } from './patch-queries';

/** What a machine adds to an update's score. */
export interface Profile {
  criticality: Criticality;
  exposed: boolean;
  listeningServices: number[];
}

/** The machines' distinct profiles, and each machine's index into them (no entry: no such machine). */
export function numberHostProfiles(db: Db): { profiles: Profile[]; profileOf: Map<number, number> } {
  const profiles: Profile[] = [];
  const numbers = new Map<string, number>();
  const profileOf = new Map<number, number>();
  for (const [id, criticality, exposed, ports] of db.prepare(HOST_PROFILE_SQL).raw().all() as [number, Criticality, number, string][]) {
    const key = `${criticality}\u0000${exposed}\u0000${ports}`;
    let n = numbers.get(key);
    if (n === undefined) {
      n = profiles.push({ criticality, exposed: exposed === 1, listeningServices: JSON.parse(ports) as number[] }) - 1;
      numbers.set(key, n);
    }
    profileOf.set(id, n);
  }
  return { profiles, profileOf };
}

/** Open updates alike in everything the score reads of the update itself, on any machines. */
export interface OpenKind {
  package: string;
  arch: string;
  candidateVersion: string;
  /** pending_updates.is_security. */
  isSecurity: boolean;
  urgency: string | null;
  /** pending_updates.cve_list: sorted, comma-joined; null when it names none. */
  cveList: string | null;
  /** Its rows, by machine id: machine, row id and detection time at the same index. */
  hostIds: number[];
  ids: number[];
  detectedAt: number[];
  /** Its rows' distinct installed versions and notes, comma-joined (only when asked for). */
  installed: string | null;
  notes: string | null;
}

const KIND_KEY = 'package, arch, candidate_version, is_security, urgency, cve_list';
// Three lists rather than one of triples: SQLite then converts each number once, with no concatenation per row,
// and JSON.parse reads each list natively (no string per row on either side).
const kindsSql = (details: boolean): string => `
  SELECT ${KIND_KEY}, '[' || group_concat(host_id) || ']', '[' || group_concat(id) || ']', '[' || group_concat(detected_at) || ']'
    ${details ? ', group_concat(DISTINCT installed_version), group_concat(DISTINCT note)' : ', NULL, NULL'}
  FROM pending_updates
  WHERE resolved_at IS NULL
  GROUP BY ${KIND_KEY}`;

/** The statement forEachOpenKind runs: exported for the tests that check its query plan. */
export const OPEN_KINDS_SQL = kindsSql(true);
const OPEN_KINDS_SQL_BARE = kindsSql(false);

type KindRow = [string, string, string, number, string | null, string | null, string, string, string, string | null, string | null];

/**
 * Visits every open update's kind, in the index's order; `details` adds each kind's installed versions and notes.
 * The kinds stream from SQLite one at a time and their row lists are meant to be dropped when the visit returns:
 * read all at once, half a million numbers stayed alive through the build and the garbage collector copied them
 * (about 100 ms of each 5,000-machine build).
 */
export function forEachOpenKind(db: Db, details: boolean, visit: (kind: OpenKind, index: number) => void): void {
  let i = 0;
  for (const [pkg, arch, candidate, isSecurity, urgency, cveList, hosts, ids, detected, installed, notes] of db
    .prepare(details ? OPEN_KINDS_SQL : OPEN_KINDS_SQL_BARE)
    .raw()
    .iterate() as IterableIterator<KindRow>) {
    visit(
      {
        package: pkg,
        arch,
        candidateVersion: candidate,
        isSecurity: isSecurity === 1,
        urgency,
        cveList,
        hostIds: JSON.parse(hosts) as number[],
        ids: JSON.parse(ids) as number[],
        detectedAt: JSON.parse(detected) as number[],
        installed,
        notes,
      },
      i++,
    );
  }
}

/**
 * What the feeds say about the kinds' CVEs: the same facts intelForOpenCves gives, looked up for the few distinct
 * CVE lists the kinds carry instead of joining every open row's advisories again (about 100 ms at 5,000 machines).
 */
export function intelForKinds(db: Db, kinds: readonly Pick<OpenKind, 'cveList'>[]): Map<string, CveFacts> {
  const ids = new Set<string>();
  const lists = new Set<string>();
  for (const k of kinds) {
    if (k.cveList === null || lists.has(k.cveList)) continue;
    lists.add(k.cveList);
    for (const id of k.cveList.split(',')) ids.add(id);
  }
  return intelForCves(db, [...ids]);
}
