/** Reads of pending updates and assessment history for the machine page. */
import type { AssessmentView, PendingUpdateView, RemoteFailure } from '../../../shared/contract';
import type { Db } from '../db/open';

interface UpdateRow {
  id: number;
  host_id: number;
  package: string;
  arch: string;
  installed_version: string | null;
  candidate_version: string;
  source: string;
  is_security: number;
  urgency: string | null;
  held: number;
  advisory_ids: string;
  detected_at: number;
  cves: string | null;
}

export function listOpenUpdates(db: Db, hostId: number): PendingUpdateView[] {
  const rows = db
    .prepare(
      `SELECT u.*, (SELECT group_concat(cve_id, ' ') FROM advisories a WHERE a.pending_update_id = u.id) AS cves
       FROM pending_updates u WHERE u.host_id = ? AND u.resolved_at IS NULL
       ORDER BY u.is_security DESC, u.package`,
    )
    .all(hostId) as UpdateRow[];
  return rows.map((r) => ({
    id: r.id,
    hostId: r.host_id,
    package: r.package,
    arch: r.arch,
    installedVersion: r.installed_version,
    candidateVersion: r.candidate_version,
    source: r.source,
    isSecurity: r.is_security === 1,
    urgency: r.urgency,
    held: r.held === 1,
    cves: r.cves ? r.cves.split(' ').sort() : [],
    advisoryIds: JSON.parse(r.advisory_ids) as string[],
    detectedAt: r.detected_at,
  }));
}

interface AssessmentRow {
  id: number;
  host_id: number;
  job_id: number | null;
  state: 'succeeded' | 'failed';
  started_at: number;
  finished_at: number;
  pending_count: number;
  security_count: number;
  new_count: number;
  fixed_count: number;
  warnings: string;
  error: string | null;
}

export function listAssessments(db: Db, hostId: number, limit: number): AssessmentView[] {
  return (db.prepare('SELECT * FROM assessments WHERE host_id = ? ORDER BY id DESC LIMIT ?').all(hostId, limit) as AssessmentRow[]).map((r) => ({
    id: r.id,
    hostId: r.host_id,
    jobId: r.job_id,
    state: r.state,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    pendingCount: r.pending_count,
    securityCount: r.security_count,
    newCount: r.new_count,
    fixedCount: r.fixed_count,
    warnings: JSON.parse(r.warnings) as string[],
    error: r.error ? (JSON.parse(r.error) as RemoteFailure) : null,
  }));
}
