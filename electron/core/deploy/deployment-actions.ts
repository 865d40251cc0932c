/**
 * Starting, cancelling, resuming and rolling back deployments: the checks that need the database or the running
 * jobs, the deployment row and its audit entry in one transaction, then the job.
 */
import type { z } from 'zod';
import { AppError, type PlanView, type planRequest } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { insertLogLine } from '../jobs/job-queries';
import type { CoreServices } from '../services';
import { deployJob, rollbackJob } from './deploy-job';
import { cancelUnstartedTargets, createDeployment, getDeployment, requeueUnchangedTargets, setDeploymentJob, setDeploymentState } from './deploy-queries';
import { planFor } from './plan-request';

/**
 * Plans the request and starts it, refusing an empty plan. A machine another job works on is not refused here:
 * the machine's lease is the one mechanism (it holds across processes), and the job waits for it and says for what.
 */
export function startDeployment(s: CoreServices, req: z.output<typeof planRequest>): { deploymentId: number; jobId: number } {
  s.vault.assertUnlocked();
  const p = planFor(s.db, req);
  const hosts = p.rings.flatMap((r) => r.hosts);
  if (hosts.length === 0) {
    throw new AppError('bad-request', p.skipped[0] ? `Nothing to deploy: ${p.skipped[0].label}: ${p.skipped[0].reason}` : 'Nothing to deploy: approve updates on the Patches page first');
  }
  const title = req.title || `${p.totalItems} update${p.totalItems === 1 ? '' : 's'} on ${hosts.length} machine${hosts.length === 1 ? '' : 's'}`;
  const deploymentId = s.db.transaction(() => {
    const id = createDeployment(s.db, { title, plan: p, createdBy: 'user', state: 'scheduled' });
    appendAudit(s.db, {
      actor: 'user',
      action: 'deploy.start',
      targetType: 'deployment',
      targetId: id,
      details: {
        deployNow: p.deployNow,
        gatePercent: p.gatePercent,
        concurrency: p.concurrency,
        rings: p.rings.map((r) => ({ ring: r.ring, hosts: r.hosts.map((h) => ({ hostId: h.hostId, items: h.items.map((i) => `${i.package} ${i.fromVersion ?? '-'} → ${i.toVersion}`) })) })),
      },
    });
    return id;
  })();
  const jobId = s.jobs.start('deploy', `Deploy: ${title}`, { deploymentId }, deployJob(s, deploymentId, p, { mode: 'deploy' }));
  setDeploymentJob(s.db, deploymentId, jobId);
  s.events.emit('deploy/changed', { deploymentId });
  return { deploymentId, jobId };
}

/** Cancels a running deployment's job, or marks a scheduled or interrupted one cancelled. */
export function cancelDeployment(s: CoreServices, id: number): void {
  const d = getDeployment(s.db, id);
  if (!d) throw new AppError('not-found', `No deployment ${id}`);
  if (d.jobId !== null && s.jobs.isRunning(d.jobId)) {
    s.jobs.cancel(d.jobId);
    appendAudit(s.db, { actor: 'user', action: 'deploy.cancel', targetType: 'deployment', targetId: id });
  } else if (d.state === 'scheduled' || d.state === 'interrupted') {
    s.db.transaction(() => {
      cancelUnstartedTargets(s.db, id);
      setDeploymentState(s.db, id, 'cancelled', { finished: true, haltedReason: 'Cancelled by the user' });
      appendAudit(s.db, { actor: 'user', action: 'deploy.cancel', targetType: 'deployment', targetId: id });
    })();
    s.events.emit('deploy/changed', { deploymentId: id });
  }
}

/** Runs a stopped deployment again: the machines left to do (resume), or those interrupted mid-change (repair). */
export function resumeDeployment(s: CoreServices, id: number, mode: 'resume' | 'repair'): { jobId: number } {
  const d = getDeployment(s.db, id);
  if (!d || !d.plan) throw new AppError('not-found', `No deployment ${id}`);
  if (d.jobId !== null && s.jobs.isRunning(d.jobId)) throw new AppError('conflict', 'This deployment is still running');
  if (d.state !== 'interrupted' && d.state !== 'cancelled' && d.state !== 'halted' && !(mode === 'resume' && (d.state === 'failed' || d.state === 'partial'))) {
    throw new AppError('bad-request', `A ${d.state} deployment cannot be resumed`);
  }
  s.vault.assertUnlocked();
  if (mode === 'resume') requeueUnchangedTargets(s.db, id);
  appendAudit(s.db, { actor: 'user', action: `deploy.${mode}`, targetType: 'deployment', targetId: id });
  const jobId = s.jobs.start('deploy', `${mode === 'resume' ? 'Resume' : 'Repair'}: ${d.title}`, { deploymentId: id, mode }, deployJob(s, id, d.plan, { mode }));
  setDeploymentJob(s.db, id, jobId);
  return { jobId };
}

/**
 * At start-up: a deployment the previous process left waiting (for a window, a ring, a machine) goes on waiting
 * in a new job, rather than being interrupted: nothing on a machine was half-done. Returns the job id.
 */
export function continueWaitingDeployment(s: CoreServices, id: number): number | null {
  const d = getDeployment(s.db, id);
  if (!d || !d.plan) return null;
  appendAudit(s.db, { actor: 'system', action: 'deploy.continue', targetType: 'deployment', targetId: id, details: { reason: 'Patchwell started again while this deployment waited' } });
  const jobId = s.jobs.start('deploy', `Deploy: ${d.title}`, { deploymentId: id, mode: 'resume', continued: true }, deployJob(s, id, d.plan, { mode: 'resume' }));
  // The old job reads "interrupted"; its log points to where the deployment went on.
  if (d.jobId !== null) insertLogLine(s.db, d.jobId, 'info', `Nothing was half-done: the deployment goes on waiting in job ${jobId}`, null);
  setDeploymentJob(s.db, id, jobId);
  s.events.emit('deploy/changed', { deploymentId: id });
  return jobId;
}

/** Rolls back machines of a deployment from their snapshots, as a deployment of its own. */
export function startRollback(s: CoreServices, id: number, hostIds: readonly number[] | undefined): { deploymentId: number; jobId: number } {
  const d = getDeployment(s.db, id);
  if (!d) throw new AppError('not-found', `No deployment ${id}`);
  if (d.jobId !== null && s.jobs.isRunning(d.jobId)) throw new AppError('conflict', 'This deployment is still running: cancel it first, then roll back');
  s.vault.assertUnlocked();
  const candidates = d.targets.filter((t) => (!hostIds || hostIds.includes(t.hostId)) && t.snapshot !== null && t.state !== 'rolled-back');
  if (candidates.length === 0) throw new AppError('bad-request', 'Nothing to roll back: no machine of this deployment has a snapshot that was not restored already');
  const rollbackPlan: PlanView = {
    rings: [{ ring: 0, label: 'Rollback', hosts: candidates.map((t) => ({
      hostId: t.hostId, label: t.label, ring: 0, cluster: null, window: null, windowText: 'now', snapshotProvider: 'auto', allowReboot: false,
      items: t.items.map((i) => ({ package: i.package, arch: i.arch, fromVersion: i.toVersion, toVersion: i.fromVersion ?? '(removed)', approvalId: 0 })),
    })) }],
    skipped: [], warnings: [], concurrency: 1, gatePercent: 0, deployNow: true, totalItems: candidates.reduce((n, t) => n + t.items.length, 0),
  };
  const title = `Roll back deployment ${id} on ${candidates.length} machine${candidates.length === 1 ? '' : 's'}`;
  const rollbackId = s.db.transaction(() => {
    const rid = createDeployment(s.db, { title, plan: rollbackPlan, createdBy: 'user', state: 'scheduled', rollbackOf: id });
    appendAudit(s.db, { actor: 'user', action: 'deploy.rollback-start', targetType: 'deployment', targetId: id, details: { rollbackDeploymentId: rid, hosts: candidates.map((c) => c.hostId) } });
    return rid;
  })();
  const jobId = s.jobs.start('rollback', title, { deploymentId: id, rollbackId }, rollbackJob(s, id, rollbackId, candidates.map((c) => c.hostId)));
  setDeploymentJob(s.db, rollbackId, jobId);
  return { deploymentId: rollbackId, jobId };
}
