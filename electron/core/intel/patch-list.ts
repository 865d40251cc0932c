/**
 * Builds the Patches page: each open update on each machine is scored with its CVEs' intelligence and the
 * machine's criticality and exposure, then updates are grouped by package and version, keeping the
 * riskiest machine's score and reasons.
 *
 * The score of an update depends only on its package, version, CVEs, security flag, vendor urgency, the
 * machine's criticality, exposed flag (both possibly from its tags) and open ports, and how long it has waited,
 * and never falls as the wait grows. So the open updates are read kind by kind (open-update-kinds.ts: one scan of
 * an index in that order), each kind's rows are split by their machine's profile here (a few profiles per fleet),
 * each (kind, profile) group takes its longest wait, which gives its highest score, and is scored once.
 *
 * Within a package and version the first group (by its oldest row id) gives the urgency, and the highest score
 * wins, the first group on a tie: the order the former SQL grouping gave (patch-list.reference.ts).
 */
import type { PatchRow } from '../../../shared/contract';
import type { Db } from '../db/open';
import { versionMemories } from '../deploy/fleet-memory';
import { forEachOpenKind, intelForKinds, numberHostProfiles, type OpenKind } from './open-update-kinds';
import { cveIntelOf } from './patch-queries';
import { scoreUpdate, type CveIntel } from './risk-score';

const WEEK_MS = 7 * 86_400_000;

/** The rows of one kind on machines of one profile. */
interface Group {
  kind: number;
  profile: number;
  firstId: number;
  firstDetectedAt: number;
  lastDetectedAt: number;
}

/** One kind's rows whose machine still exists (by machine id), how many of them are approved, and its groups. */
function splitByProfile(k: OpenKind, kind: number, profileOf: Map<number, number>, approved: Set<number> | undefined, groups: Group[]): { hosts: number[]; approved: number } {
  const { hostIds, ids, detectedAt } = k;
  // Copied only if a row's machine is gone (at 5,000 machines the kinds hold 500,000 rows).
  let hosts: number[] | null = null;
  let approvedHere = 0;
  // A fleet has few profiles: one group per profile met, found through a small map.
  const at = new Map<number, Group>();
  for (let j = 0; j < hostIds.length; j++) {
    const h = hostIds[j]!;
    const profile = profileOf.get(h);
    // A row whose machine is gone is no machine's update (the join to the machines left it out).
    if (profile === undefined) {
      hosts ??= hostIds.slice(0, j);
      continue;
    }
    hosts?.push(h);
    if (approved?.has(h)) approvedHere++;
    const id = ids[j]!;
    const d = detectedAt[j]!;
    const g = at.get(profile);
    if (!g) {
      const created = { kind, profile, firstId: id, firstDetectedAt: d, lastDetectedAt: d };
      at.set(profile, created);
      groups.push(created);
      continue;
    }
    if (id < g.firstId) g.firstId = id;
    if (d < g.firstDetectedAt) g.firstDetectedAt = d;
    if (d > g.lastDetectedAt) g.lastDetectedAt = d;
  }
  return { hosts: hosts ?? hostIds, approved: approvedHere };
}

/** Approved machines per package, arch and version (key: package, arch, version joined by NUL). */
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

type Entry = PatchRow & { hostLists: number[][]; cveSet: Set<string>; kevSet: Set<string>; installedSet: Set<string> };

export function buildPatchRows(db: Db, now = Date.now()): PatchRow[] {
  const labels = new Map<number, string>(
    (db.prepare('SELECT id, COALESCE(display_name, hostname, address) AS label FROM hosts').raw().all() as [number, string][]).map(([id, l]) => [id, l]),
  );
  // Approved machines per package, arch and version: one lookup per kind, not one string per machine.
  const approved = approvedUpdates(db);
  const { profiles, profileOf } = numberHostProfiles(db);
  const groups: Group[] = [];
  // Each kind without its rows' ids and detection times, which are done with once it is split.
  const kinds: Omit<OpenKind, 'hostIds' | 'ids' | 'detectedAt'>[] = [];
  const kindHosts: number[][] = [];
  const kindApproved: number[] = [];
  forEachOpenKind(db, true, (k, i) => {
    const split = splitByProfile(k, i, profileOf, approved.get(`${k.package}\u0000${k.arch}\u0000${k.candidateVersion}`), groups);
    const { hostIds: _h, ids: _i, detectedAt: _d, ...kind } = k;
    kinds.push(kind);
    kindHosts.push(split.hosts);
    kindApproved.push(split.approved);
  });
  const intel = intelForKinds(db, kinds);
  // Row ids are unique: the groups in the order of their oldest row, as the former SQL ordered them.
  groups.sort((a, b) => a.firstId - b.firstId);

  const cveIntelOfKind: (CveIntel[] | undefined)[] = [];
  const entries = new Map<string, Entry>();
  const kindSeen = new Uint8Array(kinds.length);
  for (const { kind, profile, firstDetectedAt: first, lastDetectedAt: last } of groups) {
    const k = kinds[kind]!;
    const cveIntel = (cveIntelOfKind[kind] ??= (k.cveList ? k.cveList.split(',') : []).map((cveId) => cveIntelOf(cveId, intel.get(cveId))));
    // The group's longest wait, as SQLite computed it from the bound time (a double): the same arithmetic here.
    const weeks = Math.max(0, (now - first) / WEEK_MS);
    const risk = scoreUpdate({
      package: k.package,
      cves: cveIntel,
      vendorSeverity: k.urgency,
      // An update whose changelog names CVEs fixes vulnerabilities, whichever suite it comes from.
      isSecurity: k.isSecurity || cveIntel.length > 0,
      // The score never falls as a wait grows, so the group's oldest row gives its highest score.
      detectedAt: weeks > 0 ? now - weeks * WEEK_MS : Math.min(now, last),
      machine: profiles[profile]!,
      now,
    });
    const view = { score: risk.score, band: risk.band, why: risk.why, factors: risk.factors.map((f) => ({ key: f.key, points: f.points, text: f.text })) };
    const key = `${k.package}\u0000${k.candidateVersion}`;
    let g = entries.get(key);
    if (!g) {
      g = {
        key,
        package: k.package,
        candidateVersion: k.candidateVersion,
        installedVersions: [],
        hostIds: [],
        hostLabels: [],
        isSecurity: false,
        urgency: k.urgency,
        cves: [],
        kevCves: [],
        ransomware: false,
        epss: null,
        epssPercentile: null,
        risk: view,
        approvedHosts: 0,
        firstDetectedAt: first,
        notes: [],
        hostLists: [],
        cveSet: new Set(),
        kevSet: new Set(),
        installedSet: new Set(),
      };
      entries.set(key, g);
    } else if (view.score > g.risk.score) g.risk = view;
    g.firstDetectedAt = Math.min(g.firstDetectedAt, first);
    // What belongs to the kind (its machines, CVEs, versions, notes) is taken once, at its first group.
    if (kindSeen[kind]) continue;
    kindSeen[kind] = 1;
    g.hostLists.push(kindHosts[kind]!);
    for (const c of cveIntel) {
      g.cveSet.add(c.cveId);
      if (c.kev) g.kevSet.add(c.cveId);
      if (c.kev?.ransomware) g.ransomware = true;
      if (c.epss && (g.epss === null || c.epss.score > g.epss)) {
        g.epss = c.epss.score;
        g.epssPercentile = c.epss.percentile;
      }
    }
    if (k.installed) for (const v of k.installed.split(',')) g.installedSet.add(v);
    g.isSecurity ||= k.isSecurity;
    g.approvedHosts += kindApproved[kind]!;
    if (k.notes) for (const n of k.notes.split(',')) if (!g.notes.includes(n)) g.notes.push(n);
  }

  const rows: PatchRow[] = [];
  // What this exact version did elsewhere; marked only when it failed on a platform of the machines needing it.
  const memories = versionMemories(db);
  const platformOf = memories.size
    ? new Map((db.prepare(`SELECT id, coalesce(platform, '') FROM hosts`).raw().all() as [number, string][]).map(([id, p]) => [id, p]))
    : new Map<number, string>();
  for (const { hostLists, cveSet, kevSet, installedSet, ...row } of entries.values()) {
    // A kind's machines come once each, already sorted when SQLite used the index (a sort of a sorted array is
    // linear); only a version on several kinds (architectures, urgencies, CVE lists) can name a machine twice.
    row.hostIds = (hostLists.length === 1 ? hostLists[0]! : [...new Set(hostLists.flat())]).sort((a, b) => a - b);
    const memory = memories.get(`${row.package}\u0000${row.candidateVersion}`);
    if (memory) {
      const { markedPlatforms, ...view } = memory;
      row.memory = { ...view, marked: row.hostIds.some((h) => markedPlatforms.has(platformOf.get(h) ?? '')) };
    }
    row.hostLabels = row.hostIds.map((id) => labels.get(id) ?? String(id));
    row.cves = [...cveSet].sort();
    row.kevCves = [...kevSet].sort();
    row.installedVersions = [...installedSet].sort();
    rows.push(row);
  }
  return rows.sort((a, b) => b.risk.score - a.risk.score || a.package.localeCompare(b.package));
}
