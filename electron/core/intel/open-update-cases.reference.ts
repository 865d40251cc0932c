/**
 * The per-row computations the Machines scores, the by-machine view, policies and the Dashboard used before
 * they read scored cases (open-update-cases.ts), kept verbatim as the tests' oracle: the faster builds must
 * give the same scores, counts, reasons and order on the same fleet. Not used by the app.
 */
import type { Criticality, DashboardSummary, MachinePatches, MachineRisk, MachineState, PolicyDecision, RiskBand } from '../../../shared/contract';
import type { Db } from '../db/open';
import { HOST_STATE_SQL, TOP_N, type FleetRisk } from '../dashboard/fleet-risk';
import { activeMarks, markKey } from '../deploy/fleet-memory';
import { hostProfiles, listTagProfiles } from '../machines/machine-profile';
import { isFinding } from './finding';
import { scoreOpenUpdates } from './open-update-scores';
import { blockedPackages } from './policy-queries';
import { ruleApproves, rulesFor, type RuleFacts, type RuleSpec } from './policy-rules';

const ATTENTION = new Set(['failed', 'rolled-back', 'rollback-failed', 'interrupted']);
const decisionKey = (hostId: number, pkg: string, version: string): string => `${hostId}\u0000${pkg}\u0000${version}`;

export function referenceMachineRisks(db: Db, now = Date.now()): MachineRisk[] {
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
  const top = new Map<number, { package: string; version: string; why: string }>();
  for (const u of scoreOpenUpdates(db, now)) {
    const m = out.get(u.hostId);
    if (!m) continue;
    m.openUpdates++;
    if (u.band === 'critical') m.criticalUpdates++;
    else if (u.band === 'high') m.highUpdates++;
    if (isFinding(u)) m.findings++;
    if (u.kevCves.length) {
      const set = kev.get(u.hostId) ?? new Set<string>();
      for (const c of u.kevCves) set.add(c);
      kev.set(u.hostId, set);
    }
    if (m.openUpdates === 1 || u.score > m.score) {
      m.score = u.score;
      m.band = u.band;
      top.set(u.hostId, { package: u.package, version: u.candidateVersion, why: u.why });
    }
  }
  for (const m of out.values()) {
    m.kevCves = kev.get(m.hostId)?.size ?? 0;
    const t = top.get(m.hostId);
    if (!t) continue;
    const others = m.criticalUpdates + m.highUpdates - (m.band === 'critical' || m.band === 'high' ? 1 : 0);
    m.why = `${t.package} ${t.version}: ${t.why.replace(/\.$/, '')}${others > 0 ? `; ${others} more critical or high update${others === 1 ? '' : 's'}` : ''}.`;
  }
  return [...out.values()];
}

export function referenceUpdatesByMachine(db: Db, now = Date.now()): MachinePatches[] {
  const out = new Map<number, MachinePatches>();
  for (const u of scoreOpenUpdates(db, now)) {
    let m = out.get(u.hostId);
    if (!m) out.set(u.hostId, (m = { hostId: u.hostId, label: u.hostLabel, score: 0, band: 'low', updates: [] }));
    const key = `${u.package}\u0000${u.candidateVersion}`;
    // Two architectures of one package and version are one row on the Patches page: keep the riskier.
    const same = m.updates.find((x) => x.key === key);
    if (same) {
      if (u.score > same.score) Object.assign(same, { score: u.score, band: u.band, why: u.why });
      same.approved &&= u.approved;
    } else m.updates.push({ key, score: u.score, band: u.band, why: u.why, approved: u.approved });
    if (u.score > m.score || m.updates.length === 1) Object.assign(m, { score: u.score, band: u.band });
  }
  const list = [...out.values()];
  for (const m of list) m.updates.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
  return list.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}

export function referenceFleetRisk(db: Db, now = Date.now()): FleetRisk {
  const hosts = db
    .prepare(HOST_STATE_SQL)
    .all() as { id: number; label: string; reachability: 'up' | 'down' | 'unknown'; last_assessed_at: number | null; last_deploy: string | null }[];
  const updates = scoreOpenUpdates(db, now);
  const perHost = new Map<number, { score: number; band: RiskBand; open: number; kev: Set<string>; atRisk: boolean }>();
  const perUpdate = new Map<string, DashboardSummary['topUpdates'][number]>();
  const kevCves = new Set<string>();
  let critical = 0;
  let high = 0;
  for (const u of updates) {
    if (u.band === 'critical') critical++;
    else if (u.band === 'high') high++;
    for (const c of u.kevCves) kevCves.add(c);
    const h = perHost.get(u.hostId) ?? { score: -1, band: 'low' as RiskBand, open: 0, kev: new Set<string>(), atRisk: false };
    h.open++;
    if (u.score > h.score) Object.assign(h, { score: u.score, band: u.band });
    for (const c of u.kevCves) h.kev.add(c);
    // At risk: with an open finding, as the report counts a machine not compliant.
    h.atRisk ||= isFinding(u);
    perHost.set(u.hostId, h);
    const key = `${u.package}\u0000${u.candidateVersion}`;
    const g = perUpdate.get(key);
    if (!g) perUpdate.set(key, { package: u.package, candidateVersion: u.candidateVersion, score: u.score, band: u.band, machines: 1, kevCves: [...u.kevCves] });
    else {
      g.machines++;
      if (u.score > g.score) Object.assign(g, { score: u.score, band: u.band });
      for (const c of u.kevCves) if (!g.kevCves.includes(c)) g.kevCves.push(c);
    }
  }
  const states: Record<MachineState, number> = { 'needs-attention': 0, unreachable: 0, 'not-assessed': 0, 'kev-exposed': 0, 'updates-pending': 0, 'up-to-date': 0 };
  for (const h of hosts) states[stateOf(h, perHost.get(h.id))]++;
  const labels = new Map(hosts.map((h) => [h.id, h.label]));
  const topMachines = [...perHost.entries()]
    .map(([hostId, h]) => ({ hostId, label: labels.get(hostId) ?? String(hostId), score: h.score, band: h.band, openUpdates: h.open, kevCves: h.kev.size }))
    .sort((a, b) => b.score - a.score || b.kevCves - a.kevCves || a.label.localeCompare(b.label))
    .slice(0, TOP_N);
  const topUpdates = [...perUpdate.values()]
    .sort((a, b) => b.score - a.score || b.machines - a.machines || a.package.localeCompare(b.package))
    .slice(0, TOP_N)
    .map((u) => ({ ...u, kevCves: u.kevCves.sort() }));
  const kevMachines = [...perHost.values()].filter((h) => h.kev.size > 0).length;
  return {
    machines: hosts.length,
    states,
    kev: { cves: kevCves.size, machines: kevMachines },
    topUpdates,
    topMachines,
    today: {
      machines: hosts.length,
      openUpdates: updates.length,
      kevOpen: kevCves.size,
      critical,
      high,
      machinesAtRisk: [...perHost.values()].filter((h) => h.atRisk).length,
    },
  };
}
function stateOf(h: { reachability: string; last_assessed_at: number | null; last_deploy: string | null }, risk: { open: number; kev: Set<string> } | undefined): MachineState {
  if (h.last_deploy && ATTENTION.has(h.last_deploy)) return 'needs-attention';
  if (h.reachability === 'down') return 'unreachable';
  if (h.last_assessed_at === null) return 'not-assessed';
  if (risk && risk.kev.size > 0) return 'kev-exposed';
  if (risk && risk.open > 0) return 'updates-pending';
  return 'up-to-date';
}

export function referencePlanPolicies(db: Db, rules: readonly RuleSpec[], now = Date.now()): { decisions: PolicyDecision[]; remembered: Set<string> } {
  const decisions: PolicyDecision[] = [];
  const remembered = new Set<string>();
  if (!rules.length) return { decisions, remembered };
  const tagsByHost = new Map<number, string[]>();
  const platformOf = new Map<number, string | null>();
  for (const h of db.prepare('SELECT id, tags, platform FROM hosts').all() as { id: number; tags: string; platform: string | null }[]) {
    tagsByHost.set(h.id, JSON.parse(h.tags) as string[]);
    platformOf.set(h.id, h.platform);
  }
  const marks = activeMarks(db);
  const updates = scoreOpenUpdates(db, now, (u) => !u.approved);
  const blocksByHost = new Map<number, Map<string, string>>();
  for (const u of updates) {
    const applicable = rulesFor(tagsByHost.get(u.hostId) ?? [], rules);
    if (!applicable.length || applicable[0]!.mode === 'never') continue;
    const facts: RuleFacts = { isSecurity: u.isSecurity, kevCves: u.kevCves, score: u.score, band: u.band, detectedAt: u.detectedAt };
    let match: { rule: RuleSpec; why: string } | null = null;
    for (const rule of applicable) {
      const why = ruleApproves(rule, facts, now);
      if (why) {
        match = { rule, why };
        break;
      }
    }
    if (!match) continue;
    let blocks = blocksByHost.get(u.hostId);
    if (!blocks) blocksByHost.set(u.hostId, (blocks = blockedPackages(db, u.hostId)));
    const blocked = blocks.get(u.package);
    // A version that failed or was rolled back on a machine of this platform is not approved again unseen.
    const failed = blocked ? undefined : marks.get(markKey(u.package, u.candidateVersion, platformOf.get(u.hostId) ?? null))?.[0];
    if (failed) {
      remembered.add(decisionKey(u.hostId, u.package, u.candidateVersion));
      decisions.push({
        hostId: u.hostId,
        hostLabel: u.hostLabel,
        package: u.package,
        fromVersion: u.installedVersion,
        toVersion: u.candidateVersion,
        outcome: 'held',
        rule: match.rule.name,
        why: `${match.why}, but this version failed before: ${failed.text}`,
      });
      continue;
    }
    decisions.push({
      hostId: u.hostId,
      hostLabel: u.hostLabel,
      package: u.package,
      fromVersion: u.installedVersion,
      toVersion: u.candidateVersion,
      outcome: blocked ? 'held' : 'approve',
      rule: match.rule.name,
      why: blocked ? `${match.why}, but blocked: ${blocked}` : match.why,
    });
  }
  decisions.sort((a, b) => (a.outcome === b.outcome ? 0 : a.outcome === 'approve' ? -1 : 1) || a.package.localeCompare(b.package) || a.hostLabel.localeCompare(b.hostLabel));
  return { decisions, remembered };
}
