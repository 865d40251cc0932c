/** Each machine's risk and what the score knows about it; how tags set criticality and exposure for groups. */
import { z } from 'zod';
import { criticality, tag } from './domain';
import { riskBand } from './policies';

const count = z.number().int().nonnegative();

export const machineRisk = z.object({
  hostId: z.number().int().positive(),
  /** The score of its riskiest open update (0 with none open), its band and reasons. */
  score: z.number().int().min(0).max(100),
  band: riskBand,
  why: z.string(),
  openUpdates: count,
  criticalUpdates: count,
  highUpdates: count,
  kevCves: count,
  /** Open updates that are findings: KEV-listed, high or critical risk, or from a security source (README, Patches). */
  findings: count,
  /** What the score used: the highest criticality of the machine's own and its tags', and exposure. */
  criticality,
  exposed: z.boolean(),
  /** Where those came from, in words: "tag dmz: high", "marked exposed". */
  profileFrom: z.array(z.string()),
});
export type MachineRisk = z.infer<typeof machineRisk>;

export const tagProfile = z.object({
  tag,
  /** Null: the tag does not set one. */
  criticality: criticality.nullable(),
  exposed: z.boolean(),
});
export type TagProfile = z.infer<typeof tagProfile>;

export const tagProfileView = tagProfile.extend({ machines: count });
export type TagProfileView = z.infer<typeof tagProfileView>;

export const machineRiskCalls = {
  /** Every machine's risk (cached with the Patches rows; rebuilt after any inventory change). */
  'machines/risk': { arg: z.undefined(), result: z.array(machineRisk) },
  /** Every tag in use (and every tag with a profile), with its profile and how many machines carry it. */
  'tags/profiles': { arg: z.undefined(), result: z.array(tagProfileView) },
  /** Sets a tag's criticality and exposure; with neither, the profile is removed. Audited. */
  'tags/set-profile': { arg: tagProfile, result: z.array(tagProfileView) },
} as const;
