/** What an assessment found, as the renderer shows it. */
import { z } from 'zod';
import { epochMs, remoteFailure } from './domain';
import { officeCacheSettings } from './office-cache';

export const pendingUpdateView = z.object({
  id: z.number().int().positive(),
  hostId: z.number().int().positive(),
  package: z.string(),
  arch: z.string(),
  installedVersion: z.string().nullable(),
  candidateVersion: z.string(),
  /** Suites or repositories the candidate comes from, e.g. "bookworm-security". */
  source: z.string(),
  isSecurity: z.boolean(),
  /** Debian urgency or the vendor's severity. */
  urgency: z.string().nullable(),
  /** Held back by the package manager (apt-mark hold, versionlock…). */
  held: z.boolean(),
  cves: z.array(z.string()),
  advisoryIds: z.array(z.string()),
  detectedAt: epochMs,
});
export type PendingUpdateView = z.infer<typeof pendingUpdateView>;

export const assessmentView = z.object({
  id: z.number().int().positive(),
  hostId: z.number().int().positive(),
  jobId: z.number().int().positive().nullable(),
  state: z.enum(['succeeded', 'failed']),
  startedAt: epochMs,
  finishedAt: epochMs,
  pendingCount: z.number().int(),
  securityCount: z.number().int(),
  newCount: z.number().int(),
  fixedCount: z.number().int(),
  /** Non-fatal problems, e.g. package lists not refreshed because sudo is not allowed. */
  warnings: z.array(z.string()),
  error: remoteFailure.nullable(),
});
export type AssessmentView = z.infer<typeof assessmentView>;

export const appSettings = z.object({
  /** Refresh package lists (apt-get update…) before each assessment; needs root on the machine. */
  refreshPackageLists: z.boolean(),
  /** How many machines to assess or connect to at once. */
  maxConcurrentHosts: z.number().int().min(1).max(64),
  /** Every schedule paused (the tray's "pause all schedules"); what falls due meanwhile is skipped, not caught up. */
  schedulesPaused: z.boolean(),
  /** The office cache lent to machines during jobs: on, its size bound, and offline mode. */
  officeCache: officeCacheSettings,
});
export type AppSettings = z.infer<typeof appSettings>;
