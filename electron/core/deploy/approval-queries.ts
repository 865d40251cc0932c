/**
 * Approvals as deployments consume them: the approved exact versions per machine, marked deployed after a
 * successful install and revoked after a rollback (the update is pending again, not approved).
 */
import type { PlanItem } from '../../../shared/contract';
import type { Db } from '../db/open';

/** Approved, not yet deployed versions per machine. */
export function approvedItems(db: Db, hostIds?: readonly number[]): Map<number, PlanItem[]> {
  const rows = db
    .prepare(
      `SELECT id, host_id, package, arch, from_version, to_version FROM approvals
       WHERE state = 'approved' ORDER BY host_id, package`,
    )
    .all() as { id: number; host_id: number; package: string; arch: string; from_version: string | null; to_version: string }[];
  const wanted = hostIds ? new Set(hostIds) : null;
  const out = new Map<number, PlanItem[]>();
  for (const r of rows) {
    if (wanted && !wanted.has(r.host_id)) continue;
    const list = out.get(r.host_id) ?? [];
    list.push({ package: r.package, arch: r.arch, fromVersion: r.from_version, toVersion: r.to_version, approvalId: r.id });
    out.set(r.host_id, list);
  }
  return out;
}

export function markApprovalsDeployed(db: Db, approvalIds: readonly number[]): void {
  const stmt = db.prepare(`UPDATE approvals SET state = 'deployed' WHERE id = ? AND state = 'approved'`);
  for (const id of approvalIds) stmt.run(id);
}

/** After a rollback the approvals of what was undone are revoked: the update is pending again, not approved. */
export function revokeApprovals(db: Db, approvalIds: readonly number[]): void {
  const stmt = db.prepare(`UPDATE approvals SET state = 'revoked' WHERE id = ?`);
  for (const id of approvalIds) stmt.run(id);
}

