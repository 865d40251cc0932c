/**
 * "Repair (dpkg --configure -a)": finishes what an interrupted dpkg left half-done on a Debian machine, over SSH
 * with its pinned key, as root through sudo; audits what was run and what it left, then reads dpkg's health
 * again, so the Machines table and the deployment plan see the result at once.
 */
import type { Host } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { toFailure } from '../assess/failure';
import { recordSilence } from '../assess/silent-machine';
import { acquireLease, busyMessage, releaseLease } from '../jobs/leases';
import type { JobHandler } from '../jobs/job-runner';
import { COMMAND_ENV } from '../platforms/exec-util';
import type { Health } from '../platforms/platform';
import { tail } from '../platforms/remote';
import type { CoreServices } from '../services';
import { platformOf, readAndRecordHealth } from './health-read';
import { recordHostError } from './machine-queries';

export const REPAIR_ARGV = ['dpkg', '--configure', '-a'] as const;
const words = (h: Health): string => h.problems.map((p) => p.message).join('; ');

export function repairJob(s: CoreServices, host: Host): JobHandler {
  return async (ctx) => {
    const key = host.address;
    ctx.progress(0, 1);
    ctx.target(key, { hostId: host.id, state: 'running', step: 'connect', current: 0, total: 3 });
    const lease = acquireLease(s.db, host.id, { holder: s.processId, jobId: ctx.jobId, purpose: `repair job ${ctx.jobId}`, jobRunning: (id) => s.jobs.isRunning(id) });
    if (!lease.ok) {
      const message = `Not repaired: ${busyMessage(lease)}`;
      ctx.target(key, { state: 'skipped', step: 'busy', failure: { command: null, exitCode: null, stderrTail: '', message } });
      ctx.progress(1);
      return { state: 'failed', summary: message };
    }
    let step = 'connect';
    const audit = (details: Record<string, unknown>): void => {
      appendAudit(s.db, { actor: 'system', action: 'host.repair-dpkg', targetType: 'host', targetId: host.id, details: { address: host.address, command: REPAIR_ARGV.join(' '), ...details } });
    };
    try {
      const outcome = await s.connections.withSession(host, ctx.signal, async (session) => {
        const platform = await platformOf(session);
        if (platform.id !== 'debian') throw new Error(`${host.address} is not a Debian machine: dpkg --configure -a is not the repair for it`);
        step = 'repair';
        ctx.target(key, { step, current: 1 });
        const before = await platform.health(session);
        if (before.ok) {
          ctx.log('info', 'dpkg is healthy already: nothing was run', key);
          return { before, after: await readAndRecordHealth(s.db, host, session, platform), ran: null };
        }
        // Not through run(): a non-zero exit is still followed by the health read, which says what is left.
        const ran = await session.exec(REPAIR_ARGV, { sudo: true, env: COMMAND_ENV, timeoutMs: 30 * 60_000 });
        ctx.log(ran.code === 0 ? 'info' : 'warn', `dpkg --configure -a exited with ${ran.timedOut ? 'a timeout' : `code ${ran.code}`}${ran.stderr.trim() ? `:\n${tail(ran.stderr, 10, 2000)}` : ''}`, key);
        step = 'check';
        ctx.target(key, { step, current: 2 });
        return { before, after: await readAndRecordHealth(s.db, host, session, platform), ran };
      });
      const { before, after, ran } = outcome;
      if (ran) audit({ exitCode: ran.code, before: before.problems, after: after.problems });
      s.events.emit('inventory/changed', { hostIds: [host.id], reason: 'repaired' });
      if (after.ok) {
        ctx.target(key, { state: 'succeeded', step: 'done', current: 3 });
        ctx.progress(1);
        return { state: 'succeeded', summary: ran ? `dpkg repaired on ${host.address}: healthy again` : `dpkg on ${host.address} was healthy already` };
      }
      const failure = { command: REPAIR_ARGV.join(' '), exitCode: ran?.code ?? null, stderrTail: tail(ran?.stderr ?? '', 20, 4000), message: `dpkg is still not healthy: ${words(after)}` };
      recordHostError(s.db, host.id, failure);
      ctx.target(key, { state: 'failed', failure });
      ctx.log('error', failure.message, key);
      ctx.progress(1);
      return { state: 'failed', summary: failure.message };
    } catch (err) {
      const failure = recordSilence(s.db, s.events, host.id, step, err) ?? toFailure(err, step);
      audit({ failed: failure.message });
      recordHostError(s.db, host.id, failure);
      s.events.emit('inventory/changed', { hostIds: [host.id], reason: 'repaired' });
      ctx.target(key, { state: 'failed', failure });
      ctx.log('error', failure.message, key);
      ctx.progress(1);
      return { state: 'failed', summary: failure.message };
    } finally {
      releaseLease(s.db, host.id, s.processId, ctx.jobId);
    }
  };
}
