/**
 * Windows, over WinRM or OpenSSH: preflight (free space on the system drive, a reboot already pending) → snapshot
 * (a System Restore point on client editions — Windows makes at most one a day, which is said, not hidden — and
 * every installed KB and application recorded) → install exactly the approved updates by their Windows Update
 * identity, as SYSTEM → verify (each approved KB is installed, the automatic services that ran before still run)
 * → reboot when needed and allowed. A rollback removes the KBs this deployment added; what Windows will not
 * remove is named, with the restore point that can still undo it.
 */
import type { PlanItem } from '../../../../shared/contract';
import {
  NO_HYPERVISOR, parseUpdateVersion, removeKb, restart, restorePoint, toFacts, toInstalledPackages, windowsFacts, windowsInstalled, windowsRunningServices,
  wingetUpgrade, wingetUpgrades, wuaInstall, KB_RE, WINGET_ID, type PsRunner,
} from '../../platforms/windows/windows-module';
import { recordPackageChange, setHostReboot } from '../deploy-queries';
import type { SnapshotMeta } from '../snapshot-queries';
import { reopenRemovedKbs, resolveInstalledKbs, resolveUpgradedApps } from '../windows-queries';
import { auditMachine } from './pipeline';
import { NEVER, StepError, type Deployer, type MachineContext } from './types';

/** Windows needs room to unpack a cumulative update; Microsoft asks for several GB free. */
const MIN_FREE_KB = 4 * 1024 * 1024;
/** How long a service stopped by the install may take to come back before the deployment counts as failed. */
const SERVICE_GRACE_MS = 30_000;

type Facts = Awaited<ReturnType<typeof windowsFacts>>;
type Installed = Awaited<ReturnType<typeof windowsInstalled>>;

interface Pre {
  facts: Facts;
  installed: Installed;
  services: string[];
  wu: PlanItem[];
  apps: PlanItem[];
  ids: string[];
  have: Set<string>;
  todo: PlanItem[];
  /** Set by the install: Windows Update asked for a restart. */
  wuReboot: boolean;
}

interface Result {
  facts: Facts;
  installed: Installed;
  /** Windows Update asked for a restart (beyond what the facts' pending reasons say). */
  wuReboot: boolean;
}

/** A Windows Update item (KB… or WU-…, versioned by its update identity); the rest are winget applications. */
const isWindowsUpdate = (i: PlanItem): boolean => KB_RE.test(i.package) || i.package.startsWith('WU-');

function updateIdOf(i: PlanItem): string {
  const v = parseUpdateVersion(i.toVersion);
  if (!v || !isWindowsUpdate(i)) throw new StepError(`${i.package} ${i.toVersion} is not a Windows update Patchwell recorded`);
  return v.updateId;
}

/** The machine's PowerShell, with a WinRM reconnection said in the machine's log. */
function withWindows<T>(m: MachineContext, fn: (ps: PsRunner) => Promise<T>): Promise<T> {
  return m.s.connections.withWindows(m.host, NEVER, fn, (level, message) => m.log(level, message));
}

function recordInstalled(m: MachineContext, installed: Installed): void {
  recordPackageChange(m.s.db, m.host.id, toInstalledPackages(installed));
  resolveInstalledKbs(m.s.db, m.host.id, m.items.map((i) => i.package));
  resolveUpgradedApps(m.s.db, m.host.id, m.items.filter((i) => !isWindowsUpdate(i)).map((i) => ({ package: i.package, toVersion: i.toVersion })));
}

export const windowsDeployer: Deployer<PsRunner, Pre, Result> = {
  id: 'windows',
  platforms: ['windows'],
  name: 'Windows',
  rollbackAnnouncement: 'Rolling back: removing the KBs this deployment added',
  session: withWindows,

  async preflight(m, ps) {
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
    return { facts, installed, services, wu, apps, ids, have, todo, wuReboot: false };
  },

  async snapshot(m, ps, pre) {
    const rp = pre.facts.isServer ? ({ created: false, reason: 'System Restore does not exist on Windows Server' } as const) : await restorePoint(ps, `Patchwell deployment ${m.deploymentId}`);
    const meta: SnapshotMeta = { packages: toInstalledPackages(pre.installed), unavailable: [], windows: { restorePoint: rp, hypervisor: NO_HYPERVISOR.reason } };
    const kbs = pre.installed.hotfixes.length;
    return {
      provider: rp.created ? 'restore-point' : 'kb-removal',
      ref: rp.created ? `restore point #${rp.sequence}` : 'installed KBs recorded',
      sizeBytes: null,
      meta,
      audit: { restorePoint: rp, kbs },
      level: rp.created ? 'info' : 'warn',
      message: rp.created ? `Restore point #${rp.sequence} made; ${kbs} KBs recorded` : `${rp.reason}. ${kbs} KBs recorded: a rollback removes the KBs this deployment adds`,
    };
  },

  async install(m, ps, pre) {
    const wanted = pre.todo.map(updateIdOf);
    const result = wanted.length ? await wuaInstall(ps, wanted) : { outcomes: [], rebootRequired: false };
    const appResults: { item: PlanItem; ok: boolean; message: string }[] = [];
    for (const a of pre.apps) {
      const r = await wingetUpgrade(ps, a.package, a.toVersion);
      appResults.push({ item: a, ...r });
      m.log(r.ok ? 'info' : 'error', `${a.package}: ${r.message}`);
    }
    pre.wuReboot = result.rebootRequired;
    const items = [
      ...pre.wu.map((i, n) => {
        const o = result.outcomes.find((x) => x.updateId === pre.ids[n]);
        const ok = o ? o.ok : pre.have.has(i.package);
        return { package: i.package, arch: i.arch, version: ok ? i.toVersion : null, state: ok ? ('installed' as const) : ('failed' as const) };
      }),
      ...appResults.map((r) => ({ package: r.item.package, arch: r.item.arch, version: r.ok ? r.item.toVersion : null, state: r.ok ? ('installed' as const) : ('failed' as const) })),
    ];
    const audit = { items: m.items.map((i) => ({ package: i.package, to: i.toVersion })), outcomes: result.outcomes, applications: appResults.map((r) => ({ package: r.item.package, ok: r.ok, message: r.message })) };
    const failed = [
      ...result.outcomes.filter((o) => !o.ok).map((f) => `${f.kbs.join(', ') || f.updateId} (${f.message})`),
      ...appResults.filter((r) => !r.ok).map((r) => `${r.item.package} (${r.message})`),
    ];
    if (failed.length) return { items, audit, failure: new StepError(`Not installed: ${failed.join('; ')}`), message: '' };
    return { items, audit, message: wanted.length || pre.apps.length ? `Installed ${[...pre.todo, ...pre.apps].map((i) => i.package).join(', ')}` : 'Nothing left to install' };
  },

  async verify(m, ps, pre) {
    const after = await windowsInstalled(ps);
    const afterFacts = await windowsFacts(ps);
    const now = new Set(after.hotfixes.map((h) => h.kb));
    const missing = m.items.filter((i) => KB_RE.test(i.package) && !now.has(i.package));
    if (missing.length) throw new StepError(`Windows reports success but ${missing.map((i) => i.package).join(', ')} is not in its list of installed updates`);
    if (pre.apps.length) {
      const still = new Set((await wingetUpgrades(ps))?.map((u) => `${u.id}\u0000${u.available}`) ?? []);
      const notDone = pre.apps.filter((a) => still.has(`${a.package}\u0000${a.toVersion}`));
      if (notDone.length) throw new StepError(`winget reports success but still offers ${notDone.map((a) => `${a.package} ${a.toVersion}`).join(', ')}`);
    }
    await servicesStillRunning(m, ps, pre.services);
    if (m.settings.healthCheck) m.log('warn', 'The health check command runs on SSH machines only; it was not run on this Windows machine');
    m.log('info', `Verified: ${m.items.map((i) => i.package).join(', ')} installed; ${pre.services.length} automatic service${pre.services.length === 1 ? '' : 's'} still running`);
    const wuReboot = pre.wuReboot;
    return {
      reboot: { needed: wuReboot || afterFacts.rebootReasons.length > 0, reasons: afterFacts.rebootReasons.length ? afterFacts.rebootReasons : ['Windows Update asked for one'] },
      result: { facts: afterFacts, installed: after, wuReboot },
    };
  },

  async reboot(m, v) {
    const facts = await rebootAndWait(m, v.result.facts.lastBoot);
    return { reboot: { needed: false, reasons: [] }, result: { ...v.result, facts } };
  },

  record(m, v, rebooted) {
    const f = toFacts(v.result.facts);
    recordInstalled(m, v.result.installed);
    // Windows Update's own "restart required" is not always visible in the registry keys the facts read.
    const reboot = f.rebootRequired || (v.result.wuReboot && !rebooted);
    setHostReboot(m.s.db, m.host.id, reboot, reboot && !f.rebootReasons.length ? ['Windows Update needs a reboot to finish installing'] : f.rebootReasons);
  },

  async restore(m, ps, snapshot, meta) {
    const before = new Set(meta.packages.filter((p) => KB_RE.test(p.name)).map((p) => p.name));
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
    const reboot = outcomes.some((o) => o.rebootRequired);
    const ok = left.length === 0;
    const rp = meta.windows?.restorePoint;
    const apps = m.items.filter((i) => !isWindowsUpdate(i));
    const messages: { level: 'info' | 'warn' | 'error'; text: string }[] = [];
    if (apps.length) messages.push({ level: 'warn', text: `Application upgrades stay as they are (winget keeps no previous version): ${apps.map((a) => `${a.package} ${a.toVersion}`).join(', ')}` });
    if (ok) messages.push({ level: 'info', text: `Rollback verified: the KBs this deployment added are gone${reboot ? ' (the removal completes at the next restart)' : ''}` });
    else messages.push({ level: 'error', text: `Rollback incomplete: Windows would not remove ${left.join(', ')}.${rp?.created ? ` Restore point #${rp.sequence}, made before the change, can still undo it (System Restore on the machine).` : ' No restore point exists for this change.'}` });
    return {
      ok,
      items: m.items.map((i) =>
        isWindowsUpdate(i)
          ? { package: i.package, arch: i.arch, version: left.includes(i.package) ? i.toVersion : null, state: 'rolled-back' as const }
          : { package: i.package, arch: i.arch, version: i.toVersion, state: 'installed' as const },
      ),
      audit: { removed: outcomes, left },
      record: () => {
        reopenRemovedKbs(m.s.db, m.host.id, m.items.filter((i) => isWindowsUpdate(i) && !left.includes(i.package)));
        if (reboot) setHostReboot(m.s.db, m.host.id, true, ['The removal of an update completes at the next restart']);
      },
      messages,
    };
  },

  async check(m, ps) {
    const installed = await windowsInstalled(ps);
    const have = new Set(installed.hotfixes.map((h) => h.kb));
    const missing = m.items.filter((i) => KB_RE.test(i.package) && !have.has(i.package));
    auditMachine(m, 'deploy.repair', { missing: missing.map((i) => i.package) });
    if (missing.length) return { ok: false, problem: `Not installed after the interruption: ${missing.map((i) => i.package).join(', ')}` };
    m.s.db.transaction(() => recordInstalled(m, installed))();
    return { ok: true, message: 'Checked after the interruption: every approved update is installed' };
  },
};

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
async function rebootAndWait(m: MachineContext, bootBefore: string, pollMs = m.pollMs ?? 10_000): Promise<Facts> {
  m.log('info', 'Restarting');
  auditMachine(m, 'deploy.reboot', { bootBefore });
  await withWindows(m, (ps) => restart(ps)).catch(() => undefined);
  const deadline = Date.now() + 15 * 60_000;
  // Asking early is harmless: a machine still going down answers with its old boot time.
  let wait = Math.min(pollMs, 2000);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, wait));
    wait = pollMs;
    try {
      const f = await withWindows(m, (ps) => windowsFacts(ps));
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
