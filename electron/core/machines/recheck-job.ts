/**
 * "Check again" for one or a few machines: does it answer now, and — for a machine Patchwell manages over SSH —
 * is its package manager healthy now. Cheaper than an assessment (no package lists, no changelogs), and what the
 * Machines table's state column is read from.
 */
import type { Host } from '../../../shared/contract';
import { isSilenceMessage } from '../../../shared/machine-state';
import { toFailure } from '../assess/failure';
import { recordSilence } from '../assess/silent-machine';
import { acquireLease, busyMessage, releaseLease } from '../jobs/leases';
import type { JobHandler } from '../jobs/job-runner';
import type { CoreServices } from '../services';
import { openManagementPorts } from './check-job';
import { readAndRecordHealth } from './health-read';
import { clearSilenceError, recordHostError, recordReachability } from './machine-queries';

/** Machines whose package manager is read over SSH (Windows' health comes from its own assessment). */
const sshManaged = (h: Host): boolean => h.transport === 'ssh' && h.platform !== null && h.platform !== 'windows';

export function recheckJob(s: CoreServices, hosts: readonly Host[], timeoutMs = 1500): JobHandler {
  return async (ctx) => {
    let answering = 0;
    let done = 0;
    ctx.progress(0, hosts.length);
    for (const h of hosts) ctx.target(h.address, { hostId: h.id, state: 'pending', total: 2 });
    for (const h of hosts) {
      if (ctx.signal.aborted) break;
      const key = h.address;
      ctx.target(key, { state: 'running', step: 'connect', current: 0 });
      const { tried, open } = await openManagementPorts(h, timeoutMs, ctx.signal);
      if (ctx.signal.aborted) break;
      recordReachability(s.db, h.id, open.length > 0, open.length > 0 ? open : null);
      if (open.length === 0) {
        const failure = { command: null, exitCode: null, stderrTail: '', message: `Not answering on ports ${tried.join(', ')}` };
        ctx.target(key, { state: 'failed', step: 'connect', failure });
        ctx.log('warn', failure.message, key);
      } else {
        answering++;
        clearSilenceError(s.db, h.id, isSilenceMessage);
        await checkHealth(s, h, ctx, key);
      }
      s.events.emit('inventory/changed', { hostIds: [h.id], reason: 'reachability' });
      ctx.progress(++done);
    }
    return { state: 'succeeded', summary: `${answering} of ${hosts.length} machines answering` };
  };
}

async function checkHealth(s: CoreServices, h: Host, ctx: Parameters<JobHandler>[0], key: string): Promise<void> {
  if (!sshManaged(h) || h.pendingHostKey) {
    ctx.target(key, { state: 'succeeded', step: 'done', current: 2 });
    ctx.log('info', h.pendingHostKey ? 'Answers; its SSH host key is still the changed one, so Patchwell does not log in' : 'Answers', key);
    return;
  }
  // dpkg --audit beside another job's dpkg run would make that job see the machine busy: wait for it instead.
  const lease = acquireLease(s.db, h.id, { holder: s.processId, jobId: ctx.jobId, purpose: `check job ${ctx.jobId}`, jobRunning: (id) => s.jobs.isRunning(id) });
  if (!lease.ok) {
    ctx.target(key, { state: 'succeeded', step: 'done', current: 2 });
    ctx.log('info', `Answers; package manager not checked: ${busyMessage(lease)}`, key);
    return;
  }
  let step = 'log in';
  try {
    ctx.target(key, { step, current: 1 });
    const health = await s.connections.withSession(h, ctx.signal, async (session) => {
      step = 'health';
      ctx.target(key, { step });
      return await readAndRecordHealth(s.db, h, session);
    });
    ctx.target(key, { state: 'succeeded', step: 'done', current: 2 });
    ctx.log(health.ok ? 'info' : 'warn', health.ok ? 'Answers; package manager healthy' : `Answers; package manager unhealthy: ${health.problems.map((p) => p.message).join('; ')}`, key);
  } catch (err) {
    if (ctx.signal.aborted) return;
    const failure = recordSilence(s.db, s.events, h.id, step, err) ?? toFailure(err, step);
    recordHostError(s.db, h.id, failure);
    ctx.target(key, { state: 'failed', failure });
    ctx.log('error', failure.message, key);
  } finally {
    releaseLease(s.db, h.id, s.processId, ctx.jobId);
  }
}
