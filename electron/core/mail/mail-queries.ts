/**
 * What the mails say, read from SQLite: deployments finished in a period with each version's outcome, failed
 * assessments, machines needing a reboot or attention, approvals waiting, and known-exploited findings. Plain
 * `(db, …)` queries; the wording of outcomes is the report's (reports/report-wording.ts), so a mail and a report
 * never disagree about what happened.
 */
import { hostLabel } from '../../../shared/host-label';
import { redactSecrets } from '../../../shared/redact';
import type { Db } from '../db/open';
import { isFinding } from '../intel/finding';
import { scoreOpenUpdates } from '../intel/open-update-scores';
import { collectDeployments, type DeploymentLine } from '../reports/report-trail';

interface HostNameRow {
  display_name: string | null;
  hostname: string | null;
  address: string;
}
const label = (h: HostNameRow): string => hostLabel({ displayName: h.display_name, hostname: h.hostname, address: h.address });

/** Deployments and rollbacks that finished in (from, to], oldest first, with every version's outcome. */
export function deploymentsFinished(db: Db, from: number, to: number): DeploymentLine[] {
  // collectDeployments selects by creation: a deployment approved in the afternoon finishes in the night.
  const first = db.prepare('SELECT min(created_at) AS at FROM deployments WHERE finished_at > ? AND finished_at <= ?').get(from, to) as { at: number | null };
  if (first.at === null) return [];
  return collectDeployments(db, { from: first.at, to })
    .filter((d) => d.finishedAt !== null && d.finishedAt > from && d.finishedAt <= to)
    .sort((a, b) => a.finishedAt! - b.finishedAt! || a.id - b.id);
}

/** One deployment with its outcomes, for the mail sent when it finishes. */
export function deploymentLine(db: Db, id: number): DeploymentLine | undefined {
  const d = db.prepare('SELECT created_at FROM deployments WHERE id = ?').get(id) as { created_at: number } | undefined;
  if (!d) return undefined;
  return collectDeployments(db, { from: d.created_at, to: d.created_at }).find((x) => x.id === id);
}

/**
 * Why each machine of a deployment failed, by machine label: the report's outcome of a rolled-back version says
 * only "rolled back", and the person reading the mail wants the reason too.
 */
export function targetFailures(db: Db, deploymentId: number): Map<string, string> {
  const rows = db
    .prepare(
      `SELECT t.failure, h.display_name, h.hostname, h.address FROM deployment_targets t JOIN hosts h ON h.id = t.host_id
       WHERE t.deployment_id = ? AND t.failure IS NOT NULL`,
    )
    .all(deploymentId) as (HostNameRow & { failure: string })[];
  return new Map(rows.map((r) => [label(r), failureMessage(r.failure)]));
}

export interface MachineProblem {
  hostId: number;
  host: string;
  /** In words, credentials hidden: the failure message, the reboot reasons, the package manager's problems. */
  detail: string;
}

function failureMessage(json: string | null): string {
  if (!json) return 'no reason recorded';
  try {
    const f = JSON.parse(json) as { message?: unknown };
    return redactSecrets(typeof f.message === 'string' ? f.message : 'no reason recorded');
  } catch {
    return 'no reason recorded';
  }
}

/** Assessments that failed in (from, to], or in the given job: the latest per machine. */
export function failedAssessments(db: Db, range: { from: number; to: number } | { jobId: number }): MachineProblem[] {
  const where = 'jobId' in range ? 'a.job_id = @jobId' : 'a.finished_at > @from AND a.finished_at <= @to';
  const rows = db
    .prepare(
      `SELECT a.host_id, a.error, h.display_name, h.hostname, h.address FROM assessments a JOIN hosts h ON h.id = a.host_id
       WHERE a.state = 'failed' AND ${where} ORDER BY a.id`,
    )
    .all(range) as (HostNameRow & { host_id: number; error: string | null })[];
  const latest = new Map(rows.map((r) => [r.host_id, r]));
  return [...latest.values()].sort((a, b) => a.host_id - b.host_id).map((r) => ({ hostId: r.host_id, host: label(r), detail: failureMessage(r.error) }));
}

export function machinesNeedingReboot(db: Db): MachineProblem[] {
  const rows = db
    .prepare('SELECT id, display_name, hostname, address, reboot_reasons FROM hosts WHERE reboot_required = 1 ORDER BY id')
    .all() as (HostNameRow & { id: number; reboot_reasons: string })[];
  return rows.map((r) => {
    const reasons = JSON.parse(r.reboot_reasons) as string[];
    return { hostId: r.id, host: label(r), detail: reasons.length ? reasons.join(', ') : 'reported by the machine' };
  });
}

/** Machines that did not answer, whose last assessment failed, or whose package manager reported problems. */
export function unhealthyMachines(db: Db): MachineProblem[] {
  const rows = db
    .prepare(
      `SELECT id, display_name, hostname, address, reachability, health, last_error FROM hosts
       WHERE reachability = 'down' OR last_error IS NOT NULL OR json_extract(health, '$.ok') = 0 ORDER BY id`,
    )
    .all() as (HostNameRow & { id: number; reachability: string; health: string | null; last_error: string | null })[];
  return rows.map((r) => {
    const why: string[] = [];
    if (r.reachability === 'down') why.push('did not answer the last check');
    if (r.last_error) why.push(`last assessment failed: ${failureMessage(r.last_error)}`);
    const health = r.health ? (JSON.parse(r.health) as { ok?: boolean; problems?: string[] }) : null;
    if (health && health.ok === false) why.push(`package manager: ${redactSecrets((health.problems ?? []).join('; ') || 'unhealthy')}`);
    return { hostId: r.id, host: label(r), detail: why.join('; ') };
  });
}

/** Approved versions not yet deployed: how many, on how many machines. */
export function approvalsWaiting(db: Db): { versions: number; machines: number } {
  const r = db.prepare(`SELECT count(*) AS versions, count(DISTINCT host_id) AS machines FROM approvals WHERE state = 'approved'`).get() as { versions: number; machines: number };
  return r;
}

/** Deployments waiting for their window, or interrupted and waiting for Resume or Repair. */
export function deploymentsWaiting(db: Db): { id: number; title: string; state: string }[] {
  return db.prepare(`SELECT id, title, state FROM deployments WHERE state IN ('scheduled', 'interrupted') ORDER BY id`).all() as { id: number; title: string; state: string }[];
}

export interface KevFinding {
  updateId: number;
  hostId: number;
  host: string;
  package: string;
  installedVersion: string | null;
  candidateVersion: string;
  cves: readonly string[];
}

/**
 * Open updates that fix a CVE on CISA's Known Exploited Vulnerabilities list. By intel/finding.ts's definition
 * such an update is always a finding (KEV is its first rule); isFinding is still asked, so a change to the
 * definition reaches the mails too. Scored exactly as the Patches page scores them.
 */
export function openKevFindings(db: Db, now: number): KevFinding[] {
  return scoreOpenUpdates(db, now)
    .filter((u) => u.kevCves.length > 0 && isFinding(u))
    .map((u) => ({
      updateId: u.id,
      hostId: u.hostId,
      host: u.hostLabel,
      package: u.package,
      installedVersion: u.installedVersion,
      candidateVersion: u.candidateVersion,
      cves: u.kevCves,
    }))
    .sort((a, b) => a.host.localeCompare(b.host) || a.package.localeCompare(b.package));
}

/** The keys a finding is remembered by: one per KEV-listed CVE, so a CVE newly added to the list counts as new. */
export const kevKeys = (f: KevFinding): string[] => f.cves.map((c) => `${f.updateId}:${c}`);

/**
 * The findings not in `seen`, and the keys to remember from now on (only the findings still open: one fixed and
 * found open again later is new again). With `seen` null (the first look) nothing is new: the baseline is taken.
 */
export function newKevFindings(all: readonly KevFinding[], seen: readonly string[] | null | undefined): { fresh: KevFinding[]; keys: string[] } {
  const keys = all.flatMap(kevKeys);
  if (!seen) return { fresh: [], keys };
  const known = new Set(seen);
  return { fresh: all.filter((f) => kevKeys(f).some((k) => !known.has(k))), keys };
}
