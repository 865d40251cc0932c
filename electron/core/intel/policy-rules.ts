/**
 * Auto-approve rules and their evaluation. One rule per scope: the fleet (tag '') and each tag. A machine's
 * tag rules win over the fleet rule; a tag rule saying "never" keeps the machine out of auto-approval even if
 * another of its tags would approve. Blocks always win: a blocked update a rule would approve is held and
 * the hold is audited once. Approvals are recorded exactly like manual ones (exact versions, per machine),
 * with the approver "policy:<rule name>".
 */
import { describePolicyRule as describeRule, type EventEnvelope, type InventoryReason, type PolicyBlock, type PolicyDecision, type PolicyEvaluation, type PolicyRule, type PolicyRuleInput, type PolicyRuleSpec, type RiskBand } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import type { EventSink } from '../event-bus';
import { activeMarks, clearSuperseded, markKey, MEMORY_HOLD_PREFIX } from '../deploy/fleet-memory';
import { isFinding } from './finding';
import { localeRanks } from './locale-rank';
import { approvedUpdates } from './patch-list';
import { readOpenUpdates, type OpenUpdateTable } from './open-update-cases';
import { approveUpdates } from './patch-queries';
import { blocksByTags } from './policy-queries';

export const DAY_MS = 86_400_000;
/** Decisions returned to the UI; the counts always cover everything. */
export const MAX_DECISIONS_SHOWN = 500;

const BAND_RANK: Readonly<Record<RiskBand, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

interface RuleRow {
  id: number;
  tag: string;
  name: string;
  mode: 'auto' | 'never';
  approve_kev: number;
  approve_band: RiskBand | null;
  approve_score: number | null;
  after_days: number | null;
  security_only: number;
  created_at: number;
  updated_at: number;
}

/** A rule as evaluation uses it (saved or previewed). */
export type RuleSpec = PolicyRuleSpec;
export { describeRule };

function toSpec(r: RuleRow): RuleSpec {
  return {
    tag: r.tag || null,
    name: r.name,
    mode: r.mode,
    approveKev: r.approve_kev === 1,
    approveBand: r.approve_band,
    approveScore: r.approve_score,
    afterDays: r.after_days,
    securityOnly: r.security_only === 1,
  };
}

export function listRules(db: Db): PolicyRule[] {
  return (db.prepare(`SELECT * FROM policy_rules ORDER BY tag <> '', tag`).all() as RuleRow[]).map((r) => {
    const spec = toSpec(r);
    return { id: r.id, ...spec, summary: describeRule(spec), createdAt: r.created_at, updatedAt: r.updated_at };
  });
}

export function specOf(input: PolicyRuleInput): RuleSpec {
  return {
    tag: input.tag ?? null,
    name: input.name.trim(),
    mode: input.mode,
    approveKev: input.approveKev,
    approveBand: input.approveBand,
    approveScore: input.approveScore,
    afterDays: input.afterDays,
    securityOnly: input.securityOnly,
  };
}

/** Saves the rule of its scope, replacing the one there was; returns it. */
export function saveRule(db: Db, input: PolicyRuleInput, now = Date.now()): PolicyRule {
  const s = specOf(input);
  if (!s.name) throw new Error('Give the rule a name');
  db.prepare(
    `INSERT INTO policy_rules (tag, name, mode, approve_kev, approve_band, approve_score, after_days, security_only, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tag) DO UPDATE SET name = excluded.name, mode = excluded.mode, approve_kev = excluded.approve_kev,
       approve_band = excluded.approve_band, approve_score = excluded.approve_score, after_days = excluded.after_days,
       security_only = excluded.security_only, updated_at = excluded.updated_at`,
  ).run(s.tag ?? '', s.name, s.mode, s.approveKev ? 1 : 0, s.approveBand, s.approveScore, s.afterDays, s.securityOnly ? 1 : 0, now, now);
  const saved = listRules(db).find((r) => (r.tag ?? '') === (s.tag ?? ''));
  if (!saved) throw new Error('The rule was not saved');
  return saved;
}

/** Removes a rule; false when there was none with this id. */
export function removeRule(db: Db, id: number): PolicyRule | null {
  const rule = listRules(db).find((r) => r.id === id) ?? null;
  if (rule) db.prepare('DELETE FROM policy_rules WHERE id = ?').run(id);
  return rule;
}

export function listBlocks(db: Db): PolicyBlock[] {
  return (
    db.prepare(`SELECT id, kind, name, tag, reason, created_at FROM policy_blocks ORDER BY tag <> '', tag, kind, name`).all() as {
      id: number;
      kind: 'package' | 'kb';
      name: string;
      tag: string;
      reason: string;
      created_at: number;
    }[]
  ).map((b) => ({ id: b.id, kind: b.kind, name: b.name, tag: b.tag || null, reason: b.reason, createdAt: b.created_at }));
}

export function removeBlock(db: Db, id: number): PolicyBlock | null {
  const block = listBlocks(db).find((b) => b.id === id) ?? null;
  if (block) db.prepare('DELETE FROM policy_blocks WHERE id = ?').run(id);
  return block;
}

/** What one update looks like to a rule. */
export interface RuleFacts {
  /** From a security suite or repository (pending_updates.is_security): one of the ways to be a finding. */
  isSecurity: boolean;
  kevCves: readonly string[];
  score: number;
  band: RiskBand;
  detectedAt: number;
}

/** Why this rule approves the update now, or null if it does not (yet). */
export function ruleApproves(rule: RuleSpec, u: RuleFacts, now: number): string | null {
  if (rule.mode === 'never') return null;
  // "Security updates only" means findings only: the one notion of security the report and Machines page use.
  if (rule.securityOnly && !isFinding(u)) return null;
  if (rule.approveKev && u.kevCves.length) return `KEV-listed ${u.kevCves.join(', ')}`;
  if (rule.approveBand && BAND_RANK[u.band] >= BAND_RANK[rule.approveBand]) return `risk band ${u.band} (score ${u.score})`;
  if (rule.approveScore !== null && u.score >= rule.approveScore) return `risk score ${u.score} is at least ${rule.approveScore}`;
  if (rule.afterDays !== null && now - u.detectedAt >= rule.afterDays * DAY_MS) {
    return `pending ${Math.floor((now - u.detectedAt) / DAY_MS)} days (rule: after ${rule.afterDays})`;
  }
  return null;
}

/**
 * The rules that apply to a machine with these tags: its tags' rules if it has any (a "never" among them
 * wins and is returned alone), else the fleet rule, else none.
 */
export function rulesFor(tags: readonly string[], rules: readonly RuleSpec[]): RuleSpec[] {
  const tagRules = rules.filter((r) => r.tag !== null && tags.includes(r.tag)).sort((a, b) => (a.tag ?? '').localeCompare(b.tag ?? ''));
  if (tagRules.length) {
    const never = tagRules.find((r) => r.mode === 'never');
    return never ? [never] : tagRules;
  }
  return rules.filter((r) => r.tag === null);
}

interface Plan {
  decisions: PolicyDecision[];
  /** Held decisions (host, package, version keys) held because fleet memory marks the version, not a block. */
  remembered: Set<string>;
}

const decisionKey = (hostId: number, pkg: string, version: string): string => `${hostId}\u0000${pkg}\u0000${version}`;

/** What a decision says apart from its machine: shared by every row decided alike on machines alike. */
interface Verdict {
  package: string;
  toVersion: string;
  outcome: 'approve' | 'held';
  rule: string;
  why: string;
  /** Held because fleet memory marks the version (not a block). */
  remembered: boolean;
}

/** A rule's match for a case, with the verdict it gives on each class of machine (by class number). */
interface Match {
  rule: RuleSpec;
  why: string;
  verdictOn: number[];
}

/** What a rule list said of each case: memoised, since most rows of a case are decided alike. */
interface RuleMemo {
  byDays: boolean;
  exact: boolean;
  /** Per case: the whole days waited its last verdict was for (NaN: none yet), and that verdict. */
  day: Float64Array;
  match: (Match | null | undefined)[];
  /** Verdicts by case and days waited, for cases met with more than one (memoOf, remember). */
  memo: Map<number, Match | null>;
}

/** Machines with the same tags and platform: the same rules, blocks and fleet-memory marks apply to them. */
interface HostClass {
  id: number;
  rules: RuleSpec[];
  blocks: Map<string, string>;
  platform: string | null;
}

interface PlanHost {
  label: string;
  /** Its label's place in localeCompare order. */
  labelRank: number;
  tags: string[];
  platform: string | null;
  cls?: HostClass;
}

/**
 * The decisions as numbers, in the order the page lists them: for each, the open update's position in the table
 * and its verdict. A decision object is made only for the decisions shown (a preview shows 500 of tens of
 * thousands: making and sorting one object per decided row, and reading each one's installed version, was most of
 * the preview's time).
 */
interface PlanOrder {
  length: number;
  row: Int32Array;
  verdict: Int32Array;
  verdicts: Verdict[];
  approved: number;
  held: number;
  table: OpenUpdateTable;
  hosts: Map<number, PlanHost>;
}

const DAYS_SPAN = 2 ** 20;
// Verdicts by case and days waited, c · 2^20 + days + 2^19 (days beyond ±2^19 are not kept: decided again).
const memoOf = (v: RuleMemo, c: number, days: number): Match | null | undefined => (Math.abs(days) < DAYS_SPAN / 2 ? v.memo.get(c * DAYS_SPAN + days + DAYS_SPAN / 2) : undefined);
function remember(v: RuleMemo, c: number, days: number, match: Match | null): void {
  if (Math.abs(days) < DAYS_SPAN / 2) v.memo.set(c * DAYS_SPAN + days + DAYS_SPAN / 2, match);
}

/** A stable counting sort of positions by a small non-negative integer key. */
function byKey(order: Int32Array, key: (p: number) => number, buckets: number): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let j = 0; j < order.length; j++) start[key(order[j]!) + 1]!++;
  for (let b = 1; b <= buckets; b++) start[b]! += start[b - 1]!;
  const out = new Int32Array(order.length);
  for (let j = 0; j < order.length; j++) {
    const p = order[j]!;
    out[start[key(p)]!++] = p;
  }
  return out;
}

/** Decides, without writing, what the rules approve and what blocks hold among the updates not yet approved. */
function orderPlan(db: Db, rules: readonly RuleSpec[], now: number, open?: OpenUpdateTable): PlanOrder | null {
  if (!rules.length) return null;
  const hostRows = db.prepare('SELECT id, COALESCE(display_name, hostname, address), tags, platform FROM hosts').raw().all() as [number, string, string, string | null][];
  const labelRank = localeRanks(hostRows.map((h) => h[1]));
  const hosts = new Map<number, PlanHost>();
  for (const [id, label, tags, platform] of hostRows) hosts.set(id, { label, labelRank: labelRank.get(label)!, tags: JSON.parse(tags) as string[], platform });
  const marks = activeMarks(db);
  const approved = approvedUpdates(db);
  const t = open ?? readOpenUpdates(db, now);
  const approvedOf = t.cases.map((c) => approved.get(`${c.package}\u0000${c.arch}\u0000${c.candidateVersion}`));
  const blocksOf = blocksByTags(db);
  // What a machine's rules say of a case is the same for each of its rows, except "after N days", which reads the
  // row's own detection time: memoised per rule list and case, and by whole days waited where a rule counts days
  // (a whole number of days, so "waited at least N days" and the "pending D days" wording depend on D alone).
  const verdictMemo = new Map<RuleSpec[], RuleMemo>();
  // One rule list per set of tags, so that machines alike share their verdicts.
  const rulesByTags = new Map<string, RuleSpec[]>();
  const classes = new Map<string, HostClass>();
  const classOf = (host: PlanHost): HostClass => {
    const tagsKey = JSON.stringify(host.tags);
    // Fleet memory keys a missing platform as '' (markKey), so the two are one class.
    const k = `${tagsKey}\u0000${host.platform ?? ''}`;
    let c = classes.get(k);
    if (!c) {
      let r = rulesByTags.get(tagsKey);
      if (!r) rulesByTags.set(tagsKey, (r = rulesFor(host.tags, rules)));
      classes.set(k, (c = { id: classes.size, rules: r, blocks: blocksOf(host.tags), platform: host.platform }));
    }
    return c;
  };
  const verdicts: Verdict[] = [];
  // A row is decided at most once: room for every row, made once (doubling made and dropped a copy each time).
  const row = new Int32Array(t.length);
  const verdict = new Int32Array(t.length);
  const labelOf = new Int32Array(t.length);
  let n = 0;
  let lastHostId = -1;
  let host: PlanHost | undefined;
  for (let i = 0; i < t.length; i++) {
    const hostId = t.hostId[i]!;
    const c = t.caseOf[i]!;
    if (approvedOf[c]?.has(hostId)) continue;
    if (hostId !== lastHostId) {
      lastHostId = hostId;
      host = hosts.get(hostId);
    }
    if (!host) continue;
    // The same rules for every update of a machine: chosen once per machine.
    const cls = (host.cls ??= classOf(host));
    const applicable = cls.rules;
    if (!applicable.length || applicable[0]!.mode === 'never') continue;
    const u = t.cases[c]!;
    let v = verdictMemo.get(applicable);
    if (!v) {
      v = {
        byDays: applicable.some((r) => r.afterDays !== null),
        // A fraction of a day (not allowed by the contract, but rows are rows) is decided row by row.
        exact: applicable.some((r) => r.afterDays !== null && !Number.isInteger(r.afterDays)),
        day: new Float64Array(t.cases.length).fill(NaN),
        match: new Array<Match | null | undefined>(t.cases.length),
        memo: new Map(),
      };
      verdictMemo.set(applicable, v);
    }
    const detectedAt = t.detectedAt[i]!;
    const days = v.byDays ? Math.floor((now - detectedAt) / DAY_MS) : 0;
    // A case's rows mostly wait the same whole days: its last verdict is kept by the case (two arrays); a case met
    // with other days waited keeps its verdicts by days in the Map as well.
    const seen = v.day[c]!;
    let match = v.exact ? undefined : seen === days ? v.match[c] : v.byDays && !Number.isNaN(seen) ? memoOf(v, c, days) : undefined;
    if (match === undefined) {
      const facts: RuleFacts = { isSecurity: u.isSecurity, kevCves: u.kevCves, score: u.score, band: u.band, detectedAt };
      match = null;
      for (const rule of applicable) {
        const why = ruleApproves(rule, facts, now);
        if (why) {
          match = { rule, why, verdictOn: [] };
          break;
        }
      }
    }
    if (!v.exact && seen !== days) {
      if (v.byDays && !Number.isNaN(seen)) {
        remember(v, c, seen, v.match[c]!);
        remember(v, c, days, match);
      }
      v.day[c] = days;
      v.match[c] = match;
    }
    if (!match) continue;
    // A match stands for one case (the memo is per case), so its verdict on a class of machines is one too.
    let k = match.verdictOn[cls.id];
    if (k === undefined) {
      const blocked = cls.blocks.get(u.package);
      // A version that failed or was rolled back on a machine of this platform is not approved again unseen.
      const failed = blocked ? undefined : marks.get(markKey(u.package, u.candidateVersion, cls.platform))?.[0];
      const outcome = failed || blocked ? 'held' : 'approve';
      const why = failed ? `${match.why}, but this version failed before: ${failed.text}` : blocked ? `${match.why}, but blocked: ${blocked}` : match.why;
      k = verdicts.push({ package: u.package, toVersion: u.candidateVersion, outcome, rule: match.rule.name, why, remembered: failed !== undefined }) - 1;
      match.verdictOn[cls.id] = k;
    }
    row[n] = i;
    verdict[n] = k;
    labelOf[n] = host.labelRank;
    n++;
  }
  // Approvals first, then by package, then by machine label (localeCompare, as integer ranks), and rows alike in
  // all three in the order they were decided (by machine id, then row id): two stable counting sorts.
  const pkgRank = localeRanks(verdicts.map((d) => d.package));
  const pkgs = pkgRank.size + 1;
  const verdictKey = verdicts.map((d) => (d.outcome === 'approve' ? 0 : pkgs) + pkgRank.get(d.package)!);
  const decided = new Int32Array(n);
  for (let j = 0; j < n; j++) decided[j] = j;
  const byLabel = byKey(decided, (p) => labelOf[p]!, hostRows.length + 1);
  const order = byKey(byLabel, (p) => verdictKey[verdict[p]!]!, 2 * pkgs);
  const out: PlanOrder = { length: n, row: new Int32Array(n), verdict: new Int32Array(n), verdicts, approved: 0, held: 0, table: t, hosts };
  for (let j = 0; j < n; j++) {
    const p = order[j]!;
    out.row[j] = row[p]!;
    out.verdict[j] = verdict[p]!;
    if (verdicts[verdict[p]!]!.outcome === 'approve') out.approved++;
    else out.held++;
  }
  return out;
}

/** The first `count` decisions of a plan as the page shows them, with the versions they move from. */
function decisionsOf(db: Db, plan: PlanOrder, count: number): PolicyDecision[] {
  const n = Math.min(count, plan.length);
  const rowIds: number[] = new Array<number>(n);
  for (let j = 0; j < n; j++) rowIds[j] = plan.table.id[plan.row[j]!]!;
  const from = new Map(
    n ? (db.prepare('SELECT u.id, u.installed_version FROM json_each(?) j JOIN pending_updates u ON u.id = j.value').raw().all(JSON.stringify(rowIds)) as [number, string | null][]) : [],
  );
  const out: PolicyDecision[] = new Array<PolicyDecision>(n);
  for (let j = 0; j < n; j++) {
    const hostId = plan.table.hostId[plan.row[j]!]!;
    const d = plan.verdicts[plan.verdict[j]!]!;
    out[j] = {
      hostId,
      hostLabel: plan.hosts.get(hostId)!.label,
      package: d.package,
      fromVersion: from.get(rowIds[j]!) ?? null,
      toVersion: d.toVersion,
      outcome: d.outcome,
      rule: d.rule,
      why: d.why,
    };
  }
  return out;
}

/** Decides, without writing, what the rules approve and what blocks hold among the updates not yet approved. */
export function planPolicies(db: Db, rules: readonly RuleSpec[], now = Date.now(), open?: OpenUpdateTable): Plan {
  const remembered = new Set<string>();
  const plan = orderPlan(db, rules, now, open);
  if (!plan) return { decisions: [], remembered };
  const decisions = decisionsOf(db, plan, plan.length);
  for (let j = 0; j < plan.length; j++) {
    if (plan.verdicts[plan.verdict[j]!]!.remembered) remembered.add(decisionKey(decisions[j]!.hostId, decisions[j]!.package, decisions[j]!.toVersion));
  }
  return { decisions, remembered };
}

function summarize(decisions: readonly PolicyDecision[]): PolicyEvaluation {
  return {
    approved: decisions.filter((d) => d.outcome === 'approve').length,
    held: decisions.filter((d) => d.outcome === 'held').length,
    decisions: decisions.slice(0, MAX_DECISIONS_SHOWN),
  };
}

/** The saved rules with this one put in its scope's place: what saving it would do now. Writes nothing. */
export function previewRule(db: Db, input: PolicyRuleInput, now = Date.now(), open?: OpenUpdateTable): PolicyEvaluation {
  const spec = specOf(input);
  const rules = listRules(db).filter((r) => (r.tag ?? '') !== (spec.tag ?? ''));
  const plan = orderPlan(db, [...rules, spec], now, open);
  if (!plan) return { approved: 0, held: 0, decisions: [] };
  return { approved: plan.approved, held: plan.held, decisions: decisionsOf(db, plan, MAX_DECISIONS_SHOWN) };
}

/**
 * Runs the saved rules: records the approvals (approver "policy:<rule>") and audits each approval, and each
 * new hold by a block once. Emits inventory/changed (reason "policy") when something was approved.
 */
export function evaluatePolicies(db: Db, events: EventSink | null, now = Date.now()): PolicyEvaluation {
  const { decisions, approvedHosts, lifted } = db.transaction(() => {
    // A newer version offered since a failure lifts that failure's mark before the rules look at it.
    const lifted = clearSuperseded(db, now);
    const plan = planPolicies(db, listRules(db), now);
    const hosts = new Set<number>();
    const rememberHold = db.prepare(`INSERT OR IGNORE INTO policy_holds (host_id, package, to_version, reason, held_at) VALUES (?, ?, ?, ?, ?)`);
    // One approval request per rule and exact version, covering all its machines (a request per machine
    // made a first run over a large fleet take minutes).
    const groups = new Map<string, { rule: string; package: string; to: string; hostIds: number[] }>();
    const whyOf = new Map<string, string>();
    for (const d of plan.decisions) {
      const actor = `policy:${d.rule}`;
      if (d.outcome === 'held') {
        const memory = plan.remembered.has(decisionKey(d.hostId, d.package, d.toVersion));
        if (rememberHold.run(d.hostId, d.package, d.toVersion, memory ? `${MEMORY_HOLD_PREFIX}${d.why}` : d.why, now).changes > 0) {
          appendAudit(db, {
            actor,
            action: memory ? 'policy.skip-failed-version' : 'policy.hold',
            targetType: 'host',
            targetId: d.hostId,
            details: { package: d.package, to: d.toVersion, rule: d.rule, why: d.why },
          });
        }
        continue;
      }
      const key = `${d.rule}\u0000${d.package}\u0000${d.toVersion}`;
      const g = groups.get(key);
      if (g) g.hostIds.push(d.hostId);
      else groups.set(key, { rule: d.rule, package: d.package, to: d.toVersion, hostIds: [d.hostId] });
      whyOf.set(`${d.hostId}\u0000${d.package}\u0000${d.toVersion}`, d.why);
    }
    for (const g of groups.values()) {
      const actor = `policy:${g.rule}`;
      for (const a of approveUpdates(db, [{ package: g.package, candidateVersion: g.to, hostIds: g.hostIds }], actor, now)) {
        hosts.add(a.hostId);
        const why = whyOf.get(`${a.hostId}\u0000${a.package}\u0000${a.to}`) ?? '';
        appendAudit(db, { actor, action: 'patch.approve', targetType: 'host', targetId: a.hostId, details: { package: a.package, from: a.from, to: a.to, rule: g.rule, why } });
      }
    }
    return { decisions: plan.decisions, approvedHosts: [...hosts], lifted };
  })();
  // The Patches rows carry the marks: a lifted one must not wait for the rows' cache to expire.
  if (lifted > 0 && events) events.emit('inventory/changed', { hostIds: [], reason: 'memory-cleared' });
  if (approvedHosts.length && events) events.emit('inventory/changed', { hostIds: approvedHosts, reason: 'policy' });
  return summarize(decisions);
}

/** Inventory reasons after which the policies are evaluated again. */
const TRIGGERS: ReadonlySet<InventoryReason> = new Set<InventoryReason>(['assessed', 'feeds', 'updated', 'scan', 'tags']);

/**
 * Evaluates the policies after assessments, feed imports and tag changes (deferred, outside the emitter's
 * transaction). A failure is audited rather than lost. Returns the unsubscribe.
 */
export function startPolicyEvaluation(db: Db, events: EventSink & { subscribe(fn: (e: EventEnvelope) => void): () => void }): () => void {
  let pending: NodeJS.Immediate | null = null;
  const unsubscribe = events.subscribe((e) => {
    if (e.name !== 'inventory/changed' || pending) return;
    if (!TRIGGERS.has(e.payload.reason)) return;
    pending = setImmediate(() => {
      pending = null;
      try {
        evaluatePolicies(db, events);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        try {
          appendAudit(db, { actor: 'system', action: 'policy.error', details: { message } });
        } catch {
          // The database is gone (closing): nothing left to record into; say so where it can be read.
          console.error(`Policy evaluation failed: ${message}`);
        }
      }
    });
  });
  return () => {
    unsubscribe();
    if (pending) clearImmediate(pending);
    pending = null;
  };
}
