/**
 * Each machine's risk: the score of its riskiest open update (so a KEV CVE's floor carries over), with that
 * update named in the reasons, how many of its updates are critical or high, and what the score knew about the
 * machine (criticality and exposure, and whether they came from the machine or a tag).
 */
import type { Criticality, MachinePatches, MachineRisk, RiskBand, TagProfileView } from '../../../shared/contract';
import type { Db } from '../db/open';
import { hostProfiles, listTagProfiles } from '../machines/machine-profile';
import { localeRanks } from './locale-rank';
import { approvedUpdates } from './patch-list';
import { readOpenUpdates, type OpenUpdateTable, type UpdateCase } from './open-update-cases';

export function machineRisks(db: Db, now = Date.now(), open?: OpenUpdateTable): MachineRisk[] {
  const hosts = db.prepare('SELECT id, criticality, exposed, tags FROM hosts ORDER BY id').all() as { id: number; criticality: Criticality; exposed: number; tags: string }[];
  const profiles = hostProfiles(db);
  const tagProfiles = new Map(listTagProfiles(db).map((t) => [t.tag, t]));
  const out = new Map<number, MachineRisk>();
  for (const h of hosts) {
    const p = profiles.get(h.id)!;
    const profileFrom: string[] = [];
    for (const t of JSON.parse(h.tags) as string[]) {
      const tp = tagProfiles.get(t);
      if (tp?.criticality && tp.criticality === p.criticality && tp.criticality !== h.criticality) profileFrom.push(`tag ${t}: ${tp.criticality}`);
      if (tp?.exposed && !h.exposed) profileFrom.push(`tag ${t}: exposed`);
    }
    if (h.exposed) profileFrom.push('marked exposed');
    out.set(h.id, {
      hostId: h.id,
      score: 0,
      band: 'low',
      why: 'No open updates.',
      openUpdates: 0,
      criticalUpdates: 0,
      highUpdates: 0,
      kevCves: 0,
      findings: 0,
      criticality: p.criticality,
      exposed: p.exposed,
      profileFrom,
    });
  }
  const kev = new Map<number, Set<string>>();
  const top = new Map<number, UpdateCase>();
  const t = open ?? readOpenUpdates(db, now);
  for (let i = 0; i < t.length; i++) {
    const hostId = t.hostId[i]!;
    const m = out.get(hostId);
    if (!m) continue;
    const u = t.cases[t.caseOf[i]!]!;
    m.openUpdates++;
    if (u.band === 'critical') m.criticalUpdates++;
    else if (u.band === 'high') m.highUpdates++;
    if (u.finding) m.findings++;
    if (u.kevCves.length) {
      const set = kev.get(hostId) ?? new Set<string>();
      for (const c of u.kevCves) set.add(c);
      kev.set(hostId, set);
    }
    if (m.openUpdates === 1 || u.score > m.score) {
      m.score = u.score;
      m.band = u.band;
      top.set(hostId, u);
    }
  }
  for (const m of out.values()) {
    m.kevCves = kev.get(m.hostId)?.size ?? 0;
    const t = top.get(m.hostId);
    if (!t) continue;
    const others = m.criticalUpdates + m.highUpdates - (m.band === 'critical' || m.band === 'high' ? 1 : 0);
    m.why = `${t.package} ${t.candidateVersion}: ${t.why.replace(/\.$/, '')}${others > 0 ? `; ${others} more critical or high update${others === 1 ? '' : 's'}` : ''}.`;
  }
  return [...out.values()];
}

/** Every tag in use or with a profile, with its profile and machine count. */
export function tagProfileViews(db: Db): TagProfileView[] {
  const counts = new Map<string, number>();
  for (const { tags } of db.prepare('SELECT tags FROM hosts').all() as { tags: string }[]) {
    for (const t of new Set(JSON.parse(tags) as string[])) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const profiles = new Map(listTagProfiles(db).map((p) => [p.tag, p]));
  const names = [...new Set([...counts.keys(), ...profiles.keys()])].sort((a, b) => a.localeCompare(b));
  return names.map((tag) => ({ tag, criticality: profiles.get(tag)?.criticality ?? null, exposed: profiles.get(tag)?.exposed ?? false, machines: counts.get(tag) ?? 0 }));
}

/** Every machine with open updates, each update scored for that machine; riskiest machines and updates first. */
export function updatesByMachine(db: Db, now = Date.now(), open?: OpenUpdateTable): MachinePatches[] {
  const labels = new Map((db.prepare('SELECT id, COALESCE(display_name, hostname, address) FROM hosts').raw().all() as [number, string][]).map(([id, l]) => [id, l]));
  const approved = approvedUpdates(db);
  const t = open ?? readOpenUpdates(db, now);
  // Per case: its Patches-row key as a number (each key string made once), and the approvals of its package, arch
  // and version (one lookup per case).
  const keys: string[] = [];
  const keyNumber = new Map<string, number>();
  const keyOf = new Int32Array(t.cases.length);
  t.cases.forEach((c, i) => {
    const key = `${c.package}\u0000${c.candidateVersion}`;
    let k = keyNumber.get(key);
    if (k === undefined) keyNumber.set(key, (k = keys.push(key) - 1));
    keyOf[i] = k;
  });
  const approvedOf = t.cases.map((c) => approved.get(`${c.package}\u0000${c.arch}\u0000${c.candidateVersion}`));
  const rank = localeRanks(keys);
  const rankOf = Int32Array.from(keys, (k) => rank.get(k)!);
  // A machine's rows are consecutive in the table (ordered by machine): each key's row of the machine being built is
  // found through one array, cleared after each machine, rather than a Map of strings per machine.
  const slot = new Int32Array(keys.length).fill(-1);
  const rowOf = new Array<MachinePatches['updates'][number] | undefined>(2 * t.cases.length);
  const list: MachinePatches[] = [];
  for (let i = 0, end = 0; i < t.length; i = end) {
    const hostId = t.hostId[i]!;
    for (end = i + 1; end < t.length && t.hostId[end] === hostId; ) end++;
    const label = labels.get(hostId);
    if (label === undefined) continue;
    const updates: MachinePatches['updates'] = [];
    const keyAt: number[] = [];
    let score = 0;
    let band: RiskBand = 'low';
    for (let j = i; j < end; j++) {
      const c = t.caseOf[j]!;
      const u = t.cases[c]!;
      const k = keyOf[c]!;
      const isApproved = approvedOf[c]?.has(hostId) ?? false;
      const s = slot[k]!;
      // Two architectures of one package and version are one row on the Patches page: keep the riskier. The
      // merged row is this machine's own (shared rows are never changed).
      if (s >= 0) {
        const same = updates[s]!;
        const riskier = u.score > same.score;
        if (riskier || (same.approved && !isApproved)) {
          updates[s] = riskier ? { key: same.key, score: u.score, band: u.band, why: u.why, approved: same.approved && isApproved } : { ...same, approved: false };
        }
      } else {
        // Rows alike (one case, approved or not) on many machines are one object, read only: most of the view's
        // time went into making 50,000 of them at 500 machines.
        const a = 2 * c + (isApproved ? 1 : 0);
        const row = (rowOf[a] ??= { key: keys[k]!, score: u.score, band: u.band, why: u.why, approved: isApproved });
        slot[k] = updates.push(row) - 1;
        keyAt.push(k);
      }
      if (u.score > score || updates.length === 1) {
        score = u.score;
        band = u.band;
      }
    }
    for (const k of keyAt) slot[k] = -1;
    // Riskiest first, then in the Patches page's order of keys, equals in the order met (as the stable sort kept
    // them): one number per update (scores are whole numbers from 0 to 100), sorted natively.
    const n = updates.length;
    const order = new Float64Array(n);
    for (let j = 0; j < n; j++) order[j] = ((100 - updates[j]!.score) * keys.length + rankOf[keyAt[j]!]!) * n + j;
    order.sort();
    list.push({ hostId, label, score, band, updates: Array.from(order, (o) => updates[o % n]!) });
  }
  const labelRank = localeRanks(list.map((m) => m.label));
  return list.sort((a, b) => b.score - a.score || labelRank.get(a.label)! - labelRank.get(b.label)!);
}
