/**
 * One Windows machine's deployment, over WinRM: preflight (free space on the system drive, a reboot already
 * pending) → snapshot (a System Restore point on client editions — Windows makes at most one a day, which is
 * said, not hidden — and every installed KB and application recorded) → install exactly the approved updates
 * by their Windows Update identity, as SYSTEM → verify (each approved KB is installed) → reboot when needed
 * and allowed. A failed install or check removes the KBs this deployment added; what Windows will not remove
 * is named, with the restore point that can still undo it.
 */
import type { PlanItem } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import {
  NO_HYPERVISOR, parseUpdateVersion, removeKb, restart, restorePoint, toFacts, toInstalledPackages, windowsFacts, windowsInstalled, windowsRunningServices, wingetUpgrade, wingetUpgrades,
  wuaInstall, KB_RE, WINGET_ID, type PsRunner,
} from '../platforms/windows/windows-module';
import {
  getSnapshot, getSnapshotMeta, insertSnapshot, markApprovalsDeployed, recordPackageChange, reopenRemovedKbs, resolveInstalledKbs, resolveUpgradedApps, revokeApprovals,
  setItemResults, setSnapshotState, type SnapshotMeta,
} from './deploy-queries';
import { failAndRollBack, failureOf, StepError, type MachineContext, type MachineOutcome } from './machine-run';

const NEVER = new AbortController().signal;
/** Windows needs room to unpack a cumulative update; Microsoft asks for several GB free. */
const MIN_FREE_KB = 4 * 1024 * 1024;

function audit(m: MachineContext, action: string, details: object, actor: 'user' | 'system' = 'user'): void {
  appendAudit(m.s.db, { actor, action, targetType: 'host', targetId: m.host.id, details: { deploymentId: m.deploymentId, ...details } });
}

/** A Windows Update item (KB… or WU-…, versioned by its update identity); the rest are winget applications. */
const isWindowsUpdate = (i: PlanItem): boolean => KB_RE.test(i.package) || i.package.startsWith('WU-');

function updateIdOf(i: PlanItem): string {
  const v = parseUpdateVersion(i.toVersion);
  if (!v || !isWindowsUpdate(i)) throw new StepError(`${i.package} ${i.toVersion} is not a Windows update Patchwell recorded`);
  return v.updateId;
}

/** The machine's PowerShell, with a WinRM reconnection said in the machine's log. */
function windowsOf(m: MachineContext): <T>(fn: (ps: PsRunner) => Promise<T>) => Promise<T> {
  return (fn) => m.s.connections.withWindows(m.host, NEVER, fn, (level, message) => m.log(level, message));
}

export async function deployWindowsMachine(m: MachineContext): Promise<MachineOutcome> {
  let step: NonNullable<Parameters<MachineContext['report']>[0]['step']> = 'preflight';
  let snapshotId: number | null = null;
  let changed = false;
  const began = Date.now();
  const enter = (next: typeof step): void => {
    step = next;
    m.report({ state: 'running', step });
  };
  m.report({ state: 'running', step: 'preflight', started: true, failure: null });
  try {
    const done = await windowsOf(m)(async (ps) => {
      const facts = await windowsFacts(ps);
      const installed = await windowsInstalled(ps);
      const services = await windowsRunningServices(ps);
      const min = m.minFreeKb ?? MIN_FREE_KB;
      if (facts.systemDriveFreeKb < min) {
        throw new StepError(`Preflight stopped this machine before any change: only ${Math.round(facts.systemDriveFreeKb / 1024)} MB free on the system drive (${Math.round(min / 1024)} MB needed)`);
      }
      const wu = m.items.filter(isWindowsUpdate);
      const apps = m.items.filter((i) => !isWindowsUpdate(i));
      for (const a of apps) if (!WINGET_ID.test(a.package)) throw new StepError(`${a.package} is neither a Windows update nor a winget package`);
      const ids = wu.map(updateIdOf);
      const have = new Set(installed.hotfixes.map((h) => h.kb));
      const todo = wu.filter((i) => !have.has(i.package));
      if (facts.rebootReasons.length) m.log('warn', `A reboot was already pending (${facts.rebootReasons.join('; ')}): Windows may refuse some updates until the machine restarts`);
      m.log('info', `Preflight passed: ${Math.round(facts.systemDriveFreeKb / 1024)} MB free on the system drive; ${facts.caption} build ${facts.build}.${facts.ubr}; ${services.length} automatic service${services.length === 1 ? '' : 's'} running`);
      if (todo.length < wu.length) m.log('info', `${wu.length - todo.length} of the approved updates are installed already`);

      enter('snapshot');
      const rp = facts.isServer ? ({ created: false, reason: 'System Restore does not exist on Windows Server' } as const) : await restorePoint(ps, `Patchwell deployment ${m.deploymentId}`);
      const meta: SnapshotMeta = { packages: toInstalledPackages(installed), unavailable: [], windows: { restorePoint: rp, hypervisor: NO_HYPERVISOR.reason } };
      const provider = rp.created ? 'restore-point' : 'kb-removal';
      const ref = rp.created ? `restore point #${rp.sequence}` : 'installed KBs recorded';
      snapshotId = insertSnapshot(m.s.db, { hostId: m.host.id, deploymentId: m.deploymentId, provider, ref, sizeBytes: null, meta });
      m.report({ snapshotId });
      audit(m, 'deploy.snapshot', { snapshotId, provider, ref, restorePoint: rp, kbs: installed.hotfixes.length });
      m.log(rp.created ? 'info' : 'warn', rp.created ? `Restore point #${rp.sequence} made; ${installed.hotfixes.length} KBs recorded` : `${rp.reason}. ${installed.hotfixes.length} KBs recorded: a rollback removes the KBs this deployment adds`);

      enter('install');
      changed = true;
      const wanted = todo.map(updateIdOf);
      const result = wanted.length ? await wuaInstall(ps, wanted) : { outcomes: [], rebootRequired: false };
      const appResults: { item: PlanItem; ok: boolean; message: string }[] = [];
      for (const a of apps) {
        const r = await wingetUpgrade(ps, a.package, a.toVersion);
        appResults.push({ item: a, ...r });
        m.log(r.ok ? 'info' : 'error', `${a.package}: ${r.message}`);
      }
      setItemResults(m.s.db, m.deploymentId, m.host.id, [
        ...wu.map((i, n) => {
          const o = result.outcomes.find((x) => x.updateId === ids[n]);
          const ok = o ? o.ok : have.has(i.package);
          return { package: i.package, arch: i.arch, version: ok ? i.toVersion : null, state: ok ? ('installed' as const) : ('failed' as const) };
        }),
        ...appResults.map((r) => ({ package: r.item.package, arch: r.item.arch, version: r.ok ? r.item.toVersion : null, state: r.ok ? ('installed' as const) : ('failed' as const) })),
      ]);
      audit(m, 'deploy.install', { items: m.items.map((i) => ({ package: i.package, to: i.toVersion })), outcomes: result.outcomes, applications: appResults.map((r) => ({ package: r.item.package, ok: r.ok, message: r.message })) });
      const failed = [
        ...result.outcomes.filter((o) => !o.ok).map((f) => `${f.kbs.join(', ') || f.updateId} (${f.message})`),
        ...appResults.filter((r) => !r.ok).map((r) => `${r.item.package} (${r.message})`),
      ];
      if (failed.length) throw new StepError(`Not installed: ${failed.join('; ')}`);
      m.log('info', wanted.length || apps.length ? `Installed ${[...todo, ...apps].map((i) => i.package).join(', ')}` : 'Nothing left to install');

      enter('verify');
      const after = await windowsInstalled(ps);
      const afterFacts = await windowsFacts(ps);
      const now = new Set(after.hotfixes.map((h) => h.kb));
      const missing = m.items.filter((i) => KB_RE.test(i.package) && !now.has(i.package));
      if (missing.length) throw new StepError(`Windows reports success but ${missing.map((i) => i.package).join(', ')} is not in its list of installed updates`);
      if (apps.length) {
        const still = new Set((await wingetUpgrades(ps))?.map((u) => `${u.id}\u0000${u.available}`) ?? []);
        const notDone = apps.filter((a) => still.has(`${a.package}\u0000${a.toVersion}`));
        if (notDone.length) throw new StepError(`winget reports success but still offers ${notDone.map((a) => `${a.package} ${a.toVersion}`).join(', ')}`);
      }
      await servicesStillRunning(m, ps, services);
      if (m.settings.healthCheck) m.log('warn', 'The health check command runs on SSH machines only; it was not run on this Windows machine');
      m.log('info', `Verified: ${m.items.map((i) => i.package).join(', ')} installed; ${services.length} automatic service${services.length === 1 ? '' : 's'} still running`);
      return { facts: afterFacts, installed: after, rebootRequired: result.rebootRequired || afterFacts.rebootReasons.length > 0 };
    });
    let facts = done.facts;
    if (done.rebootRequired) {
      if (m.settings.allowReboot) {
        enter('reboot');
        facts = await rebootAndWait(m, facts.lastBoot);
      } else {
        m.log('warn', `A reboot is needed (${facts.rebootReasons.join('; ') || 'Windows Update asked for one'}) and is not allowed on this machine: restart it in its next window`);
      }
    }
    const f = toFacts(facts);
    m.s.db.transaction(() => {
      recordPackageChange(m.s.db, m.host.id, toInstalledPackages(done.installed));
      resolveInstalledKbs(m.s.db, m.host.id, m.items.map((i) => i.package));
      resolveUpgradedApps(m.s.db, m.host.id, m.items.filter((i) => !isWindowsUpdate(i)).map((i) => ({ package: i.package, toVersion: i.toVersion })));
      markApprovalsDeployed(m.s.db, m.items.map((i) => i.approvalId).filter((id) => id > 0));
      const reboot = f.rebootRequired || (done.rebootRequired && !m.settings.allowReboot);
      m.s.db.prepare('UPDATE hosts SET reboot_required = ?, reboot_reasons = ? WHERE id = ?').run(reboot ? 1 : 0, JSON.stringify(reboot && !f.rebootReasons.length ? ['Windows Update needs a reboot to finish installing'] : f.rebootReasons), m.host.id);
    })();
    enter('done');
    m.log('info', `Done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    m.report({ state: 'succeeded', step: 'done', finished: true });
    return 'succeeded';
  } catch (err) {
    return failAndRollBack(m, err, step, changed ? snapshotId : null, 'Rolling back: removing the KBs this deployment added', rollbackWindowsMachine);
  }
}

/** How long a service stopped by the install may take to come back before the deployment counts as failed. */
const SERVICE_GRACE_MS = 30_000;

/**
 * The automatic services that ran before the install still run. Windows Update may restart a service it
 * serviced, so one that is down gets a grace period and a second look before the deployment fails.
 */
async function servicesStillRunning(m: MachineContext, ps: PsRunner, before: readonly string[]): Promise<void> {
  const stopped = async (): Promise<string[]> => {
    const now = new Set(await windowsRunningServices(ps));
    return before.filter((s) => !now.has(s));
  };
  let gone = await stopped();
  if (gone.length === 0) return;
  const grace = m.s.deployTimings?.serviceGraceMs ?? SERVICE_GRACE_MS;
  m.log('warn', `Not running after the install: ${gone.join(', ')}; looking again in ${Math.round(grace / 1000)} s`);
  await new Promise((r) => setTimeout(r, grace));
  gone = await stopped();
  if (gone.length) throw new StepError(`Services that ran before the update no longer run: ${gone.join(', ')}`);
}

/** Restarts and waits until Windows answers with a later boot time (15 minutes at most). */
async function rebootAndWait(m: MachineContext, bootBefore: string, pollMs = m.pollMs ?? 10_000): Promise<Awaited<ReturnType<typeof windowsFacts>>> {
  m.log('info', 'Restarting');
  audit(m, 'deploy.reboot', { bootBefore });
  await windowsOf(m)((ps) => restart(ps)).catch(() => undefined);
  const deadline = Date.now() + 15 * 60_000;
  // Asking early is harmless: a machine still going down answers with its old boot time.
  let wait = Math.min(pollMs, 2000);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, wait));
    wait = pollMs;
    try {
      const f = await windowsOf(m)((ps) => windowsFacts(ps));
      if (Date.parse(f.lastBoot) > Date.parse(bootBefore)) {
        m.log('info', `Back after the restart (booted ${f.lastBoot})`);
        return f;
      }
    } catch {
      // Still restarting.
    }
  }
  throw new StepError('The machine did not answer WinRM within 15 minutes of the restart');
}

/**
 * Removes the KBs the deployment added (those installed now that the snapshot did not list), checks they are
 * gone, and reopens their updates. What Windows refuses to remove is named, with the restore point if one exists.
 */
export async function rollbackWindowsMachine(m: MachineContext, snapshotId: number, why: 'automatic' | 'manual', reason: string): Promise<boolean> {
  const snapshot = getSnapshot(m.s.db, snapshotId);
  const meta = getSnapshotMeta(m.s.db, snapshotId);
  if (!snapshot || !meta) {
    m.log('error', `Snapshot ${snapshotId} is gone: nothing to roll back to`);
    return false;
  }
  const before = new Set(meta.packages.filter((p) => KB_RE.test(p.name)).map((p) => p.name));
  try {
    const r = await windowsOf(m)(async (ps: PsRunner) => {
      const now = await windowsInstalled(ps);
      const added = m.items.map((i) => i.package).filter((kb) => KB_RE.test(kb) && !before.has(kb) && now.hotfixes.some((h) => h.kb === kb));
      const outcomes = [];
      for (const kb of added) {
        const o = await removeKb(ps, kb);
        outcomes.push(o);
        m.log(o.ok ? 'info' : 'error', `${kb}: ${o.message}${o.via === 'dism' ? ' (DISM)' : ' (wusa)'}`);
      }
      const after = await windowsInstalled(ps);
      recordPackageChange(m.s.db, m.host.id, toInstalledPackages(after));
      const left = added.filter((kb) => after.hotfixes.some((h) => h.kb === kb));
      return { outcomes, left, reboot: outcomes.some((o) => o.rebootRequired) };
    });
    const ok = r.left.length === 0;
    const rp = meta.windows?.restorePoint;
    m.s.db.transaction(() => {
      setSnapshotState(m.s.db, snapshotId, ok ? 'restored' : 'failed');
      setItemResults(
        m.s.db,
        m.deploymentId,
        m.host.id,
        m.items.map((i) =>
          isWindowsUpdate(i)
            ? { package: i.package, arch: i.arch, version: r.left.includes(i.package) ? i.toVersion : null, state: 'rolled-back' as const }
            : { package: i.package, arch: i.arch, version: i.toVersion, state: 'installed' as const },
        ),
      );
      reopenRemovedKbs(m.s.db, m.host.id, m.items.filter((i) => isWindowsUpdate(i) && !r.left.includes(i.package)));
      if (ok) revokeApprovals(m.s.db, m.items.map((i) => i.approvalId).filter((id) => id > 0));
      if (r.reboot) m.s.db.prepare('UPDATE hosts SET reboot_required = 1, reboot_reasons = ? WHERE id = ?').run(JSON.stringify(['The removal of an update completes at the next restart']), m.host.id);
      appendAudit(m.s.db, {
        actor: why === 'automatic' ? 'system' : 'user',
        action: ok ? 'deploy.rollback' : 'deploy.rollback-failed',
        targetType: 'host',
        targetId: m.host.id,
        details: { deploymentId: m.deploymentId, snapshotId, provider: snapshot.provider, reason, removed: r.outcomes, left: r.left },
      });
    })();
    const apps = m.items.filter((i) => !isWindowsUpdate(i));
    if (apps.length) m.log('warn', `Application upgrades stay as they are (winget keeps no previous version): ${apps.map((a) => `${a.package} ${a.toVersion}`).join(', ')}`);
    if (ok) m.log('info', `Rollback verified: the KBs this deployment added are gone${r.reboot ? ' (the removal completes at the next restart)' : ''}`);
    else m.log('error', `Rollback incomplete: Windows would not remove ${r.left.join(', ')}.${rp?.created ? ` Restore point #${rp.sequence}, made before the change, can still undo it (System Restore on the machine).` : ' No restore point exists for this change.'}`);
    return ok;
  } catch (err) {
    const f = failureOf(err, 'rollback');
    m.log('error', `${f.message}${f.stderrTail ? `\n${f.stderrTail}` : ''}`);
    appendAudit(m.s.db, { actor: 'system', action: 'deploy.rollback-failed', targetType: 'host', targetId: m.host.id, details: { deploymentId: m.deploymentId, snapshotId, error: f.message } });
    return false;
  }
}

/** A Windows machine that was mid-change when Patchwell stopped: the approved KBs installed → done; else roll back. */
export async function repairWindowsMachine(m: MachineContext, snapshotId: number | null): Promise<MachineOutcome> {
  m.report({ state: 'running', step: 'repair', started: true });
  try {
    const installed = await windowsOf(m)((ps) => windowsInstalled(ps));
    const have = new Set(installed.hotfixes.map((h) => h.kb));
    const missing = m.items.filter((i) => KB_RE.test(i.package) && !have.has(i.package));
    audit(m, 'deploy.repair', { missing: missing.map((i) => i.package) });
    if (missing.length === 0) {
      m.s.db.transaction(() => {
        recordPackageChange(m.s.db, m.host.id, toInstalledPackages(installed));
        resolveInstalledKbs(m.s.db, m.host.id, m.items.map((i) => i.package));
      resolveUpgradedApps(m.s.db, m.host.id, m.items.filter((i) => !isWindowsUpdate(i)).map((i) => ({ package: i.package, toVersion: i.toVersion })));
        markApprovalsDeployed(m.s.db, m.items.map((i) => i.approvalId).filter((id) => id > 0));
        setItemResults(m.s.db, m.deploymentId, m.host.id, m.items.map((i) => ({ package: i.package, arch: i.arch, version: i.toVersion, state: 'installed' })));
      })();
      m.log('info', 'Checked after the interruption: every approved update is installed');
      m.report({ state: 'succeeded', step: 'done', finished: true, failure: null });
      return 'succeeded';
    }
    const verdict = `Not installed after the interruption: ${missing.map((i) => i.package).join(', ')}`;
    m.log('warn', verdict);
    if (snapshotId === null) {
      m.report({ state: 'failed', finished: true, failure: failureOf(new StepError(verdict), 'repair') });
      return 'failed';
    }
    m.report({ state: 'running', step: 'rollback' });
    const ok = await rollbackWindowsMachine(m, snapshotId, 'automatic', verdict);
    m.report({ state: ok ? 'rolled-back' : 'rollback-failed', finished: true, failure: failureOf(new StepError(verdict), 'repair') });
    return ok ? 'rolled-back' : 'rollback-failed';
  } catch (err) {
    const failure = failureOf(err, 'repair');
    m.log('error', failure.message);
    m.report({ state: 'interrupted', failure, finished: true });
    return 'failed';
  }
}
