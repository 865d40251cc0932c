/**
 * The Patches page build before it read the open updates by kind (open-update-kinds.ts), kept verbatim as the
 * tests' oracle: SQLite joined every open row to its machine's profile and grouped by it, sorting every row.
 * The faster build must give the same rows, in the same order, on the same fleet. Not used by the app.
 */
import type { Criticality, PatchRow } from '../../../shared/contract';
import type { Db } from '../db/open';
import { versionMemories } from '../deploy/fleet-memory';
import { HOST_PROFILE_SQL } from '../machines/machine-profile';
import { cveIntelOf, intelForOpenCves } from './patch-queries';
import { approvedUpdates } from './patch-list';
import { scoreUpdate, type CveIntel } from './risk-score';

const WEEK_MS = 7 * 86_400_000;

type GroupRow = [
  pkg: string,
  arch: string,
  candidate: string,
  profile: number,
  weeks: number,
  isSecurity: number,
  urgency: string | null,
  cves: string | null,
  hostIds: string,
  installed: string | null,
  firstDetectedAt: number,
  lastDetectedAt: number,
  firstId: number,
  notes: string | null,
];

interface Profile {
  criticality: Criticality;
  exposed: boolean;
  listeningServices: number[];
}

const GROUPS_SQL = `
  SELECT u.package, u.arch, u.candidate_version, p.profile,
         max(0, (? - min(u.detected_at)) / ${WEEK_MS}) AS weeks, u.is_security, u.urgency,
         u.cve_list AS cves,
         group_concat(u.host_id) AS host_ids, group_concat(DISTINCT u.installed_version) AS installed,
         min(u.detected_at), max(u.detected_at), min(u.id) AS first_id, group_concat(DISTINCT u.note) AS notes
  FROM pending_updates u JOIN temp.patch_host_profile p ON p.id = u.host_id
  WHERE u.resolved_at IS NULL
  GROUP BY u.package, u.arch, u.candidate_version, p.profile, u.is_security, u.urgency, cves
  ORDER BY first_id`;

/** Numbers the machines' distinct profiles and writes each machine's number to temp.patch_host_profile. */
function writeHostProfiles(db: Db): Profile[] {
  const profiles: Profile[] = [];
  const numbers = new Map<string, number>();
  db.exec('CREATE TEMP TABLE IF NOT EXISTS patch_host_profile (id INTEGER PRIMARY KEY, profile INTEGER NOT NULL) STRICT');
  const put = db.prepare('INSERT INTO temp.patch_host_profile (id, profile) VALUES (?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM temp.patch_host_profile').run();
    for (const [id, criticality, exposed, ports] of db.prepare(HOST_PROFILE_SQL).raw().all() as [number, Criticality, number, string][]) {
      const key = `${criticality}\u0000${exposed}\u0000${ports}`;
      let n = numbers.get(key);
      if (n === undefined) {
        n = profiles.push({ criticality, exposed: exposed === 1, listeningServices: JSON.parse(ports) as number[] }) - 1;
        numbers.set(key, n);
      }
      put.run(id, n);
    }
  })();
  return profiles;
}

export function referencePatchRows(db: Db, now = Date.now()): PatchRow[] {
  const labels = new Map<number, string>(
    (db.prepare('SELECT id, COALESCE(display_name, hostname, address) AS label FROM hosts').raw().all() as [number, string][]).map(([id, l]) => [id, l]),
  );
  // Approved machines per package, arch and version: one lookup per group, not one string per machine.
  const approved = approvedUpdates(db);
  const intel = intelForOpenCves(db);
  const profiles = writeHostProfiles(db);
  const groups = new Map<string, PatchRow & { hostSet: Set<number>; cveSet: Set<string>; kevSet: Set<string>; installedSet: Set<string> }>();

  for (const [pkg, arch, candidate, profile, weeks, security, urgency, cveList, hostList, installedList, first, last, , noteList] of db
    .prepare(GROUPS_SQL)
    .raw()
    .all(now) as GroupRow[]) {
    const ids = cveList ? cveList.split(',') : [];
    const cveIntel: CveIntel[] = ids.map((cveId) => cveIntelOf(cveId, intel.get(cveId)));
    const risk = scoreUpdate({
      package: pkg,
      cves: cveIntel,
      vendorSeverity: urgency,
      // An update whose changelog names CVEs fixes vulnerabilities, whichever suite it comes from.
      isSecurity: security === 1 || ids.length > 0,
      // The group's longest wait, in whole weeks (the score reads nothing finer, and never falls as a wait grows,
      // so the group's oldest row gives its highest score).
      detectedAt: weeks > 0 ? now - weeks * WEEK_MS : Math.min(now, last),
      machine: profiles[profile]!,
      now,
    });
    const hosts = hostList.split(',').map(Number);
    const approvedSet = approved.get(`${pkg}\u0000${arch}\u0000${candidate}`);
    const approvedHere = approvedSet ? hosts.reduce((n, h) => n + (approvedSet.has(h) ? 1 : 0), 0) : 0;
    const kevCves = cveIntel.filter((c) => c.kev).map((c) => c.cveId);
    const epss = cveIntel.reduce<{ score: number; percentile: number } | null>((best, c) => (c.epss && (!best || c.epss.score > best.score) ? c.epss : best), null);
    const view = { score: risk.score, band: risk.band, why: risk.why, factors: risk.factors.map((f) => ({ key: f.key, points: f.points, text: f.text })) };
    const key = `${pkg}\u0000${candidate}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, {
        key,
        package: pkg,
        candidateVersion: candidate,
        installedVersions: [],
        hostIds: [],
        hostLabels: [],
        isSecurity: security === 1,
        urgency,
        cves: [],
        kevCves: [],
        ransomware: cveIntel.some((c) => c.kev?.ransomware),
        epss: epss?.score ?? null,
        epssPercentile: epss?.percentile ?? null,
        risk: view,
        approvedHosts: approvedHere,
        firstDetectedAt: first,
        notes: noteList ? noteList.split(',') : [],
        hostSet: new Set(hosts),
        cveSet: new Set(ids),
        kevSet: new Set(kevCves),
        installedSet: new Set(installedList ? installedList.split(',') : []),
      });
      continue;
    }
    for (const h of hosts) g.hostSet.add(h);
    for (const c of ids) g.cveSet.add(c);
    for (const c of kevCves) g.kevSet.add(c);
    if (installedList) for (const v of installedList.split(',')) g.installedSet.add(v);
    g.isSecurity ||= security === 1;
    g.ransomware ||= cveIntel.some((c) => c.kev?.ransomware);
    if (epss && (g.epss === null || epss.score > g.epss)) {
      g.epss = epss.score;
      g.epssPercentile = epss.percentile;
    }
    g.approvedHosts += approvedHere;
    g.firstDetectedAt = Math.min(g.firstDetectedAt, first);
    if (noteList) for (const n of noteList.split(',')) if (!g.notes.includes(n)) g.notes.push(n);
    if (view.score > g.risk.score) g.risk = view;
  }

  const rows: PatchRow[] = [];
  // What this exact version did elsewhere; marked only when it failed on a platform of the machines needing it.
  const memories = versionMemories(db);
  const platformOf = memories.size
    ? new Map((db.prepare(`SELECT id, coalesce(platform, '') FROM hosts`).raw().all() as [number, string][]).map(([id, p]) => [id, p]))
    : new Map<number, string>();
  for (const { hostSet, cveSet, kevSet, installedSet, ...row } of groups.values()) {
    const memory = memories.get(`${row.package}\u0000${row.candidateVersion}`);
    if (memory) {
      const { markedPlatforms, ...view } = memory;
      row.memory = { ...view, marked: [...hostSet].some((h) => markedPlatforms.has(platformOf.get(h) ?? '')) };
    }
    row.hostIds = [...hostSet].sort((a, b) => a - b);
    row.hostLabels = row.hostIds.map((id) => labels.get(id) ?? String(id));
    row.cves = [...cveSet].sort();
    row.kevCves = [...kevSet].sort();
    row.installedVersions = [...installedSet].sort();
    rows.push(row);
  }
  return rows.sort((a, b) => b.risk.score - a.risk.score || a.package.localeCompare(b.package));
}
