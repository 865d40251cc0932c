/**
 * macOS over SSH: Apple's updates through `softwareupdate` (by label, as root) and Homebrew formulae through
 * `brew upgrade` (as the login user: brew refuses root). Preflight refuses before any change what cannot be
 * installed exactly as approved — a label Software Update no longer offers, a formula whose tap now offers another
 * version than the approved one (Homebrew installs only the newest), an update that needs the Mac shut down. The
 * snapshot only records versions: neither Apple nor Homebrew keeps a way back, which the Patches page says before
 * approval, so a rollback names what stays changed instead of pretending. Updates that ask for a restart get one
 * (`shutdown -r now`) after verification, when the machine allows reboots — not `softwareupdate --restart`, which
 * would restart inside the install step, before verification and whatever the machine's settings say.
 */
import type { PlanItem } from '../../../../shared/contract';
import { errorMessage, run } from '../../platforms/exec-util';
import { brewInstalled, brewOutdated, brewUpgrade, type BrewOutdated } from '../../platforms/homebrew';
import { macos, parseSoftwareUpdateList, type SoftwareUpdateItem } from '../../platforms/macos';
import type { Facts, InstalledPackage } from '../../platforms/platform';
import type { Remote } from '../../platforms/remote';
import { recordPackageChange, setHostReboot } from '../deploy-queries';
import { runHealthCheck } from '../remote-checks';
import type { SnapshotMeta } from '../snapshot-queries';
import { resolveInstalledKbs } from '../windows-queries';
import { auditMachine } from './pipeline';
import { NEVER, StepError, type Deployer, type MachineContext, type Verified } from './types';

/** Apple's updates unpack several GB; a formula upgrade needs far less. */
const MIN_FREE_KB_OS = 10 * 1024 * 1024;
const MIN_FREE_KB_BREW = 1024 * 1024;

interface Pre {
  facts: Facts;
  installed: InstalledPackage[];
  /** What Software Update offers (read only when Apple updates are approved). */
  offered: SoftwareUpdateItem[];
  os: PlanItem[];
  brew: PlanItem[];
  osTodo: PlanItem[];
  brewTodo: PlanItem[];
}

interface Result {
  facts: Facts;
  installed: InstalledPackage[];
  /** Labels installed by this deployment that asked for a restart. */
  restartFor: string[];
  /** The macOS version a restart must bring (a "macOS …" update among them), else null. */
  expectOs: string | null;
  /** Apple updates now installed (resolved on the Patches page). */
  osInstalled: string[];
}

const osLabel = (f: Facts): string => `${f.osName}${f.osVersion && !f.osName.includes(f.osVersion) ? ` ${f.osVersion}` : ''}`;
const versionOf = (list: readonly InstalledPackage[], name: string): string | null => list.find((p) => p.name === name)?.version ?? null;
const softwareUpdateList = async (remote: Remote): Promise<SoftwareUpdateItem[]> => parseSoftwareUpdateList((await run(remote, ['softwareupdate', '-l'], { timeoutMs: 10 * 60_000 })).stdout);

/** Free KB on / from `df -Pk /` (POSIX format: the fourth column of the second line). */
async function freeKb(remote: Remote): Promise<number | null> {
  const line = (await run(remote, ['df', '-Pk', '/'])).stdout.trim().split('\n')[1] ?? '';
  const avail = Number(line.trim().split(/\s+/)[3]);
  return Number.isFinite(avail) ? avail : null;
}

/** Why one approved Homebrew upgrade cannot go ahead as approved; null when it can (or is done already). */
function brewProblem(i: PlanItem, installed: string | null, o: BrewOutdated | undefined): string | null {
  if (installed === i.toVersion) return null;
  if (!o) return `Homebrew offers no upgrade of ${i.package} any more (installed: ${installed ?? 'none'})`;
  if (o.pinned) return `${i.package} is pinned (brew pin): Homebrew will not upgrade it until it is unpinned`;
  if (o.currentVersion !== i.toVersion) {
    return `Homebrew can only install the newest version of a formula from its tap: ${i.package} is offered at ${o.currentVersion} now, not the approved ${i.toVersion}. Assess the machine again and approve ${o.currentVersion}`;
  }
  return null;
}

/** Why one approved Apple update cannot go ahead as approved; null when it can (or is done already). */
function osProblem(i: PlanItem, offered: readonly SoftwareUpdateItem[], osVersion: string | null): string | null {
  const u = offered.find((x) => x.label === i.package);
  if (!u) return /^macOS/.test(i.package) && osVersion === i.toVersion ? null : `${i.package} is not offered by Software Update any more (installed already, or withdrawn by Apple) and is not an installed Homebrew formula`;
  if (u.version !== i.toVersion) return `Software Update now offers ${i.package} at version ${u.version}, not the approved ${i.toVersion}`;
  if (u.action === 'shut down') return `${i.package} needs the Mac shut down and started again by hand: Patchwell cannot start a machine, so it leaves this one to you`;
  return null;
}

async function readResult(remote: Remote, was: Pick<Result, 'restartFor' | 'osInstalled' | 'expectOs'>): Promise<Result> {
  const [facts, installed] = await Promise.all([macos.facts(remote), macos.installedPackages(remote)]);
  return { ...was, facts, installed };
}

function recordInstalled(m: MachineContext, installed: readonly InstalledPackage[], osInstalled: readonly string[]): void {
  recordPackageChange(m.s.db, m.host.id, installed);
  // Apple's labels are not in any package list: an installed one is resolved by name, as a Windows KB is.
  resolveInstalledKbs(m.s.db, m.host.id, osInstalled);
}

export const macosDeployer: Deployer<Remote, Pre, Result> = {
  id: 'macos',
  platforms: ['macos'],
  name: 'macOS',
  rollbackAnnouncement: 'Rolling back: Apple and Homebrew keep no older versions, so this checks and names what stays changed',
  session: (m, fn) => m.s.connections.withSession(m.host, NEVER, fn),

  async preflight(m, remote) {
    const [facts, installed, brewError] = await Promise.all([
      macos.facts(remote),
      macos.installedPackages(remote),
      // installedPackages leaves out the formulae of a brew that fails; the reason is said if it matters.
      brewInstalled(remote).then(() => null, (e: unknown) => errorMessage(e)),
    ]);
    // A formula is one Homebrew has installed; everything else approved on a Mac is one of Apple's labels.
    const brew = m.items.filter((i) => i.package !== 'macOS' && installed.some((p) => p.name === i.package));
    const os = m.items.filter((i) => !brew.includes(i));
    const [outdated, offered] = await Promise.all([brew.length ? brewOutdated(remote) : null, os.length ? softwareUpdateList(remote) : []]);
    const problems = [
      ...brew.map((i) => brewProblem(i, versionOf(installed, i.package), outdated?.find((o) => o.name === i.package))),
      ...os.map((i) => osProblem(i, offered, facts.osVersion)),
    ].filter((p): p is string => p !== null);
    if (brewError && problems.length) problems.push(`Homebrew could not list its formulae: ${brewError}`);
    const free = await freeKb(remote);
    const min = m.minFreeKb ?? (os.length ? MIN_FREE_KB_OS : MIN_FREE_KB_BREW);
    if (free === null) problems.push('Could not read free disk space (df printed nothing)');
    else if (free < min) problems.push(`Disk nearly full: ${Math.round(free / 1024)} MB free on /, ${Math.round(min / 1024)} MB needed`);
    if (problems.length) throw new StepError(`Preflight stopped this machine before any change: ${problems[0]}`, problems.join('\n'));
    const brewTodo = brew.filter((i) => versionOf(installed, i.package) !== i.toVersion);
    const osTodo = os.filter((i) => offered.some((u) => u.label === i.package));
    m.log('info', `Preflight passed: ${Math.round((free ?? 0) / 1024)} MB free on /; ${osLabel(facts)}; ${os.length} Apple update${os.length === 1 ? '' : 's'}, ${brew.length} Homebrew formula${brew.length === 1 ? '' : 'e'} approved`);
    const done = m.items.length - brewTodo.length - osTodo.length;
    if (done > 0) m.log('info', `${done} of the approved updates are installed already`);
    return { facts, installed, offered, os, brew, osTodo, brewTodo };
  },

  snapshot(m, _remote, pre) {
    const meta: SnapshotMeta = { packages: pre.installed.map((p) => ({ name: p.name, arch: p.arch, version: p.version })), unavailable: [] };
    const formulae = pre.installed.filter((p) => p.name !== 'macOS').length;
    return Promise.resolve({
      provider: 'versions-recorded',
      ref: 'versions recorded',
      sizeBytes: null,
      meta,
      audit: { osVersion: pre.facts.osVersion, formulae },
      level: 'warn' as const,
      message: `No snapshot on macOS: ${osLabel(pre.facts)} and ${formulae} Homebrew formula versions recorded. Apple and Homebrew keep no older versions: a rollback cannot undo these updates`,
    });
  },

  async install(m, remote, pre) {
    const brewRun = pre.brewTodo.length ? await brewUpgrade(remote, pre.brewTodo.map((i) => i.package)) : null;
    const osRun = pre.osTodo.length ? await macos.installExact(remote, pre.osTodo.map((i) => ({ name: i.package, version: i.toVersion }))) : null;
    const after = pre.brewTodo.length ? await brewInstalled(remote) : pre.installed;
    const osFailed = new Set(osRun?.failed.map((f) => f.name) ?? []);
    const osOk = (i: PlanItem): boolean => !pre.osTodo.includes(i) || (osRun !== null && osRun.exitCode === 0 && !osFailed.has(i.package));
    const items = m.items.map((i) => {
      if (pre.os.includes(i)) {
        const ok = osOk(i);
        return { package: i.package, arch: i.arch, version: ok ? i.toVersion : null, state: ok ? ('installed' as const) : ('failed' as const) };
      }
      const v = versionOf(after, i.package);
      return { package: i.package, arch: i.arch, version: v, state: v === i.toVersion ? ('installed' as const) : ('failed' as const) };
    });
    const audit = {
      items: m.items.map((i) => ({ package: i.package, from: i.fromVersion, to: i.toVersion, via: pre.os.includes(i) ? 'softwareupdate' : 'brew' })),
      brew: brewRun && { ok: brewRun.ok, exitCode: brewRun.exitCode, errors: brewRun.errors },
      softwareupdate: osRun && { ok: osRun.ok, exitCode: osRun.exitCode, errors: osRun.errors },
    };
    const failed = items.filter((x) => x.state === 'failed');
    if (failed.length) {
      const why = failed.map((f) => (pre.os.some((o) => o.package === f.package) ? `${f.package} (softwareupdate exit ${osRun?.exitCode ?? 'none'})` : `${f.package} is ${f.version ?? 'not installed'}, not ${m.items.find((i) => i.package === f.package)?.toVersion ?? '?'}`));
      const detail = [...(brewRun?.errors ?? []), brewRun?.stderrTail ?? '', ...(osRun?.errors ?? []), osRun?.stderrTail ?? ''].filter(Boolean).join('\n');
      return { items, audit, failure: new StepError(`The install did not reach the approved versions: ${why.join('; ')}`, detail), message: '' };
    }
    const names = [...pre.brewTodo, ...pre.osTodo].map((i) => `${i.package} ${i.toVersion}`);
    return { items, audit, message: names.length ? `Installed ${names.join(', ')}` : 'Nothing left to install' };
  },

  async verify(m, remote, pre) {
    const restarts = pre.osTodo.map((i) => pre.offered.find((u) => u.label === i.package)).filter((u) => u?.action === 'restart');
    const restartFor = restarts.map((u) => u!.label);
    const expectOs = restarts.find((u) => /^macOS/.test(u!.title))?.version ?? null;
    const result = await readResult(remote, { restartFor, osInstalled: pre.os.map((i) => i.package), expectOs });
    const wrong = pre.brew.filter((i) => versionOf(result.installed, i.package) !== i.toVersion);
    if (wrong.length) throw new StepError(`Homebrew reports success but ${wrong.map((i) => `${i.package} is ${versionOf(result.installed, i.package) ?? 'not installed'}`).join(', ')}`);
    // brew upgrades a formula's outdated dependencies with it: said, since they were not approved one by one.
    const also = result.installed.filter((p) => p.name !== 'macOS' && !m.items.some((i) => i.package === p.name) && versionOf(pre.installed, p.name) !== p.version);
    if (also.length) m.log('warn', `Homebrew also upgraded or installed, with the approved formulae: ${also.map((p) => `${p.name} ${versionOf(pre.installed, p.name) ?? '(new)'} → ${p.version}`).join(', ')}`);
    if (m.settings.healthCheck) {
      const problem = await runHealthCheck(remote, m.settings.healthCheck);
      if (problem) throw new StepError(problem);
      m.log('info', 'Health check passed');
    }
    m.log('info', `Verified: ${m.items.map((i) => `${i.package} ${i.toVersion}`).join(', ')}`);
    return { reboot: { needed: restartFor.length > 0, reasons: restartFor.map((l) => `${l} asks for a restart`) }, result };
  },

  async reboot(m, v) {
    const before = v.result.facts.bootTime ?? '';
    m.log('info', 'Restarting');
    auditMachine(m, 'deploy.reboot', { bootBefore: before, for: v.result.restartFor });
    // The command may not return: the connection drops as the machine goes down.
    await m.s.connections.withSession(m.host, NEVER, (remote: Remote) => remote.exec(['shutdown', '-r', 'now'], { sudo: true, timeoutMs: 30_000 })).catch(() => undefined);
    const deadline = Date.now() + 30 * 60_000;
    const poll = m.pollMs ?? 10_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, poll));
      const after = await m.s.connections.withSession(m.host, NEVER, async (remote: Remote) => {
        const facts = await macos.facts(remote);
        if (!facts.bootTime || facts.bootTime === before) return null;
        return { result: await readResult(remote, v.result), offered: await softwareUpdateList(remote) };
      }).catch(() => null);
      if (!after) continue;
      m.log('info', `Back after the restart (booted ${after.result.facts.bootTime ?? '?'}), ${osLabel(after.result.facts)}`);
      // A macOS update that applies at restart is proven by the version the Mac now runs, the others by Software Update no longer offering them.
      const stillOffered = v.result.restartFor.filter((l) => after.offered.some((u) => u.label === l));
      if (stillOffered.length) throw new StepError(`After the restart Software Update still offers ${stillOffered.join(', ')}`);
      if (v.result.expectOs && after.result.facts.osVersion !== v.result.expectOs) throw new StepError(`After the restart the Mac runs macOS ${after.result.facts.osVersion ?? '(unknown)'}, not ${v.result.expectOs}`);
      return { reboot: { needed: false, reasons: [] }, result: after.result };
    }
    throw new StepError('The machine did not answer SSH within 30 minutes of the restart');
  },

  record(m, v: Verified<Result>, rebooted) {
    recordInstalled(m, v.result.installed, v.result.osInstalled);
    const pending = v.reboot.needed && !rebooted;
    setHostReboot(m.s.db, m.host.id, pending, pending ? v.reboot.reasons : []);
  },

  async restore(m, remote, _snapshot, meta) {
    const now = await macos.installedPackages(remote);
    const offered = m.items.some((i) => !meta.packages.some((p) => p.name === i.package)) ? await softwareUpdateList(remote) : [];
    // What the deployment changed and stays changed: a formula not at its recorded version, an Apple update no longer offered.
    const stays = m.items.filter((i) => {
      const before = meta.packages.find((p) => p.name === i.package);
      if (before) return versionOf(now, i.package) !== before.version;
      return !offered.some((u) => u.label === i.package);
    });
    const ok = stays.length === 0;
    return {
      ok,
      items: m.items.map((i) =>
        stays.includes(i)
          ? { package: i.package, arch: i.arch, version: meta.packages.some((p) => p.name === i.package) ? versionOf(now, i.package) : i.toVersion, state: 'installed' as const }
          : { package: i.package, arch: i.arch, version: meta.packages.find((p) => p.name === i.package)?.version ?? null, state: 'rolled-back' as const },
      ),
      audit: { stays: stays.map((i) => i.package) },
      record: () => recordPackageChange(m.s.db, m.host.id, now),
      messages: ok
        ? [{ level: 'info', text: 'Nothing was changed on this machine: it is as the snapshot recorded' }]
        : [{ level: 'error', text: `Cannot be rolled back on macOS, and stays installed: ${stays.map((i) => `${i.package} ${i.toVersion}`).join(', ')}. Apple and Homebrew keep no older versions: Time Machine or a reinstall of the older version by hand can undo it` }],
    };
  },

  async check(m, remote) {
    const installed = await macos.installedPackages(remote);
    const brew = m.items.filter((i) => installed.some((p) => p.name === i.package));
    const os = m.items.filter((i) => !brew.includes(i));
    const offered = os.length ? await softwareUpdateList(remote) : [];
    const wrong = [...brew.filter((i) => versionOf(installed, i.package) !== i.toVersion), ...os.filter((i) => offered.some((u) => u.label === i.package))];
    auditMachine(m, 'deploy.repair', { wrong: wrong.map((i) => i.package) });
    if (wrong.length) return { ok: false, problem: `Not at the approved versions after the interruption: ${wrong.map((i) => i.package).join(', ')}` };
    m.s.db.transaction(() => recordInstalled(m, installed, os.map((i) => i.package)))();
    return { ok: true, message: 'Checked after the interruption: every approved update is installed' };
  },
};
