/** Deployments: plans built from approvals, per-machine steps, snapshots and rollbacks. */
import { z } from 'zod';
import { epochMs, remoteFailure } from './domain';

/** A weekly maintenance window, read in the machine's time zone. Days: 0 = Sunday … 6 = Saturday. */
export const windowRule = z.object({
  days: z.array(z.number().int().min(0).max(6)).min(1, 'Pick at least one day').max(7),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use HH:MM, 24-hour'),
  minutes: z.number().int().min(15, 'At least 15 minutes').max(24 * 60, 'At most 24 hours'),
});
export type WindowRule = z.infer<typeof windowRule>;

export const maintenanceWindows = z.object({
  /** A tag, or '' for every machine whose tags have no window. */
  tag: z.string().max(40),
  rules: z.array(windowRule).max(20),
  description: z.string(),
});
export type MaintenanceWindows = z.infer<typeof maintenanceWindows>;

export const healthCheck = z.discriminatedUnion('kind', [
  /** Run on the machine over SSH; exit code 0 means healthy. Written by the user, for their own machine. */
  z.object({ kind: z.literal('command'), command: z.string().trim().min(1).max(2000) }),
  /** Fetched by Patchwell; any 2xx/3xx status means healthy. */
  z.object({ kind: z.literal('http'), url: z.url({ protocol: /^https?$/ }).max(2000) }),
]);
export type HealthCheck = z.infer<typeof healthCheck>;

export const snapshotProvider = z.enum(['auto', 'package', 'btrfs', 'lvm', 'zfs']);
export type SnapshotProvider = z.infer<typeof snapshotProvider>;

export const hostDeploySettings = z.object({
  hostId: z.number().int().positive(),
  /** 0 is the canary ring, deployed first. */
  ring: z.number().int().min(0).max(9),
  /** Machines of one cluster are never patched at the same time. */
  cluster: z.string().trim().max(60).nullable(),
  healthCheck: healthCheck.nullable(),
  snapshotProvider,
  allowReboot: z.boolean(),
  /** IANA zone for the maintenance window; null: this computer's zone. */
  timezone: z.string().max(64).nullable(),
});
export type HostDeploySettings = z.infer<typeof hostDeploySettings>;

export const planRequest = z.object({
  /** Machines to include (default: every machine with approved updates). */
  hostIds: z.array(z.number().int().positive()).max(10_000).optional(),
  /** Machines patched at the same time. */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** A ring must reach this success rate (percent) before the next ring starts. */
  gatePercent: z.number().int().min(0).max(100).default(100),
  /** Ignore maintenance windows and start at once (the UI asks first). */
  deployNow: z.boolean().default(false),
  title: z.string().trim().max(120).optional(),
});
export type PlanRequest = z.input<typeof planRequest>;

export const planItem = z.object({
  package: z.string(),
  arch: z.string(),
  fromVersion: z.string().nullable(),
  toVersion: z.string(),
  /** The approval this item carries out; 0 for a rollback's items, which undo one. */
  approvalId: z.number().int().nonnegative(),
});
export type PlanItem = z.infer<typeof planItem>;

export const planHost = z.object({
  hostId: z.number().int().positive(),
  label: z.string(),
  ring: z.number().int().min(0),
  cluster: z.string().nullable(),
  items: z.array(planItem),
  /** The window it will run in; null: no window set, it runs as soon as its ring starts. */
  window: z.object({ start: epochMs, end: epochMs }).nullable(),
  windowText: z.string(),
  snapshotProvider,
  allowReboot: z.boolean(),
});
export type PlanHost = z.infer<typeof planHost>;

export const planView = z.object({
  rings: z.array(z.object({ ring: z.number().int().min(0), label: z.string(), hosts: z.array(planHost) })),
  skipped: z.array(z.object({ hostId: z.number().int().positive(), label: z.string(), reason: z.string() })),
  warnings: z.array(z.string()),
  concurrency: z.number().int(),
  gatePercent: z.number().int(),
  deployNow: z.boolean(),
  totalItems: z.number().int().nonnegative(),
});
export type PlanView = z.infer<typeof planView>;

export const deploymentState = z.enum(['scheduled', 'running', 'succeeded', 'partial', 'failed', 'halted', 'cancelled', 'interrupted']);
export type DeploymentState = z.infer<typeof deploymentState>;

export const targetState = z.enum([
  'pending', 'waiting', 'running', 'succeeded', 'failed', 'rolled-back', 'rollback-failed', 'skipped', 'cancelled', 'interrupted',
]);
export type TargetState = z.infer<typeof targetState>;

export const deployStep = z.enum(['preflight', 'snapshot', 'install', 'verify', 'reboot', 'rollback', 'repair', 'done']);
export type DeployStep = z.infer<typeof deployStep>;

export const deploymentItemView = z.object({
  package: z.string(),
  arch: z.string(),
  fromVersion: z.string().nullable(),
  toVersion: z.string(),
  resultVersion: z.string().nullable(),
  state: z.enum(['pending', 'installed', 'failed', 'rolled-back']),
});

export const snapshotView = z.object({
  id: z.number().int().positive(),
  hostId: z.number().int().positive(),
  hostLabel: z.string(),
  deploymentId: z.number().int().positive().nullable(),
  provider: z.string(),
  /** Provider reference: snapper number, LV or dataset name; "packages" for a package-state snapshot. */
  ref: z.string(),
  state: z.enum(['ready', 'restored', 'deleted', 'failed']),
  sizeBytes: z.number().int().nullable(),
  packageCount: z.number().int().nonnegative(),
  /** Versions a rollback cannot fetch: their .deb is neither cached on the machine nor in a repository. */
  unavailable: z.array(z.string()),
  createdAt: epochMs,
});
export type SnapshotView = z.infer<typeof snapshotView>;

export const deploymentTargetView = z.object({
  hostId: z.number().int().positive(),
  label: z.string(),
  ring: z.number().int().min(0),
  state: targetState,
  step: deployStep.nullable(),
  failure: remoteFailure.nullable(),
  snapshot: snapshotView.nullable(),
  startedAt: epochMs.nullable(),
  finishedAt: epochMs.nullable(),
  items: z.array(deploymentItemView),
  /** The maintenance window the machine waits for (or last waited for). */
  waitingFor: z.object({ start: epochMs, end: epochMs }).nullable().optional(),
  /** Why it is waiting, in words: e.g. its window was missed while Patchwell was stopped and it waits for the next. */
  note: z.string().nullable().optional(),
});
export type DeploymentTargetView = z.infer<typeof deploymentTargetView>;

export const deploymentSummary = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  state: deploymentState,
  jobId: z.number().int().positive().nullable(),
  createdBy: z.string(),
  createdAt: epochMs,
  startedAt: epochMs.nullable(),
  finishedAt: epochMs.nullable(),
  haltedReason: z.string().nullable(),
  rollbackOf: z.number().int().positive().nullable(),
  counts: z.record(targetState, z.number().int().nonnegative()),
  hostCount: z.number().int().nonnegative(),
  itemCount: z.number().int().nonnegative(),
});
export type DeploymentSummary = z.infer<typeof deploymentSummary>;

export const deploymentDetail = deploymentSummary.extend({
  plan: planView.nullable(),
  targets: z.array(deploymentTargetView),
});
export type DeploymentDetail = z.infer<typeof deploymentDetail>;

export const snapshotRetention = z.object({
  /** Snapshots kept per machine (the newest), at least 1. */
  keepPerHost: z.number().int().min(1).max(100),
  /** Snapshots older than this are pruned even within keepPerHost; 0 = no age limit. */
  maxAgeDays: z.number().int().min(0).max(3650),
});
export type SnapshotRetention = z.infer<typeof snapshotRetention>;
