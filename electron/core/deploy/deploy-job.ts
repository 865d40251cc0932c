/**
 * Runs a deployment as a durable job: ring after ring (canary first), each ring's machines in parallel up to the
 * concurrency limit, never two machines of one cluster at once, each inside its maintenance window; a ring whose
 * success rate misses the gate halts the deployment and says why. Cancelling stops new machines from starting
 * and lets the ones in flight finish their step (killing apt halfway is what breaks machines).
 */
import type { DeployOutcomeCounts, Host, HostDeploySettings, PlanHost, PlanItem, PlanView, TargetState } from '../../../shared/contract';
import type { JobContext, JobHandler, JobOutcome } from '../jobs/job-runner';
import { getHost } from '../machines/machine-queries';
import type { CoreServices } from '../services';
import {
  deploymentItemsFor, getDeploySettings, listWindows, setDeploymentState, targetRow, updateTarget, type TargetPatch,
} from './deploy-queries';
import { deployerFor, deployWith, needsRepair, repairWith, rollbackWith, type MachineContext, type MachineOutcome } from './deployers';
import { StepError, failureOf } from './deployers/types';
import { acquireLease, busyMessage, releaseLease } from '../jobs/leases';
import { nextWindow, windowsFor, type WindowSpan } from './window';

export interface DeployJobOptions {
  mode: 'deploy' | 'resume' | 'repair';
  /** Test hook: free space a machine needs. */
  minFreeKb?: number;
  /** How often a machine waiting for its window looks again (ms). */
  pollMs?: number;
  localZone?: string;
  /** The clock windows are read against; default the services' deploy clock, else Date.now. */
  now?: () => number;
}

/** How often a machine waiting for another job's lease looks again. */
const LEASE_POLL_MS = 5_000;

const STEP_INDEX: Record<string, number> = { preflight: 1, snapshot: 2, install: 3, verify: 4, reboot: 5, rollback: 5, repair: 4, done: 6 };

function machineContext(
  s: CoreServices,
  ctx: JobContext,
  deploymentId: number,
  host: Host,
  settings: HostDeploySettings,
  items: readonly PlanItem[],
  minFreeKb: number | undefined,
): MachineContext {
  const key = host.address;
  return {
    s,
    deploymentId,
    host,
    settings,
    items,
    minFreeKb,
    report(patch: TargetPatch) {
      // On a full disk the machine's record stops here; the job's targets (in memory) and events go on.
      s.storage.write(() => updateTarget(s.db, deploymentId, host.id, patch), undefined);
      const jobState = patch.state === undefined ? undefined
        : patch.state === 'succeeded' ? 'succeeded'
          : patch.state === 'running' || patch.state === 'waiting' ? 'running'
            : patch.state === 'pending' ? 'pending'
              : patch.state === 'interrupted' ? 'interrupted'
                : patch.state === 'skipped' ? 'skipped'
                  : patch.state === 'cancelled' ? 'cancelled' : 'failed';
      ctx.target(key, {
        hostId: host.id,
        ...(jobState ? { state: jobState } : {}),
        ...(patch.step !== undefined ? { step: patch.state === 'rolled-back' ? 'rolled back' : patch.step, current: STEP_INDEX[patch.step ?? ''] ?? 0 } : {}),
        ...(patch.failure !== undefined ? { failure: patch.failure } : {}),
      });
      if (patch.state === 'rolled-back') ctx.target(key, { step: 'rolled back' });
      s.events.emit('deploy/changed', { deploymentId });
    },
    log: (level, message) => ctx.log(level, message, key),
  };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

export function deployJob(s: CoreServices, deploymentId: number, plan: PlanView, options: DeployJobOptions): JobHandler {
  const localZone = options.localZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const pollMs = options.pollMs ?? s.deployTimings?.windowPollMs ?? 30_000;
  const now = options.now ?? s.deployTimings?.clock ?? (() => Date.now());
  const when = (w: WindowSpan, zone: string): string => {
    const f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    return `${f.format(new Date(w.start))} – ${f.format(new Date(w.end)).split(', ').pop()} (${zone})`;
  };

  return async (ctx) => {
    const jobStartedAt = now();
    const all = plan.rings.flatMap((r) => r.hosts);
    const tally: Record<MachineOutcome | 'skipped' | 'cancelled', number> = { succeeded: 0, failed: 0, 'rolled-back': 0, 'rollback-failed': 0, skipped: 0, cancelled: 0 };
    let done = 0;
    ctx.progress(0, all.length);
    for (const h of all) {
      const row = targetRow(s.db, deploymentId, h.hostId);
      ctx.target(getHost(s.db, h.hostId)?.address ?? `host:${h.hostId}`, {
        hostId: h.hostId,
        state: row && isFinal(row.state) ? (row.state === 'succeeded' ? 'succeeded' : 'failed') : 'pending',
        total: 6,
      });
    }
    setDeploymentState(s.db, deploymentId, 'running', { started: true, haltedReason: null });
    s.events.emit('deploy/changed', { deploymentId });
    let halted: string | null = null;

    for (const ring of plan.rings) {
      if (halted || ctx.signal.aborted || s.storage.full) break;
      const outcomes = await runRing(ring.hosts);
      const attempted = outcomes.filter((o) => o !== 'skipped' && o !== 'cancelled').length;
      const good = outcomes.filter((o) => o === 'succeeded').length;
      if (attempted > 0 && (good / attempted) * 100 < plan.gatePercent && ring !== plan.rings[plan.rings.length - 1]) {
        halted = `${ring.label}: ${good} of ${attempted} machines succeeded, below the ${plan.gatePercent}% gate; later rings were not started`;
        ctx.log('error', `Deployment halted. ${halted}`);
      }
    }

    if (s.storage.full) {
      // Nothing more can be recorded. Once there is room the job and this deployment are marked interrupted,
      // and Resume or Repair goes on from what each machine's record says (the runner arranges it).
      const message = `Stopped: Patchwell's data folder is full. ${tally['rolled-back']} machine(s) rolled back, ${tally.succeeded} updated; the others were not started`;
      ctx.log('error', message);
      s.events.emit('deploy/changed', { deploymentId });
      return { state: 'failed', summary: message };
    }

    // Patchwell stopping is not the user cancelling: machines not started yet stay waiting, the deployment stays
    // running, and the next start goes on with it (waitingDeployments).
    if (ctx.signal.aborted && s.jobs.stopping && !halted) {
      const left = all.filter((h) => {
        const row = targetRow(s.db, deploymentId, h.hostId);
        return row && (row.state === 'pending' || row.state === 'waiting');
      }).length;
      if (left > 0) {
        ctx.log('info', `Patchwell is stopping: ${left} machine${left === 1 ? '' : 's'} not started yet go on waiting when it starts again`);
        s.events.emit('deploy/changed', { deploymentId });
        return { state: 'partial', summary: `${left} machine${left === 1 ? '' : 's'} wait for Patchwell to start again` };
      }
    }

    // Whatever did not start (a halt, a cancel) is recorded as such, never left "pending".
    for (const h of all) {
      const row = targetRow(s.db, deploymentId, h.hostId);
      if (row && (row.state === 'pending' || row.state === 'waiting')) {
        const state: TargetState = ctx.signal.aborted ? 'cancelled' : 'skipped';
        updateTarget(s.db, deploymentId, h.hostId, { state });
        tally[state]++;
      }
    }
    const failed = tally.failed + tally['rolled-back'] + tally['rollback-failed'];
    const finalState = ctx.signal.aborted ? 'cancelled' : halted ? 'halted' : failed === 0 ? 'succeeded' : tally.succeeded > 0 ? 'partial' : 'failed';
    setDeploymentState(s.db, deploymentId, finalState, { finished: true, haltedReason: halted ?? (ctx.signal.aborted ? 'Cancelled by the user' : null) });
    s.events.emit('deploy/changed', { deploymentId });
    s.events.emit('inventory/changed', { hostIds: all.map((h) => h.hostId), reason: 'deployed' });
    s.events.emit('deploy/finished', { deploymentId, kind: 'deploy', state: finalState, counts: { ...tally } });
    const summary = [
      `${tally.succeeded} of ${all.length} machines updated`,
      tally['rolled-back'] ? `${tally['rolled-back']} rolled back` : '',
      tally['rollback-failed'] ? `${tally['rollback-failed']} need attention (rollback failed)` : '',
      tally.failed ? `${tally.failed} failed before any change` : '',
      tally.skipped ? `${tally.skipped} not started` : '',
      halted ? 'halted by the ring gate' : '',
    ].filter(Boolean).join(', ');
    const outcome: JobOutcome = { state: failed === 0 && !halted ? 'succeeded' : tally.succeeded > 0 ? 'partial' : 'failed', summary };
    return outcome;

    async function runRing(hosts: readonly PlanHost[]): Promise<(MachineOutcome | 'skipped' | 'cancelled')[]> {
      const settings = getDeploySettings(s.db, hosts.map((h) => h.hostId));
      const windows = listWindows(s.db);
      const queue: PlanHost[] = [];
      const results: (MachineOutcome | 'skipped' | 'cancelled')[] = [];
      for (const h of hosts) {
        const row = targetRow(s.db, deploymentId, h.hostId);
        if (!row || isFinal(row.state)) continue;
        if (options.mode === 'repair' && !(row.state === 'interrupted' && needsRepair(row.step))) continue;
        queue.push(h);
      }
      const active = new Map<number, Promise<void>>();
      const busyClusters = new Set<string>();
      // The window start each machine was last told it waits for: a new one (a window missed) is said again.
      const waitingLogged = new Map<number, number>();
      const busyLogged = new Set<number>();
      let vaultLogged = false;

      while (queue.length > 0 || active.size > 0) {
        if (ctx.signal.aborted && queue.length > 0) {
          for (const _h of queue.splice(0)) results.push('cancelled');
        }
        // A full data folder: no machine more is started (its changes could not be recorded).
        if (s.storage.full && queue.length > 0) {
          for (const h of queue.splice(0)) {
            results.push('skipped');
            const address = getHost(s.db, h.hostId)?.address ?? `host:${h.hostId}`;
            ctx.target(address, { state: 'skipped', step: 'not started: data folder full' });
          }
        }
        let started = false;
        let soonest = Number.POSITIVE_INFINITY;
        for (let i = 0; i < queue.length && active.size < plan.concurrency; i++) {
          const h = queue[i]!;
          if (h.cluster && busyClusters.has(h.cluster)) continue;
          const host = getHost(s.db, h.hostId);
          const set = settings.get(h.hostId);
          if (!host || !set) {
            queue.splice(i--, 1);
            updateTarget(s.db, deploymentId, h.hostId, { state: 'skipped', failure: { command: null, exitCode: null, stderrTail: '', message: 'The machine was removed from the inventory' } });
            results.push('skipped');
            continue;
          }
          if (!plan.deployNow) {
            const t = now();
            const zone = set.timezone ?? localZone;
            const w = nextWindow(windowsFor(windows, host.tags), zone, t);
            if (w && w.start > t) {
              soonest = Math.min(soonest, w.start);
              if (waitingLogged.get(h.hostId) !== w.start) {
                waitingLogged.set(h.hostId, w.start);
                // A window that closed without this machine: never run late, wait for the next one and say so.
                const before = targetRow(s.db, deploymentId, h.hostId)?.window ?? null;
                const missed = before !== null && before.end <= t && before.start !== w.start;
                const why = missed && before.end <= jobStartedAt ? ' while Patchwell was not running' : '';
                const note = missed
                  ? `Missed its window ${when(before, zone)}${why}; waits for the next one, ${when(w, zone)}`
                  : `Waiting for its maintenance window, ${when(w, zone)}`;
                updateTarget(s.db, deploymentId, h.hostId, { state: 'waiting', window: w, note });
                ctx.target(host.address, { state: 'pending', step: missed ? 'missed its window; waiting for the next' : 'waiting for window' });
                ctx.log(missed ? 'warn' : 'info', note, host.address);
                s.events.emit('deploy/changed', { deploymentId });
              }
              continue;
            }
          }
          // After a restart the vault may be locked (a passphrase): machines wait for it rather than fail.
          if (s.vault.status().locked) {
            soonest = Math.min(soonest, now() + pollMs);
            if (!vaultLogged) {
              vaultLogged = true;
              ctx.log('warn', 'The credential vault is locked: machines wait until it is unlocked');
              ctx.summary('Waiting for the credential vault to be unlocked');
            }
            continue;
          }
          // One job per machine, across processes: a machine another job works on waits for it.
          const lease = s.storage.write(() => acquireLease(s.db, h.hostId, { holder: s.processId, jobId: ctx.jobId, purpose: `deployment ${deploymentId}`, jobRunning: (id) => s.jobs.isRunning(id) }), null);
          if (!lease) break; // the data folder is full: the loop's top stops starting machines
          if (!lease.ok) {
            soonest = Math.min(soonest, now() + LEASE_POLL_MS);
            if (!busyLogged.has(h.hostId)) {
              busyLogged.add(h.hostId);
              ctx.target(host.address, { state: 'pending', step: 'waiting for machine' });
              ctx.log('info', `Waiting: ${busyMessage(lease)}`, host.address);
            }
            continue;
          }
          queue.splice(i--, 1);
          if (h.cluster) busyClusters.add(h.cluster);
          const row = targetRow(s.db, deploymentId, h.hostId)!;
          const items = deploymentItemsFor(s.db, deploymentId, h.hostId);
          const m = machineContext(s, ctx, deploymentId, host, set, items, options.minFreeKb);
          const run = (async () => {
            let outcome: MachineOutcome;
            const deployer = deployerFor(host.platform);
            if (!deployer) {
              // The plan refuses such machines; one whose platform changed since (a reassessment) stops here.
              const failure = failureOf(new StepError(`No deployer for ${host.osName ?? host.platform ?? 'an unassessed machine'}: nothing was changed`), 'preflight');
              m.log('error', failure.message);
              m.report({ state: 'failed', failure, finished: true });
              outcome = 'failed';
            } else if (row.state === 'interrupted' && needsRepair(row.step)) outcome = await repairWith(deployer, m, row.snapshotId);
            else outcome = await deployWith(deployer, m);
            results.push(outcome);
            tally[outcome]++;
            ctx.progress(++done);
          })().finally(() => {
            s.storage.write(() => releaseLease(s.db, h.hostId, s.processId, ctx.jobId), undefined);
            active.delete(h.hostId);
            if (h.cluster) busyClusters.delete(h.cluster);
          });
          active.set(h.hostId, run);
          started = true;
        }
        if (started) continue;
        if (active.size > 0) {
          const wait = Number.isFinite(soonest) ? Math.max(Math.min(1000, pollMs), Math.min(pollMs, soonest - now())) : pollMs;
          await Promise.race([...active.values(), sleep(wait, ctx.signal)]);
        } else if (queue.length > 0) {
          ctx.summary(`Waiting for maintenance windows (${queue.length} machines)`);
          const wait = Number.isFinite(soonest) ? Math.max(Math.min(1000, pollMs), Math.min(pollMs, soonest - now())) : pollMs;
          await sleep(wait, ctx.signal);
        }
      }
      return results;
    }
  };
}

function isFinal(state: TargetState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'rolled-back' || state === 'rollback-failed' || state === 'skipped' || state === 'cancelled';
}

/**
 * Rolls back machines of a deployment from their snapshots, as a deployment of its own (so it has targets,
 * a log and an audit trail), and marks the original machines rolled back.
 */
export function rollbackJob(s: CoreServices, originalId: number, rollbackId: number, hostIds: readonly number[]): JobHandler {
  return async (ctx) => {
    setDeploymentState(s.db, rollbackId, 'running', { started: true });
    ctx.progress(0, hostIds.length);
    let ok = 0;
    let done = 0;
    const counts: DeployOutcomeCounts = { succeeded: 0, failed: 0, 'rolled-back': 0, 'rollback-failed': 0, skipped: 0, cancelled: 0 };
    for (const hostId of hostIds) {
      const host = getHost(s.db, hostId);
      const row = targetRow(s.db, originalId, hostId);
      const settings = getDeploySettings(s.db, [hostId]).get(hostId);
      if (!host || !row || !settings) continue;
      ctx.target(host.address, { hostId, state: 'pending', total: 1 });
      // A rollback waits for a job still working on the machine (a deployment mid-install) rather than racing it.
      if (!(await waitForLease(s, ctx, hostId, host.address, `rollback ${rollbackId}`))) break;
      const items = deploymentItemsFor(s.db, originalId, hostId);
      const m = machineContext(s, ctx, rollbackId, host, settings, items, undefined);
      m.report({ state: 'running', step: 'rollback', started: true });
      const deployer = deployerFor(host.platform);
      if (!deployer) {
        m.log('error', `No deployer for ${host.osName ?? host.platform ?? 'this machine'}: it cannot be rolled back by Patchwell`);
        m.report({ state: 'rollback-failed', finished: true });
      } else if (row.snapshotId === null) {
        m.log('error', 'No snapshot was taken on this machine (it stopped before any change): nothing to roll back');
        m.report({ state: 'skipped', finished: true });
        counts.skipped++;
      } else {
        const original = { ...m, deploymentId: originalId };
        const success = await rollbackWith(deployer, original, row.snapshotId, 'manual', `Rollback of deployment ${originalId} asked by the user`);
        m.report({ state: success ? 'succeeded' : 'rollback-failed', step: 'done', finished: true });
        updateTarget(s.db, originalId, hostId, { state: success ? 'rolled-back' : 'rollback-failed' });
        if (success) ok++;
        counts[success ? 'succeeded' : 'rollback-failed']++;
      }
      releaseLease(s.db, hostId, s.processId, ctx.jobId);
      ctx.progress(++done);
    }
    const state = ok === hostIds.length ? 'succeeded' : ok > 0 ? 'partial' : 'failed';
    setDeploymentState(s.db, rollbackId, state, { finished: true });
    s.events.emit('deploy/changed', { deploymentId: originalId });
    s.events.emit('deploy/changed', { deploymentId: rollbackId });
    s.events.emit('inventory/changed', { hostIds: [...hostIds], reason: 'rolled-back' });
    s.events.emit('deploy/finished', { deploymentId: rollbackId, kind: 'rollback', rollbackOf: originalId, state, counts });
    return { state, summary: `${ok} of ${hostIds.length} machines rolled back` };
  };
}

/** Takes the machine's lease, waiting while another job holds it; false when the job was cancelled meanwhile. */
async function waitForLease(s: CoreServices, ctx: JobContext, hostId: number, key: string, purpose: string): Promise<boolean> {
  let told = false;
  for (;;) {
    const lease = acquireLease(s.db, hostId, { holder: s.processId, jobId: ctx.jobId, purpose, jobRunning: (id) => s.jobs.isRunning(id) });
    if (lease.ok) return true;
    if (!told) {
      told = true;
      ctx.target(key, { state: 'pending', step: 'waiting for machine' });
      ctx.log('info', `Waiting: ${busyMessage(lease)}`, key);
    }
    await sleep(LEASE_POLL_MS, ctx.signal);
    if (ctx.signal.aborted) return false;
  }
}
