/**
 * The risk of every open update on every machine (not grouped by package as the Patches page is): what
 * policies and the dashboard decide from. Scored with risk-score.ts exactly as the Patches page scores them.
 */
import type { RiskBand } from '../../../shared/contract';
import type { Db } from '../db/open';
import { cveIntelOf, intelForOpenCves, listOpenUpdateRows, type OpenDuring, type OpenUpdateRow } from './patch-queries';
import { scoreUpdate, type CveIntel } from './risk-score';

export interface ScoredUpdate extends OpenUpdateRow {
  /** From the security suite or naming CVEs. */
  security: boolean;
  /** Shared between rows alike: read only. */
  readonly kevCves: readonly string[];
  score: number;
  band: RiskBand;
  /** The score's plain reasons (shared between rows alike). */
  why: string;
}

export function scoreOpenUpdates(db: Db, now = Date.now(), keep: (u: OpenUpdateRow) => boolean = () => true): ScoredUpdate[] {
  const updates = listOpenUpdateRows(db).filter(keep);
  if (!updates.length) return [];
  return scoreRows(updates, intelForOpenCves(db), () => now);
}

/**
 * Every update open at some time in a period (a report's), fixed since or not. Each is scored as it stood when
 * its exposure in the period ended: when it was fixed, or at the period's end (or now, if sooner); with today's
 * intelligence, which is all Patchwell keeps.
 */
export function scoreUpdatesOpenDuring(db: Db, period: OpenDuring, now = Date.now()): ScoredUpdate[] {
  const updates = listOpenUpdateRows(db, period);
  if (!updates.length) return [];
  return scoreRows(updates, intelForOpenCves(db, period), (u) => Math.min(u.resolvedAt ?? now, period.to, now));
}

function scoreRows(updates: OpenUpdateRow[], intel: ReturnType<typeof intelForOpenCves>, scoredAt: (u: OpenUpdateRow) => number): ScoredUpdate[] {
  // Updates alike on machines alike score alike: score each distinct case once (as the Patches page does).
  const memo = new Map<string, { score: number; band: RiskBand; why: string; kevCves: string[] }>();
  const out: ScoredUpdate[] = new Array<ScoredUpdate>(updates.length);
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const now = scoredAt(u);
    // CVE ids as pending_updates.cve_list keeps them (sorted, as the Patches page reads them), split only when scored.
    const security = u.isSecurity || u.cveList !== null;
    const days = Math.floor(Math.max(0, now - u.detectedAt) / 86_400_000);
    // When scored is part of the case: a fix's publication ages with it (constant for open updates scored now).
    const key = `${now}\u0000${u.package}\u0000${u.candidateVersion}\u0000${u.criticality}\u0000${u.exposed}\u0000${u.openPorts.join(',')}\u0000${days}\u0000${security}\u0000${u.urgency}\u0000${u.cveList ?? ''}`;
    let risk = memo.get(key);
    if (!risk) {
      const ids = u.cveList ? u.cveList.split(',') : [];
      const cveIntel: CveIntel[] = ids.map((cveId) => cveIntelOf(cveId, intel.get(cveId)));
      const r = scoreUpdate({
        package: u.package,
        cves: cveIntel,
        vendorSeverity: u.urgency,
        isSecurity: security,
        detectedAt: u.detectedAt,
        machine: { criticality: u.criticality, exposed: u.exposed, listeningServices: u.openPorts },
        now,
      });
      risk = { score: r.score, band: r.band, why: r.why, kevCves: cveIntel.filter((c) => c.kev).map((c) => c.cveId).sort() };
      memo.set(key, risk);
    }
    // Rows alike share one kevCves array: callers read it, never change it.
    out[i] = Object.assign(u, { security, kevCves: risk.kevCves, score: risk.score, band: risk.band, why: risk.why });
  }
  return out;
}
