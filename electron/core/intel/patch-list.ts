/**
 * Builds the Patches page: each open update on each machine is scored with its CVEs' intelligence and the
 * machine's criticality and exposure, then updates are grouped by package and version, keeping the
 * riskiest machine's score and reasons.
 */
import type { PatchRow } from '../../../shared/contract';
import type { Db } from '../db/open';
import { cvesByUpdate, intelForOpenCves, listOpenUpdateRows } from './patch-queries';
import { scoreUpdate, type CveIntel } from './risk-score';

export function buildPatchRows(db: Db, now = Date.now()): PatchRow[] {
  const updates = listOpenUpdateRows(db);
  const cves = cvesByUpdate(db);
  const intel = intelForOpenCves(db);
  const groups = new Map<string, PatchRow>();
  // The same update on machines alike scores alike: score each distinct case once (a fleet has many
  // machines per case), which keeps the page fast at tens of thousands of updates.
  const scored = new Map<string, ReturnType<typeof scoreUpdate>>();
  for (const u of updates) {
    const ids = cves.get(u.id) ?? [];
    const cveIntel: CveIntel[] = ids.map((cveId) => {
      const f = intel.get(cveId);
      return { cveId, ...(f?.kev ? { kev: f.kev } : {}), ...(f?.epss ? { epss: f.epss } : {}) };
    });
    const weeks = Math.floor(Math.max(0, now - u.detectedAt) / (7 * 86_400_000));
    const memoKey = `${u.package}\u0000${u.candidateVersion}\u0000${u.criticality}\u0000${u.openPorts.join(',')}\u0000${weeks}\u0000${u.isSecurity}\u0000${u.urgency}\u0000${ids.join(',')}`;
    const risk = scored.get(memoKey) ?? scoreUpdate({
      package: u.package,
      cves: cveIntel,
      vendorSeverity: u.urgency,
      // An update whose changelog names CVEs fixes vulnerabilities, whichever suite it comes from.
      isSecurity: u.isSecurity || ids.length > 0,
      detectedAt: u.detectedAt,
      machine: { criticality: u.criticality, exposed: false, listeningServices: u.openPorts },
      now,
    });
    scored.set(memoKey, risk);
    const key = `${u.package}\u0000${u.candidateVersion}`;
    const kevCves = cveIntel.filter((c) => c.kev).map((c) => c.cveId);
    const epss = cveIntel.reduce<{ score: number; percentile: number } | null>((best, c) => (c.epss && (!best || c.epss.score > best.score) ? c.epss : best), null);
    const view = { score: risk.score, band: risk.band, why: risk.why, factors: risk.factors.map((f) => ({ key: f.key, points: f.points, text: f.text })) };
    const g = groups.get(key);
    if (!g) {
      groups.set(key, {
        key,
        package: u.package,
        candidateVersion: u.candidateVersion,
        installedVersions: u.installedVersion ? [u.installedVersion] : [],
        hostIds: [u.hostId],
        hostLabels: [u.hostLabel],
        isSecurity: u.isSecurity,
        urgency: u.urgency,
        cves: [...ids].sort(),
        kevCves: kevCves.sort(),
        ransomware: cveIntel.some((c) => c.kev?.ransomware),
        epss: epss?.score ?? null,
        epssPercentile: epss?.percentile ?? null,
        risk: view,
        approvedHosts: u.approved ? 1 : 0,
        firstDetectedAt: u.detectedAt,
      });
      continue;
    }
    if (u.installedVersion && !g.installedVersions.includes(u.installedVersion)) g.installedVersions.push(u.installedVersion);
    g.hostIds.push(u.hostId);
    g.hostLabels.push(u.hostLabel);
    g.isSecurity ||= u.isSecurity;
    for (const c of ids) if (!g.cves.includes(c)) g.cves.push(c);
    for (const c of kevCves) if (!g.kevCves.includes(c)) g.kevCves.push(c);
    if (u.approved) g.approvedHosts++;
    g.firstDetectedAt = Math.min(g.firstDetectedAt, u.detectedAt);
    if (view.score > g.risk.score) g.risk = view;
  }
  return [...groups.values()].sort((a, b) => b.risk.score - a.risk.score || a.package.localeCompare(b.package));
}
