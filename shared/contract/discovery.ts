/** Discovery as the renderer sees it: suggested subnets, target checks, scans and their results. */
import { z } from 'zod';
import { epochMs, fingerprintView, osGuessView } from './domain';

export const subnetSuggestion = z.object({
  cidr: z.string(),
  interfaceName: z.string(),
  address: z.string(),
  /** Loopback is offered for the test lab only. */
  kind: z.enum(['lan', 'loopback-lab']),
});

export const targetInput = z.object({
  /** CIDRs, ranges (a.b.c.d-e), addresses and host names, separated by spaces, commas or lines; "!x" excludes. */
  include: z.string().max(100_000),
  exclude: z.string().max(100_000).default(''),
});

export const targetCheck = z.object({
  ok: z.boolean(),
  addressCount: z.number().int().nonnegative(),
  hostnameCount: z.number().int().nonnegative(),
  /** More than a /20: the user must confirm before the scan starts. */
  needsConfirmation: z.boolean(),
  errors: z.array(z.object({ field: z.enum(['include', 'exclude', 'ports']), token: z.string(), message: z.string() })),
});
export type TargetCheck = z.infer<typeof targetCheck>;

export const scanStart = targetInput.extend({
  /** Extra ports to probe besides the management ports. */
  extraPorts: z.array(z.number().int().min(1).max(65535)).max(64).default([]),
  /** Required when the target list is larger than a /20. */
  confirmLarge: z.boolean().default(false),
});

export const scanResult = z.object({
  scanId: z.number().int().positive(),
  address: z.string(),
  /** The inventory machine at this address, if there is one. */
  hostId: z.number().int().positive().nullable(),
  /** new: not in the inventory; changed: ports or OS differ; same; missing: known but not answering. */
  change: z.enum(['new', 'changed', 'same', 'missing']),
  changes: z.array(z.string()),
  hostnames: z.array(z.string()),
  openPorts: z.array(z.number().int()),
  fingerprints: z.array(fingerprintView),
  osGuess: osGuessView.nullable(),
  mac: z.string().nullable(),
  vendor: z.string().nullable(),
  respondedAt: epochMs.nullable(),
});
export type ScanResult = z.infer<typeof scanResult>;

export const scan = z.object({
  id: z.number().int().positive(),
  jobId: z.number().int().positive().nullable(),
  include: z.string(),
  exclude: z.string(),
  ports: z.array(z.number().int()),
  addressCount: z.number().int(),
  status: z.enum(['running', 'completed', 'budget-exhausted', 'cancelled', 'failed', 'interrupted']),
  found: z.number().int(),
  newCount: z.number().int(),
  changedCount: z.number().int(),
  missingCount: z.number().int(),
  startedAt: epochMs,
  finishedAt: epochMs.nullable(),
});
export type Scan = z.infer<typeof scan>;
