/**
 * Fleet memory: each exact version a deployment carried, and what it did on each machine. A failed install or
 * verification, or a rollback (automatic or by hand), marks the version on that platform; auto-approval skips a
 * marked version and a manual approval must acknowledge the history. The mark clears when a newer version is
 * offered, when the admin clears it, or when the version later succeeds on the machine where it failed.
 * Successes are remembered too (on the canary ring, and on other machines of the platform).
 */
import type { VersionEvent, VersionEventKind, VersionMemory } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { Db } from '../db/open';
import { compareDebianVersions } from '../platforms/debian-version';
import { compareEvr } from '../platforms/rpm-version';

/** Failures and rollbacks returned per version; the counts of successes are always complete. */
export const MAX_FAILURES_SHOWN = 20;

export interface OutcomeInput {
  hostId: number;
  deploymentId: number | null;
  items: readonly { package: string; version: string }[];
  event: VersionEventKind;
  /** The failure's own words (empty for a success). */
  detail?: string;
  /** The step that failed (install, verify, reboot, repair), to name the cause. */
  step?: string | null;
  ring?: number | null;
}

/** The plain cause of a failure, from the step it happened in and its message. */
export function causeOf(event: VersionEventKind, step: string | null | undefined, detail: string): string {
  if (event === 'succeeded') return '';
  if (event === 'rolled-back-by-hand') return 'rolled back by hand';
  if (/health check failed/i.test(detail)) return 'health check failed';
  switch (step) {
    case 'install':
      return 'install failed';
    case 'verify':
      return 'verification failed';
    case 'reboot':
      return 'machine did not come back after a restart';
    case 'repair':
      return 'found wrong after an interruption';
    default:
      return step ? `${step} failed` : 'failed';
  }
}

const EVENT_WORDS: Readonly<Record<VersionEventKind, string>> = {
  'install-failed': 'install failed',
  'verify-failed': 'verification failed',
  'rolled-back': 'rolled back',
  'rolled-back-by-hand': 'rolled back by hand',
  'rollback-failed': 'failed, and its rollback failed',
  succeeded: 'succeeded',
};

/** "3 Dec", in UTC so every reader (and every test machine) says the same. */
export function shortDay(at: number): string {
  return new Date(at).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** One event in plain words: "rolled back on File server, 3 Dec: health check failed (exit 1): …". */
export function describeEvent(e: { event: VersionEventKind; hostLabel: string; at: number; cause: string; detail: string }): string {
  const why = e.detail.trim() || e.cause;
  return `${EVENT_WORDS[e.event]} on ${e.hostLabel}, ${shortDay(e.at)}${why && e.event !== 'succeeded' ? `: ${why.split('\n')[0]!.slice(0, 300)}` : ''}`;
}

interface EventRow {
  id: number;
  package: string;
  version: string;
  platform: string;
  kind: 'bad' | 'good';
  event: VersionEventKind;
  cause: string;
  detail: string;
  host_id: number | null;
  host_label: string;
  deployment_id: number | null;
  ring: number | null;
  at: number;
  cleared_at: number | null;
}

function toView(r: EventRow): VersionEvent {
  return {
    event: r.event,
    cause: r.cause,
    detail: r.detail,
    hostId: r.host_id,
    hostLabel: r.host_label,
    platform: r.platform,
    deploymentId: r.deployment_id,
    at: r.at,
    active: r.kind === 'bad' && r.cleared_at === null,
    text: describeEvent({ event: r.event, hostLabel: r.host_label, at: r.at, cause: r.cause, detail: r.detail }),
  };
}

/** policy_holds reasons of versions held by fleet memory (not by a block): forgotten when the mark clears. */
export const MEMORY_HOLD_PREFIX = 'fleet memory: ';

function clearRows(db: Db, rows: readonly EventRow[], by: string, reason: string, now: number): number {
  const stmt = db.prepare('UPDATE version_events SET cleared_at = ?, cleared_by = ?, cleared_reason = ? WHERE id = ? AND cleared_at IS NULL');
  // So that a version marked again later is audited again when a policy skips it.
  const forgetHolds = db.prepare(`DELETE FROM policy_holds WHERE package = ? AND to_version = ? AND substr(reason, 1, ${MEMORY_HOLD_PREFIX.length}) = ?`);
  const done = new Set<string>();
  let n = 0;
  for (const r of rows) {
    n += stmt.run(now, by, reason, r.id).changes;
    const key = `${r.package}\u0000${r.version}\u0000${r.platform}`;
    if (done.has(key)) continue;
    done.add(key);
    forgetHolds.run(r.package, r.version, MEMORY_HOLD_PREFIX);
    appendAudit(db, {
      actor: by === 'user' ? 'user' : 'system',
      action: 'memory.clear',
      details: { package: r.package, version: r.version, platform: r.platform, reason },
    }, now);
  }
  return n;
}

/**
 * Records what a deployment did to these items on one machine. A success also clears the marks this machine's
 * own failures of the same versions left (it works there now), audited.
 */
export function recordOutcome(db: Db, input: OutcomeInput, now = Date.now()): void {
  const host = db.prepare('SELECT coalesce(display_name, hostname, address) AS label, coalesce(platform, \'\') AS platform FROM hosts WHERE id = ?').get(input.hostId) as
    | { label: string; platform: string }
    | undefined;
  if (!host || input.items.length === 0) return;
  const detail = (input.detail ?? '').slice(0, 2000);
  const cause = causeOf(input.event, input.step, detail);
  const kind = input.event === 'succeeded' ? 'good' : 'bad';
  const put = db.prepare(
    `INSERT INTO version_events (package, version, platform, kind, event, cause, detail, host_id, host_label, deployment_id, ring, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const i of input.items) {
      put.run(i.package, i.version, host.platform, kind, input.event, cause, detail, input.hostId, host.label, input.deploymentId, input.ring ?? null, now);
    }
    if (kind !== 'good') return;
    const mine = db.prepare(
      `SELECT * FROM version_events WHERE kind = 'bad' AND cleared_at IS NULL AND host_id = ? AND package = ? AND version = ? AND platform = ?`,
    );
    const rows = input.items.flatMap((i) => mine.all(input.hostId, i.package, i.version, host.platform) as EventRow[]);
    if (rows.length) clearRows(db, rows, 'system', `deployed successfully on ${host.label}, where it had failed`, now);
  })();
}

/** Active marks by package, version and platform: the failures not cleared yet, newest first. */
export function activeMarks(db: Db): Map<string, VersionEvent[]> {
  const out = new Map<string, VersionEvent[]>();
  for (const r of db.prepare(`SELECT * FROM version_events WHERE kind = 'bad' AND cleared_at IS NULL ORDER BY at DESC, id DESC`).all() as EventRow[]) {
    const key = markKey(r.package, r.version, r.platform);
    const list = out.get(key) ?? [];
    list.push(toView(r));
    out.set(key, list);
  }
  return out;
}

export const markKey = (pkg: string, version: string, platform: string | null): string => `${pkg}\u0000${version}\u0000${platform ?? ''}`;

/** Whether `a` is a newer version than `b` on this platform; unknown orderings count a different version as newer. */
export function isNewer(platform: string, a: string, b: string): boolean {
  if (a === b) return false;
  try {
    if (platform === 'debian') return compareDebianVersions(a, b) > 0;
    if (platform === 'rhel' || platform === 'suse') return compareEvr(a, b) > 0;
  } catch {
    // A version the parser refuses: fall through to "different is newer", the package manager's own offer.
  }
  return true;
}

/**
 * Clears the marks of versions a newer one has replaced: some machine of the platform is now offered a newer
 * version of the package than the marked one, found after the mark. Audited per version; returns how many
 * events were cleared.
 */
export function clearSuperseded(db: Db, now = Date.now()): number {
  const marks = db.prepare(`SELECT * FROM version_events WHERE kind = 'bad' AND cleared_at IS NULL`).all() as EventRow[];
  if (marks.length === 0) return 0;
  const offers = db.prepare(
    `SELECT DISTINCT u.candidate_version FROM pending_updates u JOIN hosts h ON h.id = u.host_id
     WHERE u.package = ? AND coalesce(h.platform, '') = ? AND u.resolved_at IS NULL AND u.candidate_version <> ?`,
  );
  const byVersion = new Map<string, EventRow[]>();
  for (const m of marks) {
    const k = markKey(m.package, m.version, m.platform);
    byVersion.set(k, [...(byVersion.get(k) ?? []), m]);
  }
  let n = 0;
  db.transaction(() => {
    for (const rows of byVersion.values()) {
      const m = rows[0]!;
      const newer = (offers.all(m.package, m.platform, m.version) as { candidate_version: string }[])
        .map((o) => o.candidate_version)
        .find((v) => isNewer(m.platform, v, m.version));
      if (newer) n += clearRows(db, rows, 'system', `a newer version is offered: ${newer}`, now);
    }
  })();
  return n;
}

/** The admin clears a version's marks (every platform). Audited; returns how many events were cleared. */
export function clearMark(db: Db, pkg: string, version: string, reason: string, now = Date.now()): number {
  return db.transaction(() => {
    const rows = db.prepare(`SELECT * FROM version_events WHERE kind = 'bad' AND cleared_at IS NULL AND package = ? AND version = ?`).all(pkg, version) as EventRow[];
    return rows.length ? clearRows(db, rows, 'user', reason || 'cleared by the admin', now) : 0;
  })();
}

/**
 * Everything remembered about versions, keyed by package and version (all platforms): for the Patches rows and
 * the approval check. `platforms` limits the marks to the platforms of the machines concerned.
 */
export function versionMemories(db: Db): Map<string, VersionMemory & { markedPlatforms: Set<string> }> {
  const out = new Map<string, VersionMemory & { markedPlatforms: Set<string> }>();
  const rows = db.prepare('SELECT * FROM version_events ORDER BY at DESC, id DESC').all() as EventRow[];
  const seenGood = new Set<string>();
  for (const r of rows) {
    const key = `${r.package}\u0000${r.version}`;
    let m = out.get(key);
    if (!m) {
      m = { package: r.package, version: r.version, marked: false, failures: [], succeeded: { canary: 0, others: 0 }, summary: '', markedPlatforms: new Set() };
      out.set(key, m);
    }
    if (r.kind === 'good') {
      // One success per machine: a version deployed twice on a machine is one machine it works on.
      const machine = `${key}\u0000${r.host_id ?? r.host_label}`;
      if (seenGood.has(machine)) continue;
      seenGood.add(machine);
      if (r.ring === 0) m.succeeded.canary++;
      else m.succeeded.others++;
      continue;
    }
    if (r.cleared_at === null) {
      m.marked = true;
      m.markedPlatforms.add(r.platform);
    }
    if (m.failures.length < MAX_FAILURES_SHOWN) m.failures.push(toView(r));
  }
  for (const m of out.values()) m.summary = summarize(m);
  return out;
}

function summarize(m: VersionMemory): string {
  const ok = m.succeeded;
  const good = ok.canary + ok.others
    ? `succeeded on ${[ok.canary ? `${ok.canary} canary machine${ok.canary === 1 ? '' : 's'}` : '', ok.others ? `${ok.others} other machine${ok.others === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ')}`
    : '';
  const active = m.failures.find((f) => f.active);
  if (active) return `Failed before: ${active.text}${good ? `; ${good}` : ''}`;
  return good ? good.charAt(0).toUpperCase() + good.slice(1) : m.failures[0] ? `Failed before (cleared): ${m.failures[0].text}` : '';
}

/** The memory of one version, for the Patches page and the approval dialog. */
export function versionMemory(db: Db, pkg: string, version: string): VersionMemory {
  const m = versionMemories(db).get(`${pkg}\u0000${version}`);
  if (!m) return { package: pkg, version, marked: false, failures: [], succeeded: { canary: 0, others: 0 }, summary: '' };
  const { markedPlatforms: _p, ...view } = m;
  return view;
}

/**
 * The marked versions an approval request would approve: for each requested (package, version), the active
 * failures on the platforms of the machines it would be approved for (newest first). Empty when none is marked.
 */
export function markedInRequest(
  db: Db,
  requests: readonly { package: string; candidateVersion: string; hostIds?: readonly number[] }[],
): { package: string; version: string; failures: VersionEvent[] }[] {
  const marks = activeMarks(db);
  if (marks.size === 0) return [];
  const platforms = db.prepare(
    `SELECT DISTINCT u.host_id, coalesce(h.platform, '') AS platform FROM pending_updates u JOIN hosts h ON h.id = u.host_id
     WHERE u.resolved_at IS NULL AND u.package = ? AND u.candidate_version = ?`,
  );
  const out: { package: string; version: string; failures: VersionEvent[] }[] = [];
  for (const r of requests) {
    const failures: VersionEvent[] = [];
    const seen = new Set<string>();
    for (const p of platforms.all(r.package, r.candidateVersion) as { host_id: number; platform: string }[]) {
      if ((r.hostIds && !r.hostIds.includes(p.host_id)) || seen.has(p.platform)) continue;
      seen.add(p.platform);
      failures.push(...(marks.get(markKey(r.package, r.candidateVersion, p.platform)) ?? []));
    }
    if (failures.length) out.push({ package: r.package, version: r.candidateVersion, failures: failures.sort((a, b) => b.at - a.at) });
  }
  return out;
}
