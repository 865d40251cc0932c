/**
 * The one step pipeline every deployer runs through: preflight → snapshot → install → verify → reboot (when
 * needed and allowed) → record; and its rollback and repair. Every step is written before it starts, so after a
 * crash the user sees where each machine stopped. A failed install or verification rolls the machine back from
 * its snapshot, in a fresh session (the failure may have been the connection itself), and checks the rollback.
 */
import type { PlanItem } from '../../../../shared/contract';
import { isStorageFull } from '../../db/storage';
import { markApprovalsDeployed, revokeApprovals } from '../approval-queries';
import { deploymentItemsFor, setItemResults, targetRow, type TargetPatch } from '../deploy-queries';
import { recordOutcome, type OutcomeInput } from '../fleet-memory';
import { getSnapshot, getSnapshotMeta, insertSnapshot, setSnapshotState } from '../snapshot-queries';
import { failureOf, StepError, type AnyDeployer, type MachineContext, type MachineOutcome, type Verified } from './types';

type Step = NonNullable<TargetPatch['step']>;

/** Audits a change to the machine; on a full disk the entry waits in memory, in order, for room (never lost). */
export function auditMachine(m: MachineContext, action: string, details: Record<string, unknown>, actor: 'user' | 'system' = 'user'): void {
  m.s.storage.audit({ actor, action, targetType: 'host', targetId: m.host.id, details: { deploymentId: m.deploymentId, ...details } });
}

export const approvalIds = (m: MachineContext): number[] => m.items.map((i) => i.approvalId).filter((id) => id > 0);

/**
 * Tells fleet memory what this machine's versions did. Never fails the deployment: the machine's own state is
 * already written; a memory that could not be written is said in the machine's log.
 */
function remember(m: MachineContext, event: OutcomeInput['event'], step: string | null, detail: string, items: readonly PlanItem[] = m.items): void {
  try {
    recordOutcome(m.s.db, {
      hostId: m.host.id,
      deploymentId: m.deploymentId,
      items: items.map((i) => ({ package: i.package, version: i.toVersion })),
      event,
      step,
      detail,
      ring: targetRow(m.s.db, m.deploymentId, m.host.id)?.ring ?? null,
    });
  } catch (err) {
    m.log('warn', `Fleet memory not updated: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The items a failure is blamed on: when the install says which packages did not reach their version, those;
 * otherwise all of the machine's (a failed verification or health check cannot tell which one broke it). Read
 * before the rollback, which rewrites every item's state.
 */
function blamed(m: MachineContext, step: string): readonly PlanItem[] {
  if (step !== 'install') return m.items;
  try {
    const failed = new Set(deploymentItemsFor(m.s.db, m.deploymentId, m.host.id).filter((i) => i.state === 'failed').map((i) => i.package));
    return failed.size ? m.items.filter((i) => failed.has(i.package)) : m.items;
  } catch {
    return m.items;
  }
}

/** Steps after which the machine was changed: a failure there is the version's, not the machine's access. */
const CHANGING_STEPS: ReadonlySet<string> = new Set(['install', 'verify', 'reboot']);

export async function deployWith(d: AnyDeployer, m: MachineContext): Promise<MachineOutcome> {
  let step: Step = 'preflight';
  let snapshotId: number | null = null;
  let changed = false;
  const timings: string[] = [];
  let stepStarted = Date.now();
  const enter = (next: Step): void => {
    timings.push(`${step} ${((Date.now() - stepStarted) / 1000).toFixed(1)} s`);
    stepStarted = Date.now();
    step = next;
    m.report({ state: 'running', step });
  };
  const began = Date.now();
  m.report({ state: 'running', step: 'preflight', started: true, failure: null });
  try {
    let verified: Verified<unknown> = await d.session(m, async (session) => {
      const pre: unknown = await d.preflight(m, session);

      enter('snapshot');
      const snap = await d.snapshot(m, session, pre);
      snapshotId = insertSnapshot(m.s.db, { hostId: m.host.id, deploymentId: m.deploymentId, provider: snap.provider, ref: snap.ref, sizeBytes: snap.sizeBytes, meta: snap.meta });
      m.report({ snapshotId });
      auditMachine(m, 'deploy.snapshot', { snapshotId, provider: snap.provider, ref: snap.ref, ...snap.audit });
      m.log(snap.level ?? 'info', snap.message);

      enter('install');
      changed = true;
      const done = await d.install(m, session, pre);
      setItemResults(m.s.db, m.deploymentId, m.host.id, done.items);
      auditMachine(m, 'deploy.install', done.audit);
      if (done.failure) throw done.failure;
      m.log('info', done.message);

      enter('verify');
      return d.verify(m, session, pre);
    });
    let rebooted = false;
    if (verified.reboot.needed) {
      if (m.settings.allowReboot) {
        enter('reboot');
        verified = await d.reboot(m, verified);
        rebooted = true;
      } else {
        m.log('warn', `A reboot is needed (${verified.reboot.reasons.join('; ') || 'the update asked for one'}) and is not allowed on this machine: restart it in its next window`);
      }
    }
    m.s.db.transaction(() => {
      d.record(m, verified, rebooted);
      markApprovalsDeployed(m.s.db, approvalIds(m));
    })();
    enter('done');
    remember(m, 'succeeded', null, '');
    m.log('info', `Done in ${((Date.now() - began) / 1000).toFixed(1)} s (${timings.join(', ')})`);
    m.report({ state: 'succeeded', step: 'done', finished: true });
    return 'succeeded';
  } catch (err) {
    return failAndRollBack(m, err, step, changed ? snapshotId : null, d.rollbackAnnouncement, (mm, id, why, reason) => rollbackWith(d, mm, id, why, reason));
  }
}

/**
 * After a failed step: a machine not changed yet (or without a snapshot) is failed as it is; a changed one is
 * rolled back by `rollback` and checked, and ends rolled back or needing attention.
 */
export async function failAndRollBack(
  m: MachineContext,
  err: unknown,
  step: string,
  snapshotId: number | null,
  announce: string,
  rollback: (m: MachineContext, snapshotId: number, why: 'automatic', reason: string) => Promise<boolean>,
): Promise<MachineOutcome> {
  const failure = failureOf(err, step);
  if (isStorageFull(err)) {
    // The machine may well be as approved, but Patchwell cannot record it: it is put back to what is recorded.
    m.s.storage.noteFull(err);
    failure.message = `Patchwell could not record this step: its data folder is full (${failure.message})`;
  }
  m.log('error', failure.message + (failure.stderrTail ? `\n${failure.stderrTail}` : ''));
  const culprits = blamed(m, step);
  if (snapshotId === null) {
    if (CHANGING_STEPS.has(step)) remember(m, step === 'install' ? 'install-failed' : 'verify-failed', step, failure.message, culprits);
    m.report({ state: 'failed', failure, finished: true });
    return 'failed';
  }
  m.report({ state: 'running', step: 'rollback', failure });
  m.log('warn', announce);
  const ok = await rollback(m, snapshotId, 'automatic', failure.message);
  remember(m, ok ? 'rolled-back' : 'rollback-failed', step, failure.message, culprits);
  m.report({ state: ok ? 'rolled-back' : 'rollback-failed', finished: true, failure });
  return ok ? 'rolled-back' : 'rollback-failed';
}

/** Restores a machine from a snapshot, checks the result and records it; false when the machine is not as it was. */
export async function rollbackWith(d: AnyDeployer, m: MachineContext, snapshotId: number, why: 'automatic' | 'manual', reason: string): Promise<boolean> {
  const snapshot = getSnapshot(m.s.db, snapshotId);
  const meta = getSnapshotMeta(m.s.db, snapshotId);
  if (!snapshot || !meta) {
    m.log('error', `Snapshot ${snapshotId} is gone: nothing to roll back to`);
    return false;
  }
  try {
    const r = await d.session(m, (session) => d.restore(m, session, snapshot, meta));
    const audit = (): void => auditMachine(m, r.ok ? 'deploy.rollback' : 'deploy.rollback-failed', { snapshotId, provider: snapshot.provider, reason, ...r.audit }, why === 'automatic' ? 'system' : 'user');
    try {
      m.s.db.transaction(() => {
        setSnapshotState(m.s.db, snapshotId, r.ok ? 'restored' : 'failed');
        setItemResults(m.s.db, m.deploymentId, m.host.id, r.items);
        r.record?.();
        if (r.ok) revokeApprovals(m.s.db, approvalIds(m));
        audit();
      })();
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      // The machine is restored; only its record is not. The audit entry waits for room; Repair reads the rest
      // from the machine once the job is marked interrupted.
      m.s.storage.noteFull(err);
      audit();
      m.log('error', 'The rollback is done on the machine, but Patchwell could not record it: its data folder is full');
    }
    for (const line of r.messages) m.log(line.level, line.text);
    if (r.ok && why === 'manual') remember(m, 'rolled-back-by-hand', null, reason);
    return r.ok;
  } catch (err) {
    const f = failureOf(err, 'rollback');
    m.log('error', `${f.message}${f.stderrTail ? `\n${f.stderrTail}` : ''}`);
    auditMachine(m, 'deploy.rollback-failed', { snapshotId, error: f.message }, 'system');
    return false;
  }
}

/**
 * A machine that was mid-change when Patchwell stopped: the deployer settles and checks it. As approved →
 * succeeded; otherwise rolled back from its snapshot when it has one.
 */
export async function repairWith(d: AnyDeployer, m: MachineContext, snapshotId: number | null): Promise<MachineOutcome> {
  m.report({ state: 'running', step: 'repair', started: true });
  try {
    const verdict = await d.session(m, (session) => d.check(m, session, snapshotId));
    if (verdict.ok) {
      // The machine is as approved: its items are installed and their approvals carried out, as after a deployment.
      m.s.db.transaction(() => {
        setItemResults(m.s.db, m.deploymentId, m.host.id, m.items.map((i) => ({ package: i.package, arch: i.arch, version: i.toVersion, state: 'installed' })));
        markApprovalsDeployed(m.s.db, approvalIds(m));
      })();
      m.log('info', verdict.message);
      remember(m, 'succeeded', null, '');
      m.report({ state: 'succeeded', step: 'done', finished: true, failure: null });
      return 'succeeded';
    }
    m.log('warn', verdict.problem);
    const failure = failureOf(new StepError(verdict.problem), 'repair');
    if (snapshotId === null) {
      m.report({ state: 'failed', finished: true, failure });
      return 'failed';
    }
    m.report({ state: 'running', step: 'rollback' });
    const ok = await rollbackWith(d, m, snapshotId, 'automatic', verdict.problem);
    remember(m, ok ? 'rolled-back' : 'rollback-failed', 'repair', verdict.problem);
    m.report({ state: ok ? 'rolled-back' : 'rollback-failed', finished: true, failure });
    return ok ? 'rolled-back' : 'rollback-failed';
  } catch (err) {
    const failure = failureOf(err, 'repair');
    m.log('error', failure.message);
    m.report({ state: 'interrupted', failure, finished: true });
    return 'failed';
  }
}

/** For resume: which machines need a repair rather than a fresh start. */
export function needsRepair(step: string | null): boolean {
  return step === 'install' || step === 'verify' || step === 'reboot' || step === 'rollback' || step === 'repair';
}
