/** The Dashboard: fleet risk at a glance. Declared here and spread into the call map in calls.ts. */
import { z } from 'zod';
import { riskBand } from './policies';

export const machineState = z.enum(['needs-attention', 'unreachable', 'not-assessed', 'kev-exposed', 'updates-pending', 'up-to-date']);
export type MachineState = z.infer<typeof machineState>;

const count = z.number().int().nonnegative();

export const trendPoint = z.object({
  /** Local day, YYYY-MM-DD. */
  day: z.string(),
  machines: count,
  openUpdates: count,
  kevOpen: count,
  critical: count,
  high: count,
  /** Machines with an open finding: a KEV-listed, high- or critical-risk, or security-source update (README, Patches). */
  machinesAtRisk: count,
});
export type TrendPoint = z.infer<typeof trendPoint>;

export const dashboardSummary = z.object({
  machines: count,
  /** Each machine counted once, in its most pressing state (the order of machineState). */
  states: z.record(machineState, count),
  kev: z.object({ cves: count, machines: count }),
  topUpdates: z.array(
    z.object({ package: z.string(), candidateVersion: z.string(), score: z.number().int(), band: riskBand, machines: count, kevCves: z.array(z.string()) }),
  ),
  topMachines: z.array(
    z.object({ hostId: z.number().int().positive(), label: z.string(), score: z.number().int(), band: riskBand, openUpdates: count, kevCves: count }),
  ),
  /** Oldest first, at most a year. */
  trend: z.array(trendPoint),
});
export type DashboardSummary = z.infer<typeof dashboardSummary>;

export const dashboardCalls = {
  'dashboard/summary': { arg: z.undefined(), result: dashboardSummary },
} as const;
