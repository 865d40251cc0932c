/**
 * The Linux deployer, shared by every package-manager platform (Debian/Ubuntu, the RHEL family, SUSE): over
 * SSH, preflight (free disk, package manager idle, package database healthy) → snapshot (every package's version,
 * the old packages kept on the machine so a rollback works offline, a file-system snapshot where the machine
 * has one) → install exactly the approved versions → verify (versions, the services that ran before, the
 * health check) → reboot when needed and allowed. What differs between package managers is a small
 * `PackageManagerSpec`; a platform's deployer file is that spec.
 */
import type { ExactItem, Facts, Health, InstalledPackage, Platform } from '../../platforms/platform';
import { runScript } from '../../platforms/exec-util';
import type { Remote } from '../../platforms/remote';
import { describeDiff, restorePackages } from '../../snapshots/package-state';
import { chooseProvider, describeFsSnapshot, restoreFsSnapshot, takeFsSnapshot } from '../../snapshots/providers';
import { recordPackageChange, setHostReboot } from '../deploy-queries';
import { getSnapshotMeta, type SnapshotMeta } from '../snapshot-queries';
import { preflight, preflightProblems, runHealthCheck, runningServices, type Preflight, type SettleResult } from '../remote-checks';
import { auditMachine } from './pipeline';
import { NEVER, StepError, type Deployer, type MachineContext, type Verified } from './types';

/** What keeping the old packages on the machine achieved, for the log and the audit trail. */
export interface KeptPackages {
  /** Versions kept on the machine (already there or fetched). */
  kept: number;
  /** Of those, how many needed the package manager's slower way. */
  slow: number;
  /** name=version of what could not be kept: a rollback needs a repository that still offers them. */
  unavailable: string[];
}

export interface PackageManagerSpec {
  /** Registry name of the deployer. */
  id: string;
  /** The machines' `platform` values it serves. */
  platforms: readonly string[];
  /** The systems it serves, in the user's words. */
  systems: string;
  /** The platform module that reads and changes packages. */
  platform: Platform;
  /** The package manager's name, as the user knows it (apt, dnf, zypper). */
  name: string;
  /** The slower way some old packages were fetched, for the log ("apt-get download"). */
  slowDownload: string;
  /** The command that repairs an interrupted package database (shown when preflight finds it unhealthy). */
  repairCommand: string;
  /**
   * Keeps the files of these installed versions on the machine, so the rollback needs no repository; `m` gives
   * what the core learnt of the machine before (Debian: where the assessment found each version's file).
   */
  keepOldPackages(remote: Remote, items: readonly (ExactItem & { arch: string })[], m: MachineContext): Promise<KeptPackages>;
  /** Puts these exact versions back (downgrades allowed), from the kept files where needed. */
  restoreVersions(remote: Remote, items: readonly (ExactItem & { arch: string })[], log: (level: 'info' | 'warn', message: string) => void): Promise<{ ok: boolean; errors: string[]; exitCode: number | null }>;
  /** Removes packages installed since the snapshot ("name:arch" keys, validated by the spec). */
  removePackages(remote: Remote, keys: readonly string[]): Promise<void>;
  /** Items this package manager cannot install as exact package versions, with the reason (checked before any change). */
  refuse?(items: readonly { package: string; toVersion: string }[]): string | null;
  /** Waits for a package manager someone else runs, then repairs an interrupted one. */
  settle(remote: Remote): Promise<SettleResult>;
  /**
   * After a file-system snapshot is restored: checks the files of these packages against the package database and
   * writes again those the snapshot tool did not bring back. Returns the names still altered.
   */
  repairFiles?(remote: Remote, items: readonly (ExactItem & { arch: string })[], log: (level: 'info' | 'warn', message: string) => void): Promise<string[]>;
  /**
   * Preflight's checks, every installed package, the running services and, where the login user may read it, the
   * package database's health, in one command (the busy check first). Without it, preflight runs each on its own;
   * a health it could not read (null) is asked of the platform after it.
   */
  readBefore?(remote: Remote): Promise<{ pf: Preflight; installed: InstalledPackage[]; services: string[]; health: Health | null }>;
  /** Verification's reads (services, facts, every installed package, the boot id when `bootId`) in one command. */
  readAfter?(remote: Remote, bootId: boolean): Promise<{ services: string[]; facts: Facts; installed: InstalledPackage[]; bootId: string }>;
}

interface Pre {
  pf: Preflight;
  installed: InstalledPackage[];
  /** The installed rows of the approved packages. */
  current: InstalledPackage[];
  /** The approved items not at their version yet. */
  todo: { package: string; arch: string; toVersion: string }[];
  services: string[];
}

interface Result {
  facts: Facts;
  bootId: string;
  finalPackages: InstalledPackage[];
}

const BOOT_ID_SCRIPT = `# patchwell:boot-id
cat /proc/sys/kernel/random/boot_id
uname -r
`;

const versionOf = (list: readonly { name: string; version: string | null }[], name: string): string | null => list.find((p) => p.name === name)?.version ?? null;

export function linuxDeployer(spec: PackageManagerSpec): Deployer<Remote, Pre, Result> {
  const p = spec.platform;
  return {
    id: spec.id,
    platforms: spec.platforms,
    name: spec.systems,
    rollbackAnnouncement: 'Rolling back from the snapshot taken before the change',
    // The office cache is lent for the deployment's session: the rollback packages and the install fetch through it.
    session: (m, fn) => m.s.connections.withSession(m.host, NEVER, fn, { lendCache: true, log: (level, message) => m.log(level, message) }),

    async preflight(m, remote) {
      // The busy check first and alone: it looks for package-manager processes, and the health check and package
      // list below are such processes (dpkg, rpm, dnf) — run beside it, they made the machine look busy.
      const { pf, installed, services, health } = spec.readBefore
        ? await spec.readBefore(remote).then(async (b) => ({ ...b, health: b.health ?? await p.health(remote) }))
        : await preflight(remote).then(async (pf) => {
          // Then one round of commands multiplexed on the session: these machines may be slow, and the office has many.
          const [health, installed, services] = await Promise.all([p.health(remote), p.installedPackages(remote), runningServices(remote)]);
          return { pf, installed, services, health };
        });
      const problems = preflightProblems(pf, m.minFreeKb);
      const refused = spec.refuse?.(m.items);
      if (refused) problems.unshift(refused);
      if (!health.ok) problems.push(`The package database is not healthy: ${health.problems.map((x) => x.message).join('; ')} (Repair runs ${spec.repairCommand})`);
      // apk's installed list carries no architecture (its updates do): a package without one matches any.
      const current = installed.filter((x) => m.items.some((i) => i.package === x.name && (!i.arch || !x.arch || i.arch === x.arch)));
      const todo = m.items.filter((i) => versionOf(current, i.package) !== i.toVersion);
      if (problems.length > 0) throw new StepError(`Preflight stopped this machine before any change: ${problems[0]}`, problems.join('\n'));
      m.log('info', `Preflight passed: ${pf.disks.map((d) => `${Math.round(d.availableKb / 1024)} MB free on ${d.mount}`).join(', ')}; package manager idle; ${services.length} service${services.length === 1 ? '' : 's'} running`);
      if (todo.length < m.items.length) m.log('info', `${m.items.length - todo.length} of the approved versions are installed already`);
      return { pf, installed, current, todo, services };
    },

    async snapshot(m, remote, pre) {
      const choice = chooseProvider(m.settings.snapshotProvider, pre.pf);
      const old = pre.current.filter((c) => pre.todo.some((t) => t.package === c.name)).map((c) => ({ name: c.name, version: c.version, arch: c.arch }));
      const kept = old.length ? await spec.keepOldPackages(remote, old, m) : { kept: 0, slow: 0, unavailable: [] };
      const fs = await takeFsSnapshot(remote, choice.provider, pre.pf, m.deploymentId);
      const taken = describeFsSnapshot(choice.provider, fs.ref);
      const meta: SnapshotMeta = {
        packages: pre.installed.map((x) => ({ name: x.name, arch: x.arch, version: x.version })),
        unavailable: kept.unavailable,
        services: pre.services,
      };
      return {
        provider: choice.provider,
        ref: fs.ref,
        sizeBytes: fs.sizeBytes,
        meta,
        audit: { packages: pre.installed.length, unavailable: kept.unavailable },
        message: `Snapshot taken: ${choice.reason}${taken ? `, ${taken}` : ''}; ${pre.installed.length} package versions recorded; rollback packages kept: ${kept.kept}${kept.slow ? ` (${kept.slow} through ${spec.slowDownload})` : ''}${kept.unavailable.length ? `, unavailable: ${kept.unavailable.join(', ')}` : ''}`,
      };
    },

    async install(m, remote, pre) {
      const specs = pre.todo.map((i) => ({ name: i.package, version: i.toVersion, ...(i.arch ? { arch: i.arch } : {}) }));
      const result = specs.length ? await p.installExact(remote, specs) : null;
      const after: { name: string; version: string | null }[] = result?.after ?? pre.current;
      const items = m.items.map((i) => {
        const v = versionOf(after, i.package);
        return { package: i.package, arch: i.arch, version: v, state: v === i.toVersion ? ('installed' as const) : ('failed' as const) };
      });
      const audit = { ok: result?.ok ?? true, items: m.items.map((i) => ({ package: i.package, from: i.fromVersion, to: i.toVersion })), exitCode: result?.exitCode ?? 0 };
      if (result && !result.ok) {
        const what = result.failed.map((f) => `${f.name} is ${f.installed ?? 'not installed'}, not ${f.requested}${f.reason ? ` (${f.reason})` : ''}`);
        const failure = new StepError(
          result.timedOut ? `${spec.name} timed out` : `The install did not reach the approved versions: ${what.join('; ') || `${spec.name} exit ${result.exitCode}`}`,
          [...result.errors, result.stderrTail].filter(Boolean).join('\n'),
        );
        return { items, audit, failure, message: '' };
      }
      return { items, audit, message: specs.length ? `Installed ${specs.map((x) => `${x.name} ${x.version}`).join(', ')}` : 'Nothing left to install' };
    },

    async verify(m, remote, pre) {
      const { services: nowServices, facts, installed: finalPackages, bootId } = spec.readAfter
        ? await spec.readAfter(remote, m.settings.allowReboot)
        : await Promise.all([
          runningServices(remote),
          p.facts(remote),
          p.installedPackages(remote),
          m.settings.allowReboot ? runScript(remote, 'boot-id', BOOT_ID_SCRIPT).then((r) => r.stdout.split('\n')[0]?.trim() ?? '') : Promise.resolve(''),
        ]).then(([services, facts, installed, bootId]) => ({ services, facts, installed, bootId }));
      const gone = pre.services.filter((x) => !nowServices.includes(x));
      if (gone.length) throw new StepError(`Services that ran before the update no longer run: ${gone.join(', ')}`);
      if (m.settings.healthCheck) {
        const problem = await runHealthCheck(remote, m.settings.healthCheck);
        if (problem) throw new StepError(problem);
        m.log('info', 'Health check passed');
      }
      m.log('info', `Verified: approved versions installed; ${pre.services.length} service${pre.services.length === 1 ? '' : 's'} still running`);
      return { reboot: { needed: facts.rebootRequired, reasons: facts.rebootReasons }, result: { facts, bootId, finalPackages } };
    },

    async reboot(m, v) {
      await rebootAndWait(m, v.result.bootId, v.result.facts.newestKernel ?? null);
      const [facts, finalPackages] = await m.s.connections.withSession(m.host, NEVER, (remote) => Promise.all([p.facts(remote), p.installedPackages(remote)]));
      return { reboot: { needed: facts.rebootRequired, reasons: facts.rebootReasons }, result: { ...v.result, facts, finalPackages } };
    },

    record(m, v: Verified<Result>) {
      recordPackageChange(m.s.db, m.host.id, v.result.finalPackages);
      setHostReboot(m.s.db, m.host.id, v.result.facts.rebootRequired, v.result.facts.rebootReasons);
    },

    async restore(m, remote, snapshot, meta) {
      // A cut connection leaves the package manager running: let it finish and repair it before putting versions back.
      const settle = await spec.settle(remote);
      if (settle.waitedSeconds > 0) m.log('info', `Waited ${settle.waitedSeconds} s for a running ${spec.name} to finish`);
      if (settle.repaired) m.log('warn', `The package database was left mid-change; ran ${spec.repairCommand}:\n${settle.repairOutput}`);
      let altered: string[] = [];
      if (snapshot.provider !== 'package') {
        const r = await restoreFsSnapshot(remote, snapshot.provider, snapshot.ref);
        m.log('info', `Restored ${snapshot.provider} snapshot ${snapshot.ref}${r.how ? ` (${r.how})` : ''}${r.needsReboot ? ' (completes at the next reboot)' : ''}`);
        // The deployment's packages are what it changed; a merge that completes at the next boot has nothing to check yet.
        if (spec.repairFiles && !r.needsReboot) {
          const changed = new Set(m.items.map((i) => i.package));
          try {
            altered = await spec.repairFiles(remote, meta.packages.filter((x) => changed.has(x.name)), (level, msg) => m.log(level, msg));
          } catch (err) {
            // The check is on top of the versions check below, which still decides; the log says it could not run.
            m.log('warn', `Could not check the restored packages' files: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      // For every provider, the package versions are put back and checked against the recorded list.
      const left = await restorePackages(remote, p, meta.packages, (msg) => m.log('info', msg), {
        restore: (items) => spec.restoreVersions(remote, items, (level, msg) => m.log(level, msg)),
        remove: (keys) => spec.removePackages(remote, keys),
        name: spec.name,
      });
      const finalPackages = await p.installedPackages(remote);
      const ok = left.restore.length === 0 && left.remove.length === 0 && altered.length === 0;
      return {
        ok,
        // Recorded with the rollback's other rows, in one transaction: a full data folder cannot split them.
        record: () => recordPackageChange(m.s.db, m.host.id, finalPackages),
        items: m.items.map((i) => ({ package: i.package, arch: i.arch, version: meta.packages.find((x) => x.name === i.package)?.version ?? null, state: 'rolled-back' as const })),
        audit: { left: ok ? undefined : describeDiff(left), ...(altered.length ? { alteredFiles: altered } : {}) },
        messages: [ok
          ? { level: 'info', text: 'Rollback verified: every package is at its snapshot version' }
          : { level: 'error', text: `Rollback incomplete: ${[left.restore.length || left.remove.length ? describeDiff(left) : '', altered.length ? `files not as their package says: ${altered.join(', ')}` : ''].filter(Boolean).join('; ')}` }],
      };
    },

    async check(m, remote, snapshotId) {
      const settle = await spec.settle(remote);
      if (settle.repaired) m.log('warn', `Ran ${spec.repairCommand}:\n${settle.repairOutput}`);
      auditMachine(m, 'deploy.repair', { repaired: settle.repaired, waitedSeconds: settle.waitedSeconds });
      if (settle.audit) return { ok: false, problem: `The package database is still unhealthy after repair: ${settle.audit.split('\n')[0]}` };
      const current = await p.packageStateSnapshot(remote, m.items.map((i) => i.package));
      const wrong = m.items.filter((i) => versionOf(current, i.package) !== i.toVersion);
      if (wrong.length) return { ok: false, problem: `Not at the approved versions: ${wrong.map((w) => w.package).join(', ')}` };
      const meta = snapshotId ? getSnapshotMeta(m.s.db, snapshotId) : undefined;
      if (meta?.services) {
        const now = await runningServices(remote);
        const gone = meta.services.filter((x) => !now.includes(x));
        if (gone.length) return { ok: false, problem: `Services that ran before no longer run: ${gone.join(', ')}` };
      }
      if (m.settings.healthCheck) {
        const problem = await runHealthCheck(remote, m.settings.healthCheck);
        if (problem) return { ok: false, problem };
      }
      recordPackageChange(m.s.db, m.host.id, await p.installedPackages(remote));
      return { ok: true, message: 'Repaired and verified: the approved versions are installed and the machine is healthy' };
    },
  };
}

/** Reboots the machine, waits until SSH answers with a new boot id, and checks that the newest kernel runs. */
async function rebootAndWait(m: MachineContext, before: string, newestKernel: string | null): Promise<void> {
  m.log('info', 'Rebooting');
  auditMachine(m, 'deploy.reboot', { newestKernel });
  // The command may not return: the connection drops as the machine goes down.
  await m.s.connections.withSession(m.host, NEVER, (remote: Remote) => remote.exec(['systemctl', 'reboot'], { sudo: true, timeoutMs: 30_000 })).catch(() => undefined);
  const deadline = Date.now() + 15 * 60_000;
  const poll = m.pollMs ?? 10_000;
  await new Promise((r) => setTimeout(r, poll));
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
    await new Promise((r) => setTimeout(r, poll));
  }
  throw new StepError('The machine did not answer SSH within 15 minutes of the reboot');
}
