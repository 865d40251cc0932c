/** What a deployment would do now, from the database: the inputs of buildPlan gathered for a request. */
import type { PlanView, planRequest } from '../../../shared/contract';
import type { z } from 'zod';
import type { Db } from '../db/open';
import { listHosts } from '../machines/machine-queries';
import { blockedPackages } from '../intel/policy-queries';
import { approvedItems } from './approval-queries';
import { getDeploySettings, listWindows } from './deploy-queries';
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
