/**
 * Deployments in SQLite: the plan as it was approved, each machine's state and step (written the moment it
 * changes, so a crash leaves the truth behind), the exact versions per machine, and the snapshots taken.
 */
import { targetState } from '../../../shared/contract';
import type {
  DeploymentDetail, DeploymentState, DeploymentSummary, DeploymentTargetView, DeployStep, HealthCheck, HostDeploySettings,
  MaintenanceWindows, PlanItem, PlanView, RemoteFailure, SnapshotProvider, SnapshotView, TargetState, WindowRule,
} from '../../../shared/contract';
import type { Db } from '../db/open';
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

// ---- approvals -----------------------------------------------------------------------------------------------

/** Approved, not yet deployed versions per machine. */
export function approvedItems(db: Db, hostIds?: readonly number[]): Map<number, PlanItem[]> {
  const rows = db
    .prepare(
      `SELECT id, host_id, package, arch, from_version, to_version FROM approvals
       WHERE state = 'approved' ORDER BY host_id, package`,
    )
    .all() as { id: number; host_id: number; package: string; arch: string; from_version: string | null; to_version: string }[];
  const wanted = hostIds ? new Set(hostIds) : null;
  const out = new Map<number, PlanItem[]>();
  for (const r of rows) {
    if (wanted && !wanted.has(r.host_id)) continue;
    const list = out.get(r.host_id) ?? [];
    list.push({ package: r.package, arch: r.arch, fromVersion: r.from_version, toVersion: r.to_version, approvalId: r.id });
    out.set(r.host_id, list);
  }
  return out;
}

export function markApprovalsDeployed(db: Db, approvalIds: readonly number[]): void {
  const stmt = db.prepare(`UPDATE approvals SET state = 'deployed' WHERE id = ? AND state = 'approved'`);
  for (const id of approvalIds) stmt.run(id);
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
  if (patch.started) sets.push('started_at = @now', 'finished_at = NULL');
  if (patch.finished) sets.push('finished_at = @now');
  db.prepare(`UPDATE deployment_targets SET ${sets.join(', ')} WHERE deployment_id = @deploymentId AND host_id = @hostId`).run({
    now,
    deploymentId,
    hostId,
    state: patch.state ?? null,
    step: patch.step ?? null,
    snapshotId: patch.snapshotId ?? null,
    failure: patch.failure ? JSON.stringify(patch.failure) : null,
  });
}

export function setItemResults(
  db: Db,
  deploymentId: number,
  hostId: number,
  results: readonly { package: string; arch: string; version: string | null; state: 'installed' | 'failed' | 'rolled-back' }[],
): void {
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

/**
 * At start-up: deployments that were running when the process died become `interrupted`, and so do their
 * machines that were mid-step; each keeps the step it had reached so the user can resume or repair.
 */
export function interruptRunningDeployments(db: Db, now = Date.now()): number[] {
  return db.transaction(() => {
    const ids = (db.prepare(`SELECT id FROM deployments WHERE state IN ('running')`).all() as { id: number }[]).map((r) => r.id);
    for (const id of ids) {
      db.prepare(`UPDATE deployment_targets SET state = 'interrupted', updated_at = ? WHERE deployment_id = ? AND state IN ('running')`).run(now, id);
      db.prepare(
        `UPDATE deployments SET state = 'interrupted', halted_reason = 'Patchwell stopped while this deployment ran' WHERE id = ?`,
      ).run(id);
    }
    return ids;
  })();
}

// ---- snapshots ---------------------------------------------------------------------------------------------

export interface SnapshotMeta {
  /** Every installed package before the change: what a package-state rollback restores. */
  packages: { name: string; arch: string; version: string }[];
  /** Versions whose .deb could not be kept on the machine. */
  unavailable: string[];
  /** Services running before the change. */
  services?: string[];
  /** Windows: the restore point made before the change (or why none was), and the hypervisor's answer. */
  windows?: { restorePoint: { created: true; sequence: number } | { created: false; reason: string }; hypervisor: string };
}

export function insertSnapshot(
  db: Db,
  s: { hostId: number; deploymentId: number | null; provider: string; ref: string; sizeBytes: number | null; meta: SnapshotMeta },
  now = Date.now(),
): number {
  const info = db
    .prepare(
      `INSERT INTO snapshots (host_id, deployment_id, provider, ref, state, size_bytes, meta, created_at) VALUES (?, ?, ?, ?, 'ready', ?, ?, ?)`,
    )
    .run(s.hostId, s.deploymentId, s.provider, s.ref, s.sizeBytes, JSON.stringify(s.meta), now);
  return Number(info.lastInsertRowid);
}

export function setSnapshotState(db: Db, id: number, state: SnapshotView['state']): void {
  db.prepare('UPDATE snapshots SET state = ? WHERE id = ?').run(state, id);
}

interface SnapshotRow {
  id: number;
  host_id: number;
  deployment_id: number | null;
  provider: string;
  ref: string;
  state: SnapshotView['state'];
  size_bytes: number | null;
  meta: string;
  created_at: number;
  label: string;
}

function rowToSnapshot(r: SnapshotRow): SnapshotView {
  const meta = JSON.parse(r.meta) as Partial<SnapshotMeta>;
  return {
    id: r.id,
    hostId: r.host_id,
    hostLabel: r.label,
    deploymentId: r.deployment_id,
    provider: r.provider,
    ref: r.ref,
    state: r.state,
    sizeBytes: r.size_bytes,
    packageCount: meta.packages?.length ?? 0,
    unavailable: meta.unavailable ?? [],
    createdAt: r.created_at,
  };
}

const SELECT_SNAPSHOT = `SELECT s.*, coalesce(h.display_name, h.hostname, h.address) AS label FROM snapshots s JOIN hosts h ON h.id = s.host_id`;

export function getSnapshot(db: Db, id: number): SnapshotView | undefined {
  const r = db.prepare(`${SELECT_SNAPSHOT} WHERE s.id = ?`).get(id) as SnapshotRow | undefined;
  return r && rowToSnapshot(r);
}

export function getSnapshotMeta(db: Db, id: number): SnapshotMeta | undefined {
  const r = db.prepare('SELECT meta FROM snapshots WHERE id = ?').get(id) as { meta: string } | undefined;
  return r ? (JSON.parse(r.meta) as SnapshotMeta) : undefined;
}

export function listSnapshots(db: Db, hostId?: number): SnapshotView[] {
  const rows = (hostId
    ? db.prepare(`${SELECT_SNAPSHOT} WHERE s.host_id = ? ORDER BY s.created_at DESC`).all(hostId)
    : db.prepare(`${SELECT_SNAPSHOT} ORDER BY s.created_at DESC LIMIT 1000`).all()) as SnapshotRow[];
  return rows.map(rowToSnapshot);
}

/** Snapshots the retention rule lets go: beyond the newest `keep` per machine, or older than the age limit. */
export function snapshotsToPrune(db: Db, keepPerHost: number, maxAgeDays: number, now = Date.now()): SnapshotView[] {
  const rows = db.prepare(`${SELECT_SNAPSHOT} WHERE s.state IN ('ready','restored') ORDER BY s.host_id, s.created_at DESC`).all() as SnapshotRow[];
  const seen = new Map<number, number>();
  const out: SnapshotView[] = [];
  for (const r of rows) {
    const n = (seen.get(r.host_id) ?? 0) + 1;
    seen.set(r.host_id, n);
    const tooOld = maxAgeDays > 0 && now - r.created_at > maxAgeDays * 86_400_000;
    if (n > keepPerHost || (tooOld && n > 1)) out.push(rowToSnapshot(r));
  }
  return out;
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

/** After a rollback the approvals of what was undone are revoked: the update is pending again, not approved. */
export function revokeApprovals(db: Db, approvalIds: readonly number[]): void {
  const stmt = db.prepare(`UPDATE approvals SET state = 'revoked' WHERE id = ?`);
  for (const id of approvalIds) stmt.run(id);
}

export function deploymentItemsFor(db: Db, deploymentId: number, hostId: number): (PlanItem & { state: string })[] {
  return (
    db
      .prepare('SELECT package, arch, from_version, to_version, approval_id, state FROM deployment_items WHERE deployment_id = ? AND host_id = ? ORDER BY package')
      .all(deploymentId, hostId) as { package: string; arch: string; from_version: string | null; to_version: string; approval_id: number | null; state: string }[]
  ).map((r) => ({ package: r.package, arch: r.arch, fromVersion: r.from_version, toVersion: r.to_version, approvalId: r.approval_id ?? 0, state: r.state }));
}

export function targetRow(db: Db, deploymentId: number, hostId: number): { state: TargetState; step: DeployStep | null; snapshotId: number | null; ring: number } | undefined {
  const r = db
    .prepare('SELECT state, step, snapshot_id, ring FROM deployment_targets WHERE deployment_id = ? AND host_id = ?')
    .get(deploymentId, hostId) as { state: TargetState; step: DeployStep | null; snapshot_id: number | null; ring: number } | undefined;
  return r && { state: r.state, step: r.step, snapshotId: r.snapshot_id, ring: r.ring };
}

/** Windows: open updates whose KB is now installed are fixed; returns how many. */
export function resolveInstalledKbs(db: Db, hostId: number, kbs: readonly string[], now = Date.now()): number {
  const stmt = db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE host_id = ? AND package = ? AND resolved_at IS NULL');
  return db.transaction(() => kbs.reduce((n, kb) => n + stmt.run(now, hostId, kb).changes, 0))();
}

/** Windows: after a KB was removed, its update (this exact identity) is pending again. */
export function reopenRemovedKbs(db: Db, hostId: number, items: readonly { package: string; toVersion: string }[]): void {
  const stmt = db.prepare('UPDATE pending_updates SET resolved_at = NULL WHERE host_id = ? AND package = ? AND candidate_version = ? AND resolved_at IS NOT NULL');
  db.transaction(() => {
    for (const i of items) stmt.run(hostId, i.package, i.toVersion);
  })();
}

/** Windows: application upgrades done through winget are fixed (this exact version). */
export function resolveUpgradedApps(db: Db, hostId: number, items: readonly { package: string; toVersion: string }[], now = Date.now()): void {
  const stmt = db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE host_id = ? AND package = ? AND candidate_version = ? AND resolved_at IS NULL');
  db.transaction(() => {
    for (const i of items) stmt.run(now, hostId, i.package, i.toVersion);
  })();
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
