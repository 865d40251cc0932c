/**
 * Deployments in SQLite: the plan as it was approved, each machine's state and step (written the moment it
 * changes, so a crash leaves the truth behind), the exact versions per machine, and the inventory after a change.
 * Approvals, snapshots and Windows' updates have their own modules beside this one.
 */
import { targetState } from '../../../shared/contract';
import type {
  DeploymentDetail, DeploymentState, DeploymentSummary, DeploymentTargetView, DeployStep, HealthCheck, HostDeploySettings,
  MaintenanceWindows, PlanItem, PlanView, RemoteFailure, SnapshotProvider, TargetState, WindowRule,
} from '../../../shared/contract';
import type { Db } from '../db/open';
import { getSnapshot } from './snapshot-queries';
import { describeRule } from './window';

// ---- per-machine settings -------------------------------------------------------------------------------

interface SettingsRow {
  id: number;
  deploy_ring: number;
  cluster: string | null;
  health_check: string | null;
  snapshot_provider: SnapshotProvider;
  allow_reboot: number;
  timezone: string | null;
}

function rowToSettings(r: SettingsRow): HostDeploySettings {
  return {
    hostId: r.id,
    ring: r.deploy_ring,
    cluster: r.cluster,
    healthCheck: r.health_check ? (JSON.parse(r.health_check) as HealthCheck) : null,
    snapshotProvider: r.snapshot_provider,
    allowReboot: r.allow_reboot === 1,
    timezone: r.timezone,
  };
}

export function getDeploySettings(db: Db, hostIds?: readonly number[]): Map<number, HostDeploySettings> {
  const rows = db
    .prepare('SELECT id, deploy_ring, cluster, health_check, snapshot_provider, allow_reboot, timezone FROM hosts')
    .all() as SettingsRow[];
  const wanted = hostIds ? new Set(hostIds) : null;
  return new Map(rows.filter((r) => !wanted || wanted.has(r.id)).map((r) => [r.id, rowToSettings(r)]));
}

export type DeploySettingsPatch = Partial<Omit<HostDeploySettings, 'hostId'>>;

export function setDeploySettings(db: Db, ids: readonly number[], patch: DeploySettingsPatch, now = Date.now()): void {
  const columns: [keyof DeploySettingsPatch, string, (v: unknown) => unknown][] = [
    ['ring', 'deploy_ring', (v) => v],
    ['cluster', 'cluster', (v) => (typeof v === 'string' && v.trim() ? v.trim() : null)],
    ['healthCheck', 'health_check', (v) => (v ? JSON.stringify(v) : null)],
    ['snapshotProvider', 'snapshot_provider', (v) => v],
    ['allowReboot', 'allow_reboot', (v) => (v ? 1 : 0)],
    ['timezone', 'timezone', (v) => v ?? null],
  ];
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, column, encode] of columns) {
    if (!(key in patch) || patch[key] === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(encode(patch[key]));
  }
  if (sets.length === 0) return;
  const stmt = db.prepare(`UPDATE hosts SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`);
  db.transaction(() => {
    for (const id of ids) stmt.run(...values, now, id);
  })();
}

// ---- maintenance windows ---------------------------------------------------------------------------------

export function listWindows(db: Db): MaintenanceWindows[] {
  const rows = db.prepare('SELECT tag, rule FROM maintenance_windows ORDER BY tag, id').all() as { tag: string; rule: string }[];
  const byTag = new Map<string, WindowRule[]>();
  for (const r of rows) {
    const list = byTag.get(r.tag) ?? [];
    list.push(JSON.parse(r.rule) as WindowRule);
    byTag.set(r.tag, list);
  }
  return [...byTag].map(([tag, rules]) => ({ tag, rules, description: rules.map(describeRule).join('; ') }));
}

export function setWindows(db: Db, tag: string, rules: readonly WindowRule[], now = Date.now()): void {
  db.transaction(() => {
    db.prepare('DELETE FROM maintenance_windows WHERE tag = ?').run(tag);
    const put = db.prepare('INSERT INTO maintenance_windows (tag, rule, created_at) VALUES (?, ?, ?)');
    for (const r of rules) put.run(tag, JSON.stringify(r), now);
  })();
}

// ---- deployments -------------------------------------------------------------------------------------------

export function createDeployment(
  db: Db,
  input: { title: string; plan: PlanView; createdBy: string; state: DeploymentState; rollbackOf?: number | null },
  now = Date.now(),
): number {
  return db.transaction(() => {
    const info = db
      .prepare('INSERT INTO deployments (state, plan, created_by, created_at, title, rollback_of) VALUES (?, ?, ?, ?, ?, ?)')
      .run(input.state, JSON.stringify(input.plan), input.createdBy, now, input.title, input.rollbackOf ?? null);
    const id = Number(info.lastInsertRowid);
    const target = db.prepare('INSERT INTO deployment_targets (deployment_id, host_id, ring, state, updated_at) VALUES (?, ?, ?, ?, ?)');
    const item = db.prepare(
      'INSERT INTO deployment_items (deployment_id, host_id, package, arch, from_version, to_version, approval_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const ring of input.plan.rings) {
      for (const h of ring.hosts) {
        target.run(id, h.hostId, ring.ring, 'pending', now);
        for (const i of h.items) item.run(id, h.hostId, i.package, i.arch, i.fromVersion, i.toVersion, i.approvalId > 0 ? i.approvalId : null);
      }
    }
    return id;
  })();
}

export function setDeploymentJob(db: Db, id: number, jobId: number): void {
  db.prepare('UPDATE deployments SET job_id = ? WHERE id = ?').run(jobId, id);
}

export function setDeploymentState(
  db: Db,
  id: number,
  state: DeploymentState,
  extra: { haltedReason?: string | null; started?: boolean; finished?: boolean } = {},
  now = Date.now(),
): void {
  db.prepare(
    `UPDATE deployments SET state = ?,
       halted_reason = CASE WHEN ? THEN ? ELSE halted_reason END,
       started_at = CASE WHEN ? AND started_at IS NULL THEN ? ELSE started_at END,
       finished_at = CASE WHEN ? THEN ? ELSE NULL END
     WHERE id = ?`,
  ).run(
    state,
    extra.haltedReason !== undefined ? 1 : 0,
    extra.haltedReason ?? null,
    extra.started ? 1 : 0,
    now,
    extra.finished ? 1 : 0,
    now,
    id,
  );
}

export interface TargetPatch {
  state?: TargetState;
  /** The maintenance window the machine waits for; null clears it. */
  window?: { start: number; end: number } | null;
  /** Why it waits, in words; null clears it. */
  note?: string | null;
  step?: DeployStep | null;
  snapshotId?: number | null;
  failure?: RemoteFailure | null;
  started?: boolean;
  finished?: boolean;
}

export function updateTarget(db: Db, deploymentId: number, hostId: number, patch: TargetPatch, now = Date.now()): void {
  const sets: string[] = ['updated_at = @now'];
  if (patch.state !== undefined) sets.push('state = @state');
  if (patch.step !== undefined) sets.push('step = @step');
  if (patch.snapshotId !== undefined) sets.push('snapshot_id = @snapshotId');
  if (patch.failure !== undefined) sets.push('failure = @failure');
  if (patch.window !== undefined) sets.push('window_start = @windowStart', 'window_end = @windowEnd');
  if (patch.note !== undefined) sets.push('note = @note');
  // A machine that starts is no longer waiting: the note saying why it waited goes.
  if (patch.started) sets.push('started_at = @now', 'finished_at = NULL', 'note = NULL');
  if (patch.finished) sets.push('finished_at = @now');
  db.prepare(`UPDATE deployment_targets SET ${sets.join(', ')} WHERE deployment_id = @deploymentId AND host_id = @hostId`).run({
    now,
    deploymentId,
    hostId,
    state: patch.state ?? null,
    step: patch.step ?? null,
    snapshotId: patch.snapshotId ?? null,
    failure: patch.failure ? JSON.stringify(patch.failure) : null,
    windowStart: patch.window?.start ?? null,
    windowEnd: patch.window?.end ?? null,
    note: patch.note ?? null,
  });
}

/** One approved item's outcome on one machine: the version it has now and what happened to it. */
export interface ItemResult {
  package: string;
  arch: string;
  version: string | null;
  state: 'installed' | 'failed' | 'rolled-back';
}

export function setItemResults(db: Db, deploymentId: number, hostId: number, results: readonly ItemResult[]): void {
  const stmt = db.prepare(
    `UPDATE deployment_items SET result_version = ?, state = ? WHERE deployment_id = ? AND host_id = ? AND package = ? AND arch = ?`,
  );
  db.transaction(() => {
    for (const r of results) stmt.run(r.version, r.state, deploymentId, hostId, r.package, r.arch);
  })();
}

interface DeploymentRow {
  id: number;
  job_id: number | null;
  state: DeploymentState;
  plan: string;
  created_by: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  title: string;
  halted_reason: string | null;
  rollback_of: number | null;
}

function summaries(db: Db, rows: DeploymentRow[]): DeploymentSummary[] {
  if (rows.length === 0) return [];
  const counts = db
    .prepare(
      `SELECT deployment_id, state, count(*) AS n FROM deployment_targets
       WHERE deployment_id IN (${rows.map(() => '?').join(',')}) GROUP BY deployment_id, state`,
    )
    .all(...rows.map((r) => r.id)) as { deployment_id: number; state: TargetState; n: number }[];
  const items = db
    .prepare(
      `SELECT deployment_id, count(*) AS n FROM deployment_items WHERE deployment_id IN (${rows.map(() => '?').join(',')}) GROUP BY deployment_id`,
    )
    .all(...rows.map((r) => r.id)) as { deployment_id: number; n: number }[];
  return rows.map((r) => {
    const c = Object.fromEntries(targetState.options.map((k) => [k, 0])) as Record<TargetState, number>;
    let hosts = 0;
    for (const x of counts) {
      if (x.deployment_id !== r.id) continue;
      c[x.state] = x.n;
      hosts += x.n;
    }
    return {
      id: r.id,
      title: r.title,
      state: r.state,
      jobId: r.job_id,
      createdBy: r.created_by,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      haltedReason: r.halted_reason,
      rollbackOf: r.rollback_of,
      counts: c,
      hostCount: hosts,
      itemCount: items.find((x) => x.deployment_id === r.id)?.n ?? 0,
    };
  });
}

export function listDeployments(db: Db, limit = 100): DeploymentSummary[] {
  return summaries(db, db.prepare('SELECT * FROM deployments ORDER BY id DESC LIMIT ?').all(limit) as DeploymentRow[]);
}

export function getDeployment(db: Db, id: number): DeploymentDetail | undefined {
  const row = db.prepare('SELECT * FROM deployments WHERE id = ?').get(id) as DeploymentRow | undefined;
  if (!row) return undefined;
  const [summary] = summaries(db, [row]);
  const targets = db
    .prepare(
      `SELECT t.*, coalesce(h.display_name, h.hostname, h.address) AS label FROM deployment_targets t
       JOIN hosts h ON h.id = t.host_id WHERE t.deployment_id = ? ORDER BY t.ring, label`,
    )
    .all(id) as {
    host_id: number;
    label: string;
    ring: number;
    state: TargetState;
    step: DeployStep | null;
    failure: string | null;
    snapshot_id: number | null;
    started_at: number | null;
    finished_at: number | null;
    window_start: number | null;
    window_end: number | null;
    note: string | null;
  }[];
  const items = db
    .prepare('SELECT * FROM deployment_items WHERE deployment_id = ? ORDER BY package')
    .all(id) as {
    host_id: number;
    package: string;
    arch: string;
    from_version: string | null;
    to_version: string;
    result_version: string | null;
    state: 'pending' | 'installed' | 'failed' | 'rolled-back';
  }[];
  const views: DeploymentTargetView[] = targets.map((t) => ({
    hostId: t.host_id,
    label: t.label,
    ring: t.ring,
    state: t.state,
    step: t.step,
    failure: t.failure ? (JSON.parse(t.failure) as RemoteFailure) : null,
    snapshot: t.snapshot_id ? (getSnapshot(db, t.snapshot_id) ?? null) : null,
    startedAt: t.started_at,
    finishedAt: t.finished_at,
    waitingFor: t.window_start !== null && t.window_end !== null ? { start: t.window_start, end: t.window_end } : null,
    note: t.note,
    items: items
      .filter((i) => i.host_id === t.host_id)
      .map((i) => ({
        package: i.package,
        arch: i.arch,
        fromVersion: i.from_version,
        toVersion: i.to_version,
        resultVersion: i.result_version,
        state: i.state,
      })),
  }));
  const plan = JSON.parse(row.plan) as Partial<PlanView>;
  return { ...summary!, plan: Array.isArray(plan.rings) ? (plan as PlanView) : null, targets: views };
}

// A deployment no machine of which was mid-step, with machines still to do: it was waiting (for a window, a
// ring, a machine another job held), so nothing is half-done and it can simply go on.
const ONLY_WAITING = `NOT EXISTS (SELECT 1 FROM deployment_targets t WHERE t.deployment_id = d.id AND t.state = 'running')
  AND EXISTS (SELECT 1 FROM deployment_targets t WHERE t.deployment_id = d.id AND t.state IN ('pending','waiting'))`;

function orphaned(db: Db, where: string, alive: (owner: string) => boolean): number[] {
  return (
    db.prepare(`SELECT d.id, j.owner FROM deployments d LEFT JOIN jobs j ON j.id = d.job_id WHERE d.state IN ('running') AND ${where} ORDER BY d.id`).all() as { id: number; owner: string | null }[]
  )
    .filter((r) => r.owner === null || !alive(r.owner))
    .map((r) => r.id);
}

/**
 * At start-up: deployments a dead process left waiting (no machine mid-step, machines still to do). They are not
 * interrupted: the caller starts them again and they go on waiting for their windows.
 */
export function waitingDeployments(db: Db, alive: (owner: string) => boolean = () => false): number[] {
  return orphaned(db, ONLY_WAITING, alive);
}

/**
 * At start-up: deployments that were running a machine when the process died become `interrupted`, and so do
 * their machines that were mid-step; each keeps the step it had reached so the user can resume or repair.
 * Deployments that were only waiting are left for {@link waitingDeployments}.
 */
export function interruptRunningDeployments(db: Db, now = Date.now(), alive: (owner: string) => boolean = () => false): number[] {
  return db.transaction(() => {
    const ids = orphaned(db, `NOT (${ONLY_WAITING})`, alive);
    for (const id of ids) interruptDeployment(db, id, 'Patchwell stopped while this deployment ran', now);
    return ids;
  })();
}

/**
 * The deployment run by `jobId`, whose record was cut short: it becomes interrupted if it is still marked running
 * or a machine of it is (their last record is mid-step), so Repair settles those machines.
 */
export function interruptDeploymentOfJob(db: Db, jobId: number, reason: string, now = Date.now()): void {
  const row = db.prepare(`SELECT id, state FROM deployments WHERE job_id = ?`).get(jobId) as { id: number; state: string } | undefined;
  if (!row) return;
  const midStep = db.prepare(`SELECT count(*) AS n FROM deployment_targets WHERE deployment_id = ? AND state = 'running'`).get(row.id) as { n: number };
  if (row.state === 'running' || midStep.n > 0) interruptDeployment(db, row.id, reason, now);
}

function interruptDeployment(db: Db, id: number, reason: string, now: number): void {
  db.transaction(() => {
    db.prepare(`UPDATE deployment_targets SET state = 'interrupted', updated_at = ? WHERE deployment_id = ? AND state IN ('running')`).run(now, id);
    db.prepare(`UPDATE deployments SET state = 'interrupted', halted_reason = ?, finished_at = NULL WHERE id = ?`).run(reason, id);
  })();
}

// ---- inventory after a change --------------------------------------------------------------------------------

/**
 * Records the package list read from a machine after an install or a rollback: host_packages replaced, and each
 * open update marked resolved when its candidate is what is now installed — or reopened when a rollback took the
 * machine back below it. (The next assessment refreshes everything else.)
 */
export function recordPackageChange(
  db: Db,
  hostId: number,
  installed: readonly { name: string; arch: string; version: string; state?: string }[],
  now = Date.now(),
): { resolved: number; reopened: number } {
  return db.transaction(() => {
    db.prepare('DELETE FROM host_packages WHERE host_id = ?').run(hostId);
    const put = db.prepare('INSERT OR REPLACE INTO host_packages (host_id, name, arch, version, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    const versions = new Map<string, string>();
    for (const p of installed) {
      put.run(hostId, p.name, p.arch, p.version, p.state ?? 'installed', now);
      versions.set(`${p.name}\u0000${p.arch}`, p.version);
      versions.set(`${p.name}\u0000`, p.version);
    }
    const rows = db
      .prepare('SELECT id, package, arch, installed_version, candidate_version, resolved_at FROM pending_updates WHERE host_id = ? AND (resolved_at IS NULL OR resolved_at >= ?)')
      .all(hostId, now - 30 * 86_400_000) as { id: number; package: string; arch: string; installed_version: string | null; candidate_version: string; resolved_at: number | null }[];
    let resolved = 0;
    let reopened = 0;
    for (const r of rows) {
      const v = versions.get(`${r.package}\u0000${r.arch}`) ?? versions.get(`${r.package}\u0000`) ?? null;
      if (r.resolved_at === null && v === r.candidate_version) {
        db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE id = ?').run(now, r.id);
        resolved++;
      } else if (r.resolved_at !== null && v !== null && v === r.installed_version) {
        db.prepare('UPDATE pending_updates SET resolved_at = NULL WHERE id = ?').run(r.id);
        reopened++;
      }
    }
    return { resolved, reopened };
  })();
}

export function deploymentItemsFor(db: Db, deploymentId: number, hostId: number): (PlanItem & { state: string })[] {
  return (
    db
      .prepare('SELECT package, arch, from_version, to_version, approval_id, state FROM deployment_items WHERE deployment_id = ? AND host_id = ? ORDER BY package')
      .all(deploymentId, hostId) as { package: string; arch: string; from_version: string | null; to_version: string; approval_id: number | null; state: string }[]
  ).map((r) => ({ package: r.package, arch: r.arch, fromVersion: r.from_version, toVersion: r.to_version, approvalId: r.approval_id ?? 0, state: r.state }));
}

export interface TargetRow {
  state: TargetState;
  step: DeployStep | null;
  snapshotId: number | null;
  ring: number;
  /** The window the machine was last seen waiting for. */
  window: { start: number; end: number } | null;
}

export function targetRow(db: Db, deploymentId: number, hostId: number): TargetRow | undefined {
  const r = db
    .prepare('SELECT state, step, snapshot_id, ring, window_start, window_end FROM deployment_targets WHERE deployment_id = ? AND host_id = ?')
    .get(deploymentId, hostId) as { state: TargetState; step: DeployStep | null; snapshot_id: number | null; ring: number; window_start: number | null; window_end: number | null } | undefined;
  return r && {
    state: r.state,
    step: r.step,
    snapshotId: r.snapshot_id,
    ring: r.ring,
    window: r.window_start !== null && r.window_end !== null ? { start: r.window_start, end: r.window_end } : null,
  };
}

/** Whether a machine must restart, and why, as a deployment or a rollback left it. */
export function setHostReboot(db: Db, hostId: number, required: boolean, reasons: readonly string[]): void {
  db.prepare('UPDATE hosts SET reboot_required = ?, reboot_reasons = ? WHERE id = ?').run(required ? 1 : 0, JSON.stringify(reasons), hostId);
}

/** A deployment cancelled before it ran (scheduled, or interrupted): its machines not yet started are cancelled. */
export function cancelUnstartedTargets(db: Db, deploymentId: number): void {
  db.prepare(`UPDATE deployment_targets SET state = 'cancelled' WHERE deployment_id = ? AND state IN ('pending','waiting')`).run(deploymentId);
}

/**
 * Resuming a deployment: machines a cancel or a halt left unstarted go back in the queue, and so do those that
 * stopped before any change (no snapshot: a full disk or a busy package manager the user may have dealt with since).
 */
export function requeueUnchangedTargets(db: Db, deploymentId: number): void {
  db.prepare(
    `UPDATE deployment_targets SET state = 'pending', failure = NULL
     WHERE deployment_id = ? AND (state IN ('cancelled','skipped','waiting') OR (state = 'failed' AND snapshot_id IS NULL))`,
  ).run(deploymentId);
}
