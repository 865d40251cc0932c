/** What a deployment would do now, from the database: the inputs of buildPlan gathered for a request. */
import type { PlanView, planRequest } from '../../../shared/contract';
import type { z } from 'zod';
import type { Db } from '../db/open';
import { listHosts } from '../machines/machine-queries';
import { blockedPackages } from '../intel/policy-queries';
import type { JobRunner } from '../jobs/job-runner';
import { approvedItems } from './approval-queries';
import { getDeployment, getDeploySettings, listDeployments, listWindows } from './deploy-queries';
import { buildPlan } from './plan';

/** The plan for the approved updates of the requested machines, leaving out what the policy block list forbids. */
export function planFor(db: Db, req: z.output<typeof planRequest>, now = Date.now()): PlanView {
  return buildPlan({
    hosts: listHosts(db),
    settings: getDeploySettings(db),
    approvals: approvedItems(db, req.hostIds),
    windows: listWindows(db),
    blocked: (id: number) => blockedPackages(db, id),
    ...(req.hostIds ? { hostIds: req.hostIds } : {}),
    concurrency: req.concurrency,
    gatePercent: req.gatePercent,
    deployNow: req.deployNow,
    now,
    localZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
}

/** Machines in a deployment whose job is still running: a second deployment must not touch them. */
export function busyHostIds(db: Db, jobs: Pick<JobRunner, 'isRunning'>): Set<number> {
  const busy = new Set<number>();
  for (const d of listDeployments(db, 50)) {
    if (d.state !== 'running' || d.jobId === null || !jobs.isRunning(d.jobId)) continue;
    for (const t of getDeployment(db, d.id)?.targets ?? []) busy.add(t.hostId);
  }
  return busy;
}
