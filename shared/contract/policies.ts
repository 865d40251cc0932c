/**
 * Policies: auto-approve rules (fleet-wide or per tag, a tag's rule winning over the fleet's) and the block
 * list. Declared here and spread into the call map in calls.ts.
 */
import { z } from 'zod';
import { epochMs, tag } from './domain';

export const riskBand = z.enum(['critical', 'high', 'medium', 'low']);
export type RiskBand = z.infer<typeof riskBand>;

export const policyRuleInput = z.object({
  /** Absent or null: the whole fleet; otherwise the machines carrying this tag. */
  tag: tag.nullable().optional(),
  name: z.string().trim().min(1, 'Give the rule a name').max(100),
  /** 'never': machines in this scope are never approved automatically (for a tag, overriding the fleet rule). */
  mode: z.enum(['auto', 'never']),
  /** Approve at once an update fixing a CVE on CISA's Known Exploited Vulnerabilities list. */
  approveKev: z.boolean(),
  /** Approve at once an update whose risk band is this or higher. */
  approveBand: riskBand.nullable(),
  /** Approve at once an update whose risk score is at least this. */
  approveScore: z.number().int().min(0).max(100).nullable(),
  /** Approve anything else once it has been pending this many days. */
  afterDays: z.number().int().min(0).max(3650).nullable(),
  /** Only findings (KEV-listed, high or critical risk, or from a security source) are approved by this rule. */
  securityOnly: z.boolean(),
});
export type PolicyRuleInput = z.infer<typeof policyRuleInput>;

export const policyRule = policyRuleInput.extend({
  id: z.number().int().positive(),
  tag: z.string().nullable(),
  /** This rule in plain words. */
  summary: z.string(),
  createdAt: epochMs,
  updatedAt: epochMs,
});
export type PolicyRule = z.infer<typeof policyRule>;

/** A rule's conditions, saved or not: what evaluation and the plain-words description use. */
export type PolicyRuleSpec = Omit<PolicyRule, 'id' | 'summary' | 'createdAt' | 'updatedAt'>;

/** The rule in plain words, as the Policies page shows it. */
export function describePolicyRule(r: PolicyRuleSpec): string {
  const scope = r.tag ? `Machines tagged ${r.tag}` : 'All machines';
  if (r.mode === 'never') return `${scope}: never approve anything automatically${r.tag ? ' (overrides the fleet rule)' : ''}.`;
  const now: string[] = [];
  if (r.approveKev) now.push('fixes a CVE on the KEV list (known exploited)');
  if (r.approveBand) now.push(r.approveBand === 'critical' ? 'has a critical risk band' : `has a ${r.approveBand} risk band or higher`);
  if (r.approveScore !== null) now.push(`has a risk score of ${r.approveScore} or more`);
  const parts: string[] = [];
  if (now.length) parts.push(`approve at once an update that ${now.join(', or ')}`);
  if (r.afterDays !== null) parts.push(r.afterDays === 0 ? 'approve every other update at once' : `approve every other update once it has been pending ${r.afterDays} day${r.afterDays === 1 ? '' : 's'}`);
  if (!parts.length) return `${scope}: this rule approves nothing (choose at least one condition).`;
  const instead = r.tag ? ' This rule applies to them instead of the rule for all machines.' : '';
  return `${scope}: ${parts.join('; ')}${r.securityOnly ? '. Only findings (KEV-listed, high or critical risk, or from a security repository); others wait for a manual approval' : ''}. Blocked packages are never approved.${instead}`;
}


export const policyBlock = z.object({
  id: z.number().int().positive(),
  kind: z.enum(['package', 'kb']),
  name: z.string(),
  tag: z.string().nullable(),
  reason: z.string(),
  createdAt: epochMs,
});
export type PolicyBlock = z.infer<typeof policyBlock>;

export const policyBlockInput = z.object({
  kind: z.enum(['package', 'kb']),
  name: z.string().trim().min(1, 'Name the package or KB').max(200),
  tag: tag.nullable().optional(),
  reason: z.string().trim().min(1, 'Say why it is blocked').max(500),
});

/** One decision of an evaluation: an update on a machine approved by a rule, or held back by a block. */
export const policyDecision = z.object({
  hostId: z.number().int().positive(),
  hostLabel: z.string(),
  package: z.string(),
  fromVersion: z.string().nullable(),
  toVersion: z.string(),
  outcome: z.enum(['approve', 'held']),
  rule: z.string(),
  /** Why: the rule's reason ("KEV-listed CVE-2024-1234") or the block's. */
  why: z.string(),
});
export type PolicyDecision = z.infer<typeof policyDecision>;

export const policyEvaluation = z.object({
  approved: z.number().int().nonnegative(),
  held: z.number().int().nonnegative(),
  decisions: z.array(policyDecision),
});
export type PolicyEvaluation = z.infer<typeof policyEvaluation>;

const id = z.object({ id: z.number().int().positive() });

export const policyCalls = {
  /** The auto-approve rules and the block list. */
  'policies/list': { arg: z.undefined(), result: z.object({ rules: z.array(policyRule), blocks: z.array(policyBlock) }) },
  /** Saves the rule of its scope (one per scope: replaces the scope's rule), then evaluates the policies. */
  'policies/save-rule': { arg: policyRuleInput, result: z.object({ rule: policyRule, evaluation: policyEvaluation }) },
  'policies/remove-rule': { arg: id, result: z.object({ ok: z.literal(true) }) },
  /** What this rule would approve (and what blocks would hold) if saved now; nothing is written. */
  'policies/preview': { arg: policyRuleInput, result: policyEvaluation },
  /** Runs the saved rules now: records approvals of exact versions and audits every decision. */
  'policies/evaluate': { arg: z.undefined(), result: policyEvaluation },
  'policies/add-block': { arg: policyBlockInput, result: z.array(policyBlock) },
  'policies/remove-block': { arg: id, result: z.array(policyBlock) },
} as const;
