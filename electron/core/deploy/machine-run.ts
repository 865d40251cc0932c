/**
 * One machine's deployment: preflight → snapshot → install → verify → reboot (when needed and allowed) →
 * record; and its rollback and repair. Every step is written before it starts, so after a crash the user sees
 * where each machine stopped. A failed install or verification rolls the machine back from its snapshot, in a
 * fresh SSH session (the failure may have been the connection itself), and checks the rollback.
 */
import { setMaxListeners } from 'node:events';
import type { Host, HostDeploySettings, PlanItem, RemoteFailure } from '../../../shared/contract';
import { toFailure } from '../assess/failure';
import { appendAudit } from '../audit/audit-log';
import type { DebianPlatform } from '../platforms/debian';
import { runScript } from '../platforms/exec-util';
import type { Remote } from '../platforms/remote';
import type { CoreServices } from '../services';
import { chooseProvider, restoreFsSnapshot, takeFsSnapshot } from '../snapshots/providers';
import { describeDiff, restorePackages } from '../snapshots/package-state';
import {
  getSnapshot, getSnapshotMeta, insertSnapshot, markApprovalsDeployed, recordPackageChange, revokeApprovals, setItemResults,
  setSnapshotState, type SnapshotMeta, type TargetPatch,
} from './deploy-queries';
import { preflight, preflightProblems, runHealthCheck, runningServices, settlePackageManager } from './remote-checks';

export type MachineOutcome = 'succeeded' | 'failed' | 'rolled-back' | 'rollback-failed';

export interface MachineContext {
  s: CoreServices;
  deploymentId: number;
  host: Host;
  settings: HostDeploySettings;
  items: readonly PlanItem[];
  platform: DebianPlatform;
  /** Writes the machine's durable state (deployment_targets and the job's target row). */
  report(patch: TargetPatch): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Overrides for tests (e.g. a smaller free-space threshold). */
  minFreeKb?: number;
  /** How often to look for a machine coming back after a restart (ms); tests shorten it. */
  pollMs?: number;
}

/** A step that failed for a reason we found, not a command that crashed. */
export class StepError extends Error {
  constructor(message: string, readonly detail = '') {
    super(message);
    this.name = 'StepError';
  }
}

// A deployment is never cut short by closing its sessions: a cancel stops new machines, not apt mid-run.
const NEVER = new AbortController().signal;
// Every session of every machine in flight listens on it: dozens at once are expected, not a leak.
setMaxListeners(0, NEVER);

export function failureOf(err: unknown, step: string): RemoteFailure {
  const f = toFailure(err, step);
  return err instanceof StepError && err.detail ? { ...f, stderrTail: err.detail } : f;
}

function audit(m: MachineContext, action: string, details: unknown): void {
  appendAudit(m.s.db, { actor: 'user', action, targetType: 'host', targetId: m.host.id, details: { deploymentId: m.deploymentId, ...(details as object) } });
}

export async function deployMachine(m: MachineContext): Promise<MachineOutcome> {
  let step: TargetPatch['step'] = 'preflight';
  let snapshotId: number | null = null;
  let changed = false;
  const timings: string[] = [];
  let stepStarted = Date.now();
  const enter = (next: NonNullable<TargetPatch['step']>): void => {
    timings.push(`${step} ${((Date.now() - stepStarted) / 1000).toFixed(1)} s`);
    stepStarted = Date.now();
    step = next;
    m.report({ state: 'running', step });
  };
  const began = Date.now();
  m.report({ state: 'running', step: 'preflight', started: true, failure: null });
  try {
    const outcome = await m.s.connections.withSession(m.host, NEVER, async (remote) => {
      // One round of commands multiplexed on the session: these machines may be slow, and the office has many.
      const [pf, health, installed, services] = await Promise.all([
        preflight(remote),
        m.platform.health(remote),
        m.platform.installedPackages(remote),
        runningServices(remote),
      ]);
      const problems = preflightProblems(pf, m.minFreeKb);
      if (!health.ok) problems.push(`The package database is not healthy: ${health.problems.map((p) => p.message).join('; ')} (Repair runs dpkg --configure -a)`);
      const current = installed.filter((p) => m.items.some((i) => i.package === p.name && (!i.arch || i.arch === p.arch)));
      const todo = m.items.filter((i) => current.find((c) => c.name === i.package)?.version !== i.toVersion);
      if (problems.length > 0) throw new StepError(`Preflight stopped this machine before any change: ${problems[0]}`, problems.join('\n'));
      m.log('info', `Preflight passed: ${pf.disks.map((d) => `${Math.round(d.availableKb / 1024)} MB free on ${d.mount}`).join(', ')}; package manager idle; ${services.length} service${services.length === 1 ? '' : 's'} running`);
      if (todo.length < m.items.length) m.log('info', `${m.items.length - todo.length} of the approved versions are installed already`);

      enter('snapshot');
      const choice = chooseProvider(m.settings.snapshotProvider, pf);
      const kept = todo.length
        ? await m.platform.ensureRollbackDebs(
            remote,
            current.filter((c) => todo.some((t) => t.package === c.name)).map((c) => ({ name: c.name, version: c.version, arch: c.arch })),
          )
        : { present: [], downloaded: [], viaAptGet: [], unavailable: [] };
      const fs = await takeFsSnapshot(remote, choice.provider, pf, m.deploymentId);
      const meta: SnapshotMeta = {
        packages: installed.map((p) => ({ name: p.name, arch: p.arch, version: p.version })),
        unavailable: kept.unavailable,
        services,
      };
      snapshotId = insertSnapshot(m.s.db, { hostId: m.host.id, deploymentId: m.deploymentId, provider: choice.provider, ref: fs.ref, sizeBytes: fs.sizeBytes, meta });
      m.report({ snapshotId });
      audit(m, 'deploy.snapshot', { snapshotId, provider: choice.provider, ref: fs.ref, packages: installed.length, unavailable: kept.unavailable });
      m.log('info', `Snapshot taken: ${choice.reason}; ${installed.length} package versions recorded; rollback .debs kept: ${kept.present.length + kept.downloaded.length}${kept.viaAptGet.length ? ` (${kept.viaAptGet.length} through apt-get download)` : ''}${kept.unavailable.length ? `, unavailable: ${kept.unavailable.join(', ')}` : ''}`);

      enter('install');
      changed = true;
      const specs = todo.map((i) => ({ name: i.package, version: i.toVersion, ...(i.arch ? { arch: i.arch } : {}) }));
      const result = specs.length ? await m.platform.installExact(remote, specs) : null;
      const after: { name: string; version: string | null }[] = result?.after ?? current;
      setItemResults(
        m.s.db,
        m.deploymentId,
        m.host.id,
        m.items.map((i) => {
          const v = after.find((a) => a.name === i.package)?.version ?? null;
          return { package: i.package, arch: i.arch, version: v, state: v === i.toVersion ? 'installed' : 'failed' };
        }),
      );
      audit(m, 'deploy.install', {
        ok: result?.ok ?? true,
        items: m.items.map((i) => ({ package: i.package, from: i.fromVersion, to: i.toVersion })),
        exitCode: result?.exitCode ?? 0,
      });
      if (result && !result.ok) {
        const what = result.failed.map((f) => `${f.name} is ${f.installed ?? 'not installed'}, not ${f.requested}${f.reason ? ` (${f.reason})` : ''}`);
        throw new StepError(
          result.timedOut ? 'apt-get timed out' : `The install did not reach the approved versions: ${what.join('; ') || `apt-get exit ${result.exitCode}`}`,
          [...result.errors, result.stderrTail].filter(Boolean).join('\n'),
        );
      }
      m.log('info', specs.length ? `Installed ${specs.map((x) => `${x.name} ${x.version}`).join(', ')}` : 'Nothing left to install');

      enter('verify');
      const [nowServices, facts, finalPackages, bootId] = await Promise.all([
        runningServices(remote),
        m.platform.facts(remote),
        m.platform.installedPackages(remote),
        m.settings.allowReboot ? runScript(remote, 'boot-id', BOOT_ID_SCRIPT).then((r) => r.stdout.split('\n')[0]?.trim() ?? '') : Promise.resolve(''),
      ]);
      const gone = services.filter((x) => !nowServices.includes(x));
      if (gone.length) throw new StepError(`Services that ran before the update no longer run: ${gone.join(', ')}`);
      if (m.settings.healthCheck) {
        const problem = await runHealthCheck(remote, m.settings.healthCheck);
        if (problem) throw new StepError(problem);
        m.log('info', 'Health check passed');
      }
      m.log('info', `Verified: approved versions installed; ${services.length} service${services.length === 1 ? '' : 's'} still running`);
      return { facts, bootId, finalPackages };
    });
    let { facts, finalPackages } = outcome;
    if (facts.rebootRequired) {
      if (m.settings.allowReboot) {
        enter('reboot');
        await rebootAndWait(m, outcome.bootId, facts.newestKernel ?? null);
        [facts, finalPackages] = await m.s.connections.withSession(m.host, NEVER, (remote) =>
          Promise.all([m.platform.facts(remote), m.platform.installedPackages(remote)]),
        );
      } else {
        m.log('warn', `A reboot is needed (${facts.rebootReasons.join('; ')}) and is not allowed on this machine: reboot it in its next window`);
      }
    }
    m.s.db.transaction(() => {
      recordPackageChange(m.s.db, m.host.id, finalPackages);
      markApprovalsDeployed(m.s.db, m.items.map((i) => i.approvalId).filter((id) => id > 0));
      m.s.db.prepare('UPDATE hosts SET reboot_required = ?, reboot_reasons = ? WHERE id = ?').run(facts.rebootRequired ? 1 : 0, JSON.stringify(facts.rebootReasons), m.host.id);
    })();
    enter('done');
    m.log('info', `Done in ${((Date.now() - began) / 1000).toFixed(1)} s (${timings.join(', ')})`);
    m.report({ state: 'succeeded', step: 'done', finished: true });
    return 'succeeded';
  } catch (err) {
    return failAndRollBack(m, err, step, changed ? snapshotId : null, 'Rolling back from the snapshot taken before the change', rollbackMachine);
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
  m.log('error', failure.message + (failure.stderrTail ? `\n${failure.stderrTail}` : ''));
  if (snapshotId === null) {
    m.report({ state: 'failed', failure, finished: true });
    return 'failed';
  }
  m.report({ state: 'running', step: 'rollback', failure });
  m.log('warn', announce);
  const ok = await rollback(m, snapshotId, 'automatic', failure.message);
  m.report({ state: ok ? 'rolled-back' : 'rollback-failed', finished: true, failure });
  return ok ? 'rolled-back' : 'rollback-failed';
}

/**
 * Restores a machine from a snapshot and checks the result: every package at its snapshot version. Waits for an
 * apt/dpkg still running (a cut connection leaves it running) and repairs an interrupted dpkg first.
 */
export async function rollbackMachine(m: MachineContext, snapshotId: number, why: 'automatic' | 'manual', reason: string): Promise<boolean> {
  const snapshot = getSnapshot(m.s.db, snapshotId);
  const meta = getSnapshotMeta(m.s.db, snapshotId);
  if (!snapshot || !meta) {
    m.log('error', `Snapshot ${snapshotId} is gone: nothing to roll back to`);
    return false;
  }
  try {
    const left = await m.s.connections.withSession(m.host, NEVER, async (remote) => {
      const settle = await settlePackageManager(remote);
      if (settle.waitedSeconds > 0) m.log('info', `Waited ${settle.waitedSeconds} s for a running apt/dpkg to finish`);
      if (settle.repaired) m.log('warn', `dpkg was interrupted; ran dpkg --configure -a:\n${settle.repairOutput}`);
      if (snapshot.provider !== 'package') {
        const r = await restoreFsSnapshot(remote, snapshot.provider, snapshot.ref);
        m.log('info', `Restored ${snapshot.provider} snapshot ${snapshot.ref}${r.needsReboot ? ' (completes at the next reboot)' : ''}`);
      }
      // For every provider, the package versions are put back and checked against the recorded list.
      const left = await restorePackages(remote, m.platform, meta.packages, (msg) => m.log('info', msg));
      const finalPackages = await m.platform.installedPackages(remote);
      recordPackageChange(m.s.db, m.host.id, finalPackages);
      return left;
    });
    const ok = left.restore.length === 0 && left.remove.length === 0;
    const items = m.items;
    m.s.db.transaction(() => {
      setSnapshotState(m.s.db, snapshotId, ok ? 'restored' : 'failed');
      setItemResults(
        m.s.db,
        m.deploymentId,
        m.host.id,
        items.map((i) => ({ package: i.package, arch: i.arch, version: meta.packages.find((p) => p.name === i.package)?.version ?? null, state: 'rolled-back' })),
      );
      if (ok) revokeApprovals(m.s.db, items.map((i) => i.approvalId).filter((id) => id > 0));
      appendAudit(m.s.db, {
        actor: why === 'automatic' ? 'system' : 'user',
        action: ok ? 'deploy.rollback' : 'deploy.rollback-failed',
        targetType: 'host',
        targetId: m.host.id,
        details: { deploymentId: m.deploymentId, snapshotId, provider: snapshot.provider, reason, left: ok ? undefined : describeDiff(left) },
      });
    })();
    m.log(ok ? 'info' : 'error', ok ? 'Rollback verified: every package is at its snapshot version' : `Rollback incomplete: ${describeDiff(left)}`);
    return ok;
  } catch (err) {
    const f = failureOf(err, 'rollback');
    m.log('error', `${f.message}${f.stderrTail ? `\n${f.stderrTail}` : ''}`);
    appendAudit(m.s.db, { actor: 'system', action: 'deploy.rollback-failed', targetType: 'host', targetId: m.host.id, details: { deploymentId: m.deploymentId, snapshotId, error: f.message } });
    return false;
  }
}

/**
 * A machine that was mid-change when Patchwell stopped: let apt/dpkg finish, repair dpkg, then check the
 * approved versions and services. Fine → succeeded; otherwise roll back from its snapshot when it has one.
 */
export async function repairMachine(m: MachineContext, snapshotId: number | null): Promise<MachineOutcome> {
  m.report({ state: 'running', step: 'repair', started: true });
  try {
    const verdict = await m.s.connections.withSession(m.host, NEVER, async (remote) => {
      const settle = await settlePackageManager(remote);
      if (settle.repaired) m.log('warn', `Ran dpkg --configure -a:\n${settle.repairOutput}`);
      audit(m, 'deploy.repair', { repaired: settle.repaired, waitedSeconds: settle.waitedSeconds });
      if (settle.audit) return `dpkg is still unhealthy after repair: ${settle.audit.split('\n')[0]}`;
      const current = await m.platform.packageStateSnapshot(remote, m.items.map((i) => (i.arch ? `${i.package}:${i.arch}` : i.package)));
      const wrong = m.items.filter((i) => current.find((c) => c.name === i.package)?.version !== i.toVersion);
      if (wrong.length) return `Not at the approved versions: ${wrong.map((w) => w.package).join(', ')}`;
      const meta = snapshotId ? getSnapshotMeta(m.s.db, snapshotId) : undefined;
      if (meta?.services) {
        const now = await runningServices(remote);
        const gone = meta.services.filter((x) => !now.includes(x));
        if (gone.length) return `Services that ran before no longer run: ${gone.join(', ')}`;
      }
      if (m.settings.healthCheck) {
        const problem = await runHealthCheck(remote, m.settings.healthCheck);
        if (problem) return problem;
      }
      const finalPackages = await m.platform.installedPackages(remote);
      m.s.db.transaction(() => {
        recordPackageChange(m.s.db, m.host.id, finalPackages);
        markApprovalsDeployed(m.s.db, m.items.map((i) => i.approvalId).filter((id) => id > 0));
        setItemResults(m.s.db, m.deploymentId, m.host.id, m.items.map((i) => ({ package: i.package, arch: i.arch, version: i.toVersion, state: 'installed' })));
      })();
      return null;
    });
    if (verdict === null) {
      m.log('info', 'Repaired and verified: the approved versions are installed and the machine is healthy');
      m.report({ state: 'succeeded', step: 'done', finished: true, failure: null });
      return 'succeeded';
    }
    m.log('warn', verdict);
    if (snapshotId === null) {
      m.report({ state: 'failed', finished: true, failure: failureOf(new StepError(verdict), 'repair') });
      return 'failed';
    }
    m.report({ state: 'running', step: 'rollback' });
    const ok = await rollbackMachine(m, snapshotId, 'automatic', verdict);
    m.report({ state: ok ? 'rolled-back' : 'rollback-failed', finished: true, failure: failureOf(new StepError(verdict), 'repair') });
    return ok ? 'rolled-back' : 'rollback-failed';
  } catch (err) {
    const failure = failureOf(err, 'repair');
    m.log('error', failure.message);
    m.report({ state: 'interrupted', failure, finished: true });
    return 'failed';
  }
}

const BOOT_ID_SCRIPT = `# patchwell:boot-id
cat /proc/sys/kernel/random/boot_id
uname -r
`;

/** Reboots the machine, waits until SSH answers with a new boot id, and checks that the newest kernel runs. */
async function rebootAndWait(m: MachineContext, before: string, newestKernel: string | null): Promise<void> {
  m.log('info', 'Rebooting');
  audit(m, 'deploy.reboot', { newestKernel });
  // The command may not return: the connection drops as the machine goes down.
  await m.s.connections
    .withSession(m.host, NEVER, (remote: Remote) => remote.exec(['systemctl', 'reboot'], { sudo: true, timeoutMs: 30_000 }))
    .catch(() => undefined);
  const deadline = Date.now() + 15 * 60_000;
  await new Promise((r) => setTimeout(r, 10_000));
  while (Date.now() < deadline) {
    try {
      const out = await m.s.connections.withSession(m.host, NEVER, async (r2) => (await runScript(r2, 'boot-id', BOOT_ID_SCRIPT)).stdout.split('\n'));
      const bootId = out[0]?.trim() ?? '';
      const kernel = out[1]?.trim() ?? '';
      if (bootId && bootId !== before) {
        if (newestKernel && kernel !== newestKernel) throw new StepError(`After the reboot the machine runs kernel ${kernel}, not the newest installed ${newestKernel}`);
        m.log('info', `Back after reboot, kernel ${kernel}`);
        return;
      }
    } catch (e) {
      if (e instanceof StepError) throw e;
    }
    await new Promise((r) => setTimeout(r, 10_000));
  }
  throw new StepError('The machine did not answer SSH within 15 minutes of the reboot');
}

/** For resume: which machines need a repair rather than a fresh start. */
export function needsRepair(step: string | null): boolean {
  return step === 'install' || step === 'verify' || step === 'reboot' || step === 'rollback' || step === 'repair';
}
