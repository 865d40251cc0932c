/** The Patches page: one row per update across the fleet, with its intelligence and risk. */
import { z } from 'zod';
import { epochMs } from './domain';
import { versionMemory } from './fleet-memory';

export const riskView = z.object({
  /** 0..100 */
  score: z.number().int().min(0).max(100),
  band: z.enum(['critical', 'high', 'medium', 'low']),
  /** Plain words for the UI: why this score. */
  why: z.string(),
  factors: z.array(z.object({ key: z.string(), points: z.number(), text: z.string() })),
});
export type RiskView = z.infer<typeof riskView>;

export const patchRow = z.object({
  /** Stable key: package and candidate version. */
  key: z.string(),
  package: z.string(),
  candidateVersion: z.string(),
  installedVersions: z.array(z.string()),
  hostIds: z.array(z.number().int().positive()),
  hostLabels: z.array(z.string()),
  isSecurity: z.boolean(),
  urgency: z.string().nullable(),
  cves: z.array(z.string()),
  /** CVEs of this update on CISA's Known Exploited Vulnerabilities list. */
  kevCves: z.array(z.string()),
  ransomware: z.boolean(),
  /** Highest EPSS probability among its CVEs, when known. */
  epss: z.number().min(0).max(1).nullable(),
  epssPercentile: z.number().min(0).max(1).nullable(),
  /** The highest risk among the machines that need it. */
  risk: riskView,
  approvedHosts: z.number().int().nonnegative(),
  firstDetectedAt: epochMs,
  /** What to know before approving, e.g. "Windows says this update cannot be uninstalled". */
  notes: z.array(z.string()),
  /** What this exact version did elsewhere in the fleet (fleet memory); absent when it was never deployed. */
  memory: versionMemory.optional(),
});
export type PatchRow = z.infer<typeof patchRow>;

export const feedView = z.object({
  kind: z.enum(['kev', 'epss', 'osv', 'debian-tracker', 'msrc']),
  feedDate: z.string(),
  source: z.string(),
  recordCount: z.number().int(),
  importedAt: epochMs,
  stale: z.boolean(),
});
export type FeedView = z.infer<typeof feedView>;

export const feedImportResult = z.object({
  kind: feedView.shape.kind,
  format: z.string(),
  feedDate: z.string(),
  recordCount: z.number().int().nonnegative(),
  source: z.string(),
});
export type FeedImportResult = z.infer<typeof feedImportResult>;

/** The Patches page grouped by machine: each machine's open updates with that machine's own score. */
export const machinePatches = z.object({
  hostId: z.number().int().positive(),
  label: z.string(),
  /** The machine's riskiest update's score and band. */
  score: z.number().int().min(0).max(100),
  band: riskView.shape.band,
  updates: z.array(
    z.object({
      /** The patch row's key (package and candidate version). */
      key: z.string(),
      score: z.number().int().min(0).max(100),
      band: riskView.shape.band,
      why: z.string(),
      approved: z.boolean(),
    }),
  ),
});
export type MachinePatches = z.infer<typeof machinePatches>;
