/** Push events from the core to every connected renderer, declared once with their payload schemas. */
import { z } from 'zod';
import { epochMs, job, jobLogLine, jobTarget } from './domain';
import { scanResult } from './discovery';
import { deploymentState } from './deploy';
import { notice, noticeTarget } from './notices';
import { reportPdfState } from './reports';

/**
 * Why the inventory changed. Listeners in the core match on these (intel/policy-rules re-evaluates after some),
 * so a new reason is added here first and the type check finds every place that must decide about it.
 */
export const inventoryReason = z.enum([
  /** Machines were added by hand or from a scan. */
  'created',
  /** A machine's fields (name, tags, criticality …) were edited. */
  'updated',
  'removed',
  /** Credentials were assigned to machines. */
  'credential',
  /** A scan saw known machines again (or found them missing). */
  'scan',
  /** A reachability check finished. */
  'reachability',
  /** An assessment recorded facts, packages and pending updates. */
  'assessed',
  /** Updates were approved by hand. */
  'approved',
  /** Updates were approved by a policy rule. */
  'policy',
  /** The policy block list changed. */
  'policy-blocks',
  /** Feeds (advisories, KEV, EPSS) were imported or downloaded. */
  'feeds',
  /** Tag risk profiles changed. */
  'tags',
  /** Per-machine deployment settings (ring, window, snapshot) changed. */
  'deploy-settings',
  /** A deployment finished on these machines. */
  'deployed',
  'rolled-back',
  /** A machine's SSH host key was pinned on first use or accepted again. */
  'host-key',
  /** A machine answered with a different SSH host key. */
  'host-key-changed',
  /** The admin cleared a version's fleet-memory mark (Patches rows carry it). */
  'memory-cleared',
  /** A package manager was repaired (dpkg --configure -a) and its health read again. */
  'repaired',
]);
export type InventoryReason = z.infer<typeof inventoryReason>;

const count = z.number().int().nonnegative();

/** Machines per outcome of one deployment or rollback run (machines already finished before a resume are not counted again). */
export const deployOutcomeCounts = z.object({
  succeeded: count,
  /** Failed before any change was made. */
  failed: count,
  /** Failed and were rolled back to their snapshot. */
  'rolled-back': count,
  /** Failed and could not be rolled back: they need attention. */
  'rollback-failed': count,
  /** Not started: a halt, a removed machine, or nothing to roll back. */
  skipped: count,
  /** Not started because the deployment was cancelled. */
  cancelled: count,
});
export type DeployOutcomeCounts = z.infer<typeof deployOutcomeCounts>;

export const storageState = z.object({
  state: z.enum(['ok', 'full']),
  /** When the first write failed; null while ok. */
  since: epochMs.nullable(),
  message: z.string(),
});
export type StorageState = z.infer<typeof storageState>;

export const events = {
  /** A job changed state or progress (throttled per job). */
  'job/updated': z.object({ job, targets: z.array(jobTarget) }),
  /** New log lines of a job. */
  'job/log': z.object({ lines: z.array(jobLogLine) }),
  /** The data folder filled up (writes refused) or has room again. */
  'core/storage': storageState,
  /** A scan saw one more machine (or found a known one missing). */
  'discovery/host': z.object({ jobId: z.number().int().positive(), result: scanResult }),
  /** The inventory changed: renderers refetch what they show. */
  'inventory/changed': z.object({ hostIds: z.array(z.number().int().positive()), reason: inventoryReason }),
  /** A deployment or one of its machines changed state: the Deployments page refetches it. */
  'deploy/changed': z.object({ deploymentId: z.number().int().positive() }),
  /** A deployment (or a rollback, which is a deployment of its own) finished, and how. */
  'deploy/finished': z.object({
    deploymentId: z.number().int().positive(),
    kind: z.enum(['deploy', 'rollback']),
    /** For a rollback: the deployment it rolled back. */
    rollbackOf: z.number().int().positive().optional(),
    /** The deployment's final state, as stored. */
    state: deploymentState,
    counts: deployOutcomeCounts,
  }),
  /** An assessment job finished (also when cancelled: then the machines not reached count as neither). */
  'assess/finished': z.object({
    jobId: z.number().int().positive(),
    /** Every machine the job was asked to assess. */
    hostIds: z.array(z.number().int().positive()),
    /** ok: assessed; failed: could not be; busy: left alone while another job worked on them. */
    counts: z.object({ ok: count, failed: count, busy: count }),
  }),
  /**
   * A report was listed or one of its PDFs ended (the executive summary always before the full report): the
   * Reports page refetches, and offers the executive summary as soon as it is ready.
   */
  'reports/changed': z.object({
    reportId: z.string(),
    jobId: z.number().int().positive().nullable(),
    summary: reportPdfState,
    full: reportPdfState,
  }),
  /** A schedule was saved, removed or run, or all were paused: the Schedules view refetches. */
  'schedules/changed': z.object({}),
  /** Notices were stored (notices/list has them): the tray's bell and the desktop's OS notifications show them. */
  'notices/added': z.object({ notices: z.array(notice) }),
  /**
   * Open a notice's page. Never emitted by the core: the desktop shell sends it to its window when the user
   * clicks an OS notification.
   */
  'notices/open': z.object({ noticeId: z.number().int().positive(), target: noticeTarget }),
  /** The background settings or the schedules' pause changed (the desktop tray and Settings re-read them). */
  'background/changed': z.object({}),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

/**
 * An event as it travels over a bridge. Without a type argument it is the union over every event, so a
 * check of `name` narrows `payload`.
 */
export type EventEnvelope<K extends EventName = EventName> = {
  [P in K]: {
    /** Event name from {@link events}. */
    name: P;
    payload: EventPayload<P>;
  };
}[K];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
