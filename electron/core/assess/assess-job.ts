/**
 * Assessment as a durable job: for each machine, over one SSH session, detect the platform, then read facts,
 * installed packages, pending updates (with the CVEs their changelogs name) and package-manager health, and
 * record them. A Windows machine reached over WinRM gives its facts, hotfixes and applications, and the updates
 * Windows Update offers it (searched as SYSTEM). One machine's failure never stops the others; it is recorded with the failing command.
 */
import type { Host } from '../../../shared/contract';
import type { JobHandler } from '../jobs/job-runner';
import { mapLimit } from '../net/tcp-connect';
import { createDebianPlatform, detectPlatform, probeOs, WINDOWS_OS } from '../platforms';
import type { RepositoryDeb } from '../platforms/debian-changelog-fetch';
import type { Platform } from '../platforms/platform';
import {
  sshPowerShell, toFacts, toInstalledPackages, toPendingUpdate, windowsFacts, windowsInstalled, wingetPendingUpdate, wingetUpgrades, wuaSearch, type PsRunner,
} from '../platforms/windows/windows-module';
import { acquireLease, busyMessage, releaseLease } from '../jobs/leases';
import type { CoreServices } from '../services';
import { recordAssessment, recordFailedAssessment } from './assessment-queries';
import { sqliteChangelogCache } from './changelog-cache';
import { toFailure } from './failure';
import { knownRollbackDebs } from './rollback-debs';
import { recordSilence } from './silent-machine';

const STEPS = ['connect', 'detect', 'facts', 'packages', 'updates', 'health', 'record'] as const;
type Step = (typeof STEPS)[number];

export interface AssessOptions {
  refresh: boolean;
  concurrency: number;
}

export function assessJob(s: CoreServices, hosts: readonly Host[], options: AssessOptions): JobHandler {
  // A Debian module per machine with that machine's own changelog cache: a repeat assessment downloads nothing,
  // and no machine's answers change another's findings. Changelogs of .debs the office cache holds are read by
  // the core, once for the fleet, from bytes whose SHA-256 it checked itself (fleet-changelogs.ts).
  const fleet = s.fleetChangelogs;
  const fromRepository = fleet ? { fromRepository: (deb: RepositoryDeb, fetch?: boolean) => fleet.read(deb, fetch) } : {};
  const pick = (p: Platform | null, hostId: number): Platform | null =>
    p?.id === 'debian' ? createDebianPlatform({ changelogCache: sqliteChangelogCache(s.db, hostId), ...fromRepository }) : p;

  return async (ctx) => {
    let done = 0;
    let ok = 0;
    let failed = 0;
    let busy = 0;
    ctx.progress(0, hosts.length);
    for (const h of hosts) ctx.target(h.address, { hostId: h.id, state: 'pending', total: STEPS.length });

    await mapLimit(
      hosts,
      options.concurrency,
      async (host) => {
        const key = host.address;
        const startedAt = Date.now();
        let step: Step = 'connect';
        const enter = (next: Step): void => {
          step = next;
          ctx.target(key, { state: 'running', step, current: STEPS.indexOf(next) });
        };
        // An assessment runs apt-get update as root: never while another job changes the machine.
        const lease = acquireLease(s.db, host.id, { holder: s.processId, jobId: ctx.jobId, purpose: `assessment job ${ctx.jobId}`, jobRunning: (id) => s.jobs.isRunning(id) });
        if (!lease.ok) {
          busy++;
          const message = `Not assessed: ${busyMessage(lease)}`;
          ctx.target(key, { state: 'skipped', step: 'busy', failure: { command: null, exitCode: null, stderrTail: '', message } });
          ctx.log('warn', message, key);
          ctx.progress(++done);
          return;
        }
        try {
          enter('connect');
          // Windows: facts, hotfixes and applications, Windows Update as SYSTEM, winget; over WinRM or OpenSSH.
          const assessWindows = async (ps: PsRunner): Promise<void> => {
            enter('facts');
            const facts = toFacts(await windowsFacts(ps));
            enter('packages');
            const packages = toInstalledPackages(await windowsInstalled(ps));
            enter('updates');
            const updates = (await wuaSearch(ps)).map(toPendingUpdate);
            const warnings: string[] = [];
            try {
              const apps = await wingetUpgrades(ps);
              if (apps === null) warnings.push('winget is not installed: application upgrades are not listed (install App Installer from the Microsoft Store)');
              else updates.push(...apps.map(wingetPendingUpdate));
            } catch (e) {
              warnings.push(`Application upgrades could not be listed through winget: ${e instanceof Error ? e.message : String(e)}`);
            }
            for (const w of warnings) ctx.log('warn', w, key);
            enter('record');
            const outcome = recordAssessment(s.db, {
              hostId: host.id,
              jobId: ctx.jobId,
              platform: 'windows',
              facts,
              packages,
              updates,
              health: { ok: true, problems: [] },
              warnings,
              startedAt,
            });
            ctx.log('info', `${outcome.pending} Windows updates pending (${outcome.security} security); ${outcome.newCount} new, ${outcome.fixedCount} fixed since the last assessment${facts.rebootRequired ? `; reboot pending: ${facts.rebootReasons.join('; ')}` : ''}`, key);
          };
          // Over WinRM, or over OpenSSH when the machine is known to be Windows (set on its page or found).
          if (host.transport === 'winrm' || host.osFamily === 'windows' || host.platform === 'windows') {
            await s.connections.withWindows(host, ctx.signal, assessWindows, (level, message) => ctx.log(level, message, key));
            ok++;
            ctx.target(key, { state: 'succeeded', step: 'done', current: STEPS.length });
            return;
          }
          await s.connections.withSession(host, ctx.signal, async (session) => {
            enter('detect');
            const os = await probeOs(session);
            if (os === WINDOWS_OS) {
              // A machine added as SSH that answers with a Windows shell: OpenSSH on Windows. Recorded as Windows,
              // so the next assessment goes straight to the Windows module.
              ctx.log('info', 'The SSH server answers with a Windows shell: assessing it as Windows over OpenSSH', key);
              await assessWindows(sshPowerShell(session));
              return;
            }
            const platform = pick(detectPlatform(os), host.id);
            if (!platform) throw new Error(`${os.prettyName ?? os.id} is not a platform Patchwell can assess yet`);
            enter('facts');
            const facts = await platform.facts(session);
            enter('packages');
            const packages = await platform.installedPackages(session);
            enter('updates');
            const pending = await platform.pendingUpdates(session, { refresh: options.refresh, rollbackDebsKnown: knownRollbackDebs(s.db, host.id, startedAt) });
            for (const w of pending.warnings) ctx.log('warn', w, key);
            enter('health');
            const health = await platform.health(session);
            if (!health.ok) ctx.log('warn', `Package manager unhealthy: ${health.problems.map((p) => p.message).join('; ')}`, key);
            enter('record');
            const outcome = recordAssessment(s.db, {
              hostId: host.id,
              jobId: ctx.jobId,
              platform: platform.id,
              facts,
              packages,
              updates: pending.updates,
              health,
              warnings: pending.warnings,
              startedAt,
              ...(pending.rollbackDebs ? { rollbackDebs: pending.rollbackDebs } : {}),
            });
            ctx.log(
              'info',
              `${outcome.pending} updates pending (${outcome.security} security); ${outcome.newCount} new, ${outcome.fixedCount} fixed since the last assessment` +
                (facts.rebootRequired ? '; reboot required' : ''),
              key,
            );
          }, { lendCache: true, log: (level, message) => ctx.log(level, message, key) });
          ok++;
          ctx.target(key, { state: 'succeeded', step: 'done', current: STEPS.length });
        } catch (err) {
          if (ctx.signal.aborted) return;
          failed++;
          // A machine that went silent gets one line naming the step, not one warning per command left.
          const failure = recordSilence(s.db, s.events, host.id, step, err) ?? toFailure(err, step);
          recordFailedAssessment(s.db, host.id, ctx.jobId, startedAt, failure);
          ctx.target(key, { state: 'failed', failure });
          ctx.log('error', failure.message + (failure.stderrTail ? `\n${failure.stderrTail}` : ''), key);
        } finally {
          releaseLease(s.db, host.id, s.processId, ctx.jobId);
          ctx.progress(++done);
        }
      },
      ctx.signal,
    );
    const hostIds = hosts.map((h) => h.id);
    s.events.emit('inventory/changed', { hostIds, reason: 'assessed' });
    s.events.emit('assess/finished', { jobId: ctx.jobId, hostIds, counts: { ok, failed, busy } });
    // A cancelled run counts the machines it stopped short of as not assessed, as it always has.
    const notAssessed = done - ok - busy;
    return {
      state: notAssessed + busy === 0 ? 'succeeded' : ok === 0 ? 'failed' : 'partial',
      summary: `${ok} of ${hosts.length} machines assessed${notAssessed ? `, ${notAssessed} failed` : ''}${busy ? `, ${busy} left alone while another job works on ${busy === 1 ? 'it' : 'them'}` : ''}`,
    };
  };
}
