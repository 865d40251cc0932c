/**
 * The detail views: one update across the machines that need it (the score's every factor, every CVE with its
 * intelligence, each machine's versions and approval), and one machine (its updates, history and health).
 */
import { z } from 'zod';
import { assessmentView } from './assessment';
import { deployStep, deploymentItemView, targetState } from './deploy';
import { epochMs, remoteFailure } from './domain';
import { riskView } from './patches';

const hostId = z.number().int().positive();
const score = z.number().int().min(0).max(100);

/** What Patchwell knows about one CVE, from the feeds it holds; null where a feed says nothing. */
export const cveDetail = z.object({
  cveId: z.string(),
  /** On CISA's Known Exploited Vulnerabilities list. */
  kev: z.object({ dateAdded: z.string(), dueDate: z.string().nullable(), ransomware: z.boolean() }).nullable(),
  /** FIRST's probability of exploitation in the next 30 days, and its percentile. */
  epss: z.object({ score: z.number().min(0).max(1), percentile: z.number().min(0).max(1) }).nullable(),
  /** The highest CVSS base score a feed gives, with its version and source. */
  cvss: z.object({ score: z.number().min(0).max(10), version: z.string(), source: z.string() }).nullable(),
  /** The highest vendor severity a feed gives ("high" from the Debian tracker). */
  vendorSeverity: z.object({ label: z.string(), source: z.string() }).nullable(),
  /** Its public record (https, cve.org), or null for an id that is not a CVE id. */
  url: z.string().nullable(),
});
export type CveDetail = z.infer<typeof cveDetail>;

/** Whether an exact version may be deployed to one machine. */
export const approvalState = z.object({
  state: z.enum(['approved', 'not-approved', 'blocked']),
  /** Who approved it and when (approved), or the block list's reason (blocked). */
  by: z.string().nullable(),
  at: epochMs.nullable(),
  reason: z.string().nullable(),
});
export type ApprovalState = z.infer<typeof approvalState>;

/** One machine that needs the update: its versions, its own score and the approval. */
export const updateOnMachine = z.object({
  hostId,
  label: z.string(),
  arch: z.string(),
  installedVersion: z.string().nullable(),
  candidateVersion: z.string(),
  /** This machine's score, with every factor (its criticality, exposure and wait change them). */
  risk: riskView,
  approval: approvalState,
  detectedAt: epochMs,
});
export type UpdateOnMachine = z.infer<typeof updateOnMachine>;

export const updateDetail = z.object({
  /** The Patches row's key (package and candidate version). */
  key: z.string(),
  package: z.string(),
  candidateVersion: z.string(),
  isSecurity: z.boolean(),
  /** The update's own urgency (Debian changelog) or vendor severity. */
  urgency: z.string().nullable(),
  /** Every CVE it fixes, none left out, sorted by id. */
  cves: z.array(cveDetail),
  /** Riskiest first. */
  machines: z.array(updateOnMachine),
});
export type UpdateDetail = z.infer<typeof updateDetail>;

/** One open update on the machine, scored for it. */
export const machineUpdateRow = z.object({
  key: z.string(),
  package: z.string(),
  arch: z.string(),
  installedVersion: z.string().nullable(),
  candidateVersion: z.string(),
  isSecurity: z.boolean(),
  cves: z.array(z.string()),
  kevCves: z.array(z.string()),
  score,
  band: riskView.shape.band,
  why: z.string(),
  approval: approvalState,
});
export type MachineUpdateRow = z.infer<typeof machineUpdateRow>;

/** A deployment or rollback this machine took part in, as it went on this machine. */
export const machineDeployment = z.object({
  deploymentId: z.number().int().positive(),
  title: z.string(),
  /** The deployment this one rolled back, when it is a rollback. */
  rollbackOf: z.number().int().positive().nullable(),
  state: targetState,
  step: deployStep.nullable(),
  failure: remoteFailure.nullable(),
  createdAt: epochMs,
  startedAt: epochMs.nullable(),
  finishedAt: epochMs.nullable(),
  items: z.array(deploymentItemView),
});
export type MachineDeployment = z.infer<typeof machineDeployment>;

export const machineDetail = z.object({
  hostId,
  /** Riskiest first. */
  updates: z.array(machineUpdateRow),
  /** Newest first. */
  deployments: z.array(machineDeployment),
  /** Newest first. */
  assessments: z.array(assessmentView),
});
export type MachineDetail = z.infer<typeof machineDetail>;

export const detailCalls = {
  /** One update (package and candidate version) across the fleet: factors, every CVE, each machine's versions and approval. */
  'patches/detail': {
    arg: z.object({ package: z.string().min(1).max(200), candidateVersion: z.string().min(1).max(200) }),
    result: updateDetail,
  },
  /** One machine's open updates (scored for it), its deployments and rollbacks, and its assessments. */
  'machines/detail': {
    arg: z.object({ id: hostId, limit: z.number().int().min(1).max(200).optional() }),
    result: machineDetail,
  },
} as const;
