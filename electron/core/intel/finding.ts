/**
 * What Patchwell calls a finding, defined once for every place that counts "security" (the Machines page,
 * the compliance report, policies, the Dashboard): an open update that
 *   - fixes a CVE on CISA's Known Exploited Vulnerabilities list, or
 *   - has a risk score in the high or critical band (risk-score.ts, as the Patches page scores it), or
 *   - comes from a security source (the distribution's security suite or repository: pending_updates.is_security).
 * The repository alone decides nothing: a KEV-listed fix from a point-release repository is a finding.
 * A machine with any open finding is not compliant.
 */
import type { RiskBand } from '../../../shared/contract';

export interface FindingFacts {
  /** From a security suite or repository (pending_updates.is_security), not merely naming CVEs. */
  isSecurity: boolean;
  /** Its CVEs on the KEV list. */
  kevCves: readonly string[];
  /** Its risk band, from scoreUpdate. */
  band: RiskBand;
}

export type FindingReason = 'kev' | 'risk' | 'security';

/** Why an update is a finding, strongest first; empty when it is not one. */
export function findingReasons(u: FindingFacts): FindingReason[] {
  const out: FindingReason[] = [];
  if (u.kevCves.length > 0) out.push('kev');
  if (u.band === 'critical' || u.band === 'high') out.push('risk');
  if (u.isSecurity) out.push('security');
  return out;
}

export function isFinding(u: FindingFacts): boolean {
  return findingReasons(u).length > 0;
}

/**
 * A critical finding: known exploited or scored high or critical. The report lists these with their exposure;
 * an update that is a finding only because of its source counts against compliance but is not listed there.
 */
export function isCriticalFinding(u: FindingFacts): boolean {
  const r = findingReasons(u);
  return r.includes('kev') || r.includes('risk');
}
