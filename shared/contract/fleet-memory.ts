/**
 * Fleet memory (what each exact version did on the machines it was deployed to) and the outcome metrics
 * counted from it. Declared here and spread into the call map in calls.ts.
 */
import { z } from 'zod';
import { epochMs } from './domain';

const count = z.number().int().nonnegative();

export const versionEventKind = z.enum(['install-failed', 'verify-failed', 'rolled-back', 'rolled-back-by-hand', 'rollback-failed', 'succeeded']);
export type VersionEventKind = z.infer<typeof versionEventKind>;

/** One thing that happened to one version on one machine. */
export const versionEvent = z.object({
  event: versionEventKind,
  /** Plain category: "health check failed", "install failed", "rolled back by hand"... */
  cause: z.string(),
  /** The failure in its own words (the health check's output, the package manager's error). */
  detail: z.string(),
  hostId: z.number().int().positive().nullable(),
  hostLabel: z.string(),
  platform: z.string(),
  deploymentId: z.number().int().positive().nullable(),
  at: epochMs,
  /** Still marking the version (not cleared by a newer version, the admin or a later success there). */
  active: z.boolean(),
  /** "rolled back on File server, 3 Dec: health check failed (exit 1): systemctl is-active nginx" */
  text: z.string(),
});
export type VersionEvent = z.infer<typeof versionEvent>;

/** What the fleet remembers about one exact version (a Patches row's package and candidate version). */
export const versionMemory = z.object({
  package: z.string(),
  version: z.string(),
  /** A failure or rollback not cleared yet: auto-approval skips it and approving it asks for confirmation. */
  marked: z.boolean(),
  /** Failures and rollbacks, newest first (cleared ones too, marked inactive); at most 20. */
  failures: z.array(versionEvent),
  /** Machines where it succeeded: on the canary ring (ring 0) and elsewhere. */
  succeeded: z.object({ canary: count, others: count }),
  /** One line for the page: "succeeded on 1 canary machine and 4 others" or the newest failure. */
  summary: z.string(),
});
export type VersionMemory = z.infer<typeof versionMemory>;

const stats = z.object({ count, meanDays: z.number().nullable(), p90Days: z.number().nullable() });

/** Outcome figures over a period; each says in `how` how it is computed. */
export const outcomeMetrics = z.object({
  period: z.object({ from: epochMs, to: epochMs }),
  firstTimeSuccess: z.object({ machines: count, firstTime: count, pct: z.number().nullable(), how: z.string() }),
  deployTime: z.object({
    machines: count,
    medianSeconds: z.number().nullable(),
    slowest: z.object({ hostLabel: z.string(), seconds: z.number(), deploymentId: z.number().int().positive() }).nullable(),
    how: z.string(),
  }),
  detectionToFix: z.object({ all: stats, kev: stats, how: z.string() }),
  kevExposure: z.object({
    findings: z.array(
      z.object({
        host: z.string(),
        package: z.string(),
        fixedIn: z.string(),
        cves: z.array(z.string()),
        openedAt: epochMs,
        resolvedAt: epochMs.nullable(),
        days: z.number(),
      }),
    ),
    totalDays: z.number(),
    how: z.string(),
  }),
  rollbacksByCause: z.object({ total: count, causes: z.array(z.object({ cause: z.string(), count })), how: z.string() }),
});
export type OutcomeMetrics = z.infer<typeof outcomeMetrics>;

export const fleetMemoryCalls = {
  /** What the fleet remembers about one exact version (every platform). */
  'patches/history': { arg: z.object({ package: z.string().min(1).max(200), version: z.string().min(1).max(200) }), result: versionMemory },
  /** The admin clears a version's mark (audited): it is auto-approvable again. The history stays. */
  'patches/clear-mark': {
    arg: z.object({ package: z.string().min(1).max(200), version: z.string().min(1).max(200), reason: z.string().trim().max(500).optional() }),
    result: z.object({ cleared: count }),
  },
  /** Outcome metrics of the last `days` days (default 30), ending now. */
  'dashboard/outcomes': { arg: z.object({ days: z.number().int().min(1).max(366).optional() }), result: outcomeMetrics },
} as const;
