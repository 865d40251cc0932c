/**
 * The detail views' data. An update (package and candidate version) is scored on each machine that needs it
 * exactly as the Patches page and policies score it (risk-score.ts, the same inputs as open-update-scores.ts), but
 * with every factor kept; its CVEs carry everything the feeds say. A machine's view lists its open updates scored
 * for it and its history as the deployment and assessment tables hold it.
 */
import { AppError, type ApprovalState, type CveDetail, type MachineDetail, type UpdateDetail, type UpdateOnMachine } from '../../../shared/contract';
import type { RemoteFailure } from '../../../shared/contract';
import { listAssessments } from '../assess/update-queries';
import type { Db } from '../db/open';
import { cveIntelOf, intelForCves, listOpenUpdateRows, type CveFacts, type OpenUpdateRow } from './patch-queries';
import { blockedPackages } from './policy-queries';
import { scoreUpdate, type RiskScore } from './risk-score';

const CVE_ID = /^CVE-\d{4}-\d{4,7}$/;

/** The CVE's public record; only for a well-formed id, so nothing from a machine's text lands in a URL unchecked. */
export function cveRecordUrl(cveId: string): string | null {
  return CVE_ID.test(cveId) ? `https://www.cve.org/CVERecord?id=${cveId}` : null;
}

function cveDetailOf(cveId: string, f: CveFacts | undefined): CveDetail {
  return {
    cveId,
    kev: f?.kev ?? null,
    epss: f?.epss ?? null,
    cvss: f?.cvss ?? null,
    vendorSeverity: f?.vendorSeverity ?? null,
    url: cveRecordUrl(cveId),
  };
}

type ApprovalRow = { host_id: number; package: string; arch: string; to_version: string; approved_by: string; approved_at: number };

/** Approvals in force (not revoked, not yet deployed), keyed by machine, package, arch and version. */
function approvalsOf(db: Db, where: string, arg: string | number): Map<string, ApprovalRow> {
  const rows = db
    .prepare(`SELECT host_id, package, arch, to_version, approved_by, approved_at FROM approvals WHERE state = 'approved' AND ${where}`)
    .all(arg) as ApprovalRow[];
  return new Map(rows.map((r) => [`${r.host_id}\u0000${r.package}\u0000${r.arch}\u0000${r.to_version}`, r]));
}

function approvalOf(u: Pick<OpenUpdateRow, 'hostId' | 'package' | 'arch' | 'candidateVersion'>, approvals: Map<string, ApprovalRow>, blocked: string | undefined): ApprovalState {
  // A block wins over an approval given before it: the plan will not deploy it.
  if (blocked) return { state: 'blocked', by: null, at: null, reason: blocked };
  const a = approvals.get(`${u.hostId}\u0000${u.package}\u0000${u.arch}\u0000${u.candidateVersion}`);
  return a ? { state: 'approved', by: a.approved_by, at: a.approved_at, reason: null } : { state: 'not-approved', by: null, at: null, reason: null };
}

const cveIdsOf = (rows: readonly OpenUpdateRow[]): string[] => [...new Set(rows.flatMap((u) => (u.cveList ? u.cveList.split(',') : [])))].sort();

/** One open update on its machine, scored with the same inputs as every other scorer (open-update-scores.ts, the Patches page). */
function scoreRow(u: OpenUpdateRow, intel: Map<string, CveFacts>, now: number): RiskScore {
  return scoreUpdate({
    package: u.package,
    cves: u.cveList ? u.cveList.split(',').map((id) => cveIntelOf(id, intel.get(id))) : [],
    vendorSeverity: u.urgency,
    isSecurity: u.isSecurity || u.cveList !== null,
    detectedAt: u.detectedAt,
    machine: { criticality: u.criticality, exposed: u.exposed, listeningServices: u.openPorts },
    now,
  });
}

export function updateDetailOf(db: Db, pkg: string, candidateVersion: string, now = Date.now()): UpdateDetail {
  const rows = listOpenUpdateRows(db).filter((u) => u.package === pkg && u.candidateVersion === candidateVersion);
  if (rows.length === 0) throw new AppError('not-found', `No machine is waiting for ${pkg} ${candidateVersion}`);
  const ids = cveIdsOf(rows);
  const intel = intelForCves(db, ids);
  const approvals = approvalsOf(db, 'package = ?', pkg);
  const machines: UpdateOnMachine[] = rows.map((u) => {
    const r = scoreRow(u, intel, now);
    return {
      hostId: u.hostId,
      label: u.hostLabel,
      arch: u.arch,
      installedVersion: u.installedVersion,
      candidateVersion: u.candidateVersion,
      risk: { score: r.score, band: r.band, why: r.why, factors: r.factors.map((f) => ({ key: f.key, points: f.points, text: f.text })) },
      approval: approvalOf(u, approvals, blockedPackages(db, u.hostId).get(u.package)),
      detectedAt: u.detectedAt,
    };
  });
  machines.sort((a, b) => b.risk.score - a.risk.score || a.label.localeCompare(b.label));
  return {
    key: `${pkg}\u0000${candidateVersion}`,
    package: pkg,
    candidateVersion,
    isSecurity: rows.some((u) => u.isSecurity),
    urgency: rows[0]!.urgency,
    cves: ids.map((id) => cveDetailOf(id, intel.get(id))),
    machines,
  };
}

type DeploymentRow = {
  id: number;
  title: string;
  rollback_of: number | null;
  created_at: number;
  state: MachineDetail['deployments'][number]['state'];
  step: MachineDetail['deployments'][number]['step'];
  failure: string | null;
  started_at: number | null;
  finished_at: number | null;
};

export function machineDetailOf(db: Db, hostId: number, limit = 20, now = Date.now()): MachineDetail {
  if (!db.prepare('SELECT 1 FROM hosts WHERE id = ?').get(hostId)) throw new AppError('not-found', `No machine with id ${hostId}`);
  const blocks = blockedPackages(db, hostId);
  const approvals = approvalsOf(db, 'host_id = ?', hostId);
  const rows = listOpenUpdateRows(db).filter((u) => u.hostId === hostId);
  // Only this machine's CVEs are read from the feeds, not the fleet's.
  const intel = intelForCves(db, cveIdsOf(rows));
  const updates = rows
    .map((u) => {
      const r = scoreRow(u, intel, now);
      const cves = u.cveList ? u.cveList.split(',') : [];
      return {
        key: `${u.package}\u0000${u.candidateVersion}`,
        package: u.package,
        arch: u.arch,
        installedVersion: u.installedVersion,
        candidateVersion: u.candidateVersion,
        isSecurity: u.isSecurity,
        cves,
        kevCves: cves.filter((id) => intel.get(id)?.kev),
        score: r.score,
        band: r.band,
        why: r.why,
        approval: approvalOf(u, approvals, blocks.get(u.package)),
      };
    })
    .sort((a, b) => b.score - a.score || a.package.localeCompare(b.package));

  const items = db.prepare(
    `SELECT package, arch, from_version, to_version, result_version, state FROM deployment_items
     WHERE deployment_id = ? AND host_id = ? ORDER BY package, arch`,
  );
  const deployments = (
    db
      .prepare(
        `SELECT d.id, d.title, d.rollback_of, d.created_at, t.state, t.step, t.failure, t.started_at, t.finished_at
         FROM deployment_targets t JOIN deployments d ON d.id = t.deployment_id
         WHERE t.host_id = ? ORDER BY d.id DESC LIMIT ?`,
      )
      .all(hostId, limit) as DeploymentRow[]
  ).map((d) => ({
    deploymentId: d.id,
    title: d.title,
    rollbackOf: d.rollback_of,
    state: d.state,
    step: d.step,
    failure: d.failure ? (JSON.parse(d.failure) as RemoteFailure) : null,
    createdAt: d.created_at,
    startedAt: d.started_at,
    finishedAt: d.finished_at,
    items: (
      items.all(d.id, hostId) as { package: string; arch: string; from_version: string | null; to_version: string; result_version: string | null; state: 'pending' | 'installed' | 'failed' | 'rolled-back' }[]
    ).map((i) => ({ package: i.package, arch: i.arch, fromVersion: i.from_version, toVersion: i.to_version, resultVersion: i.result_version, state: i.state })),
  }));
  return { hostId, updates, deployments, assessments: listAssessments(db, hostId, limit) };
}
