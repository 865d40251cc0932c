/**
 * The report's record of what was done in a period: deployments with each version's real outcome and who
 * approved it (tied to the audit entry of the approval), and the audit trail with machines named as the user
 * names them.
 */
import { redactDeep, redactSecrets } from '../../../shared/redact';
import type { DeployStep, TargetState } from '../../../shared/contract';
import type { Db } from '../db/open';
import { hostLabel } from '../../../shared/host-label';
import { approverText, itemOutcome, type ItemFacts } from './report-wording';

export interface DeploymentItemLine {
  host: string;
  package: string;
  from: string | null;
  to: string;
  result: string | null;
  /** deployment_items.state as stored. */
  state: string;
  /** What happened to this version on this machine, in words ("failed before any change (preflight): …"). */
  outcome: string;
  /** approvals.approved_by as stored: "user" or "policy:<rule>". */
  approvedBy: string | null;
  /** The approver in words: "policy <rule>", or "by hand in Patchwell". */
  approver: string | null;
  /** The audit entry that recorded the approval, when the trail holds it. */
  approvalAuditId: number | null;
  approvedAt: number | null;
}

export interface DeploymentLine {
  id: number;
  title: string;
  state: string;
  createdAt: number;
  finishedAt: number | null;
  createdBy: string;
  machines: number;
  succeeded: number;
  rolledBack: number;
  failed: number;
  rollbackOf: number | null;
  items: DeploymentItemLine[];
}

export interface AuditLine {
  id: number;
  ts: number;
  actor: string;
  action: string;
  /** "files01" for a machine (its label; "host 3 (removed)" once deleted), "deployment 5" otherwise. */
  target: string;
  details: string;
}

interface Period {
  from: number;
  to: number;
}

/** Each machine's label (display name, else hostname, else address), by id. */
function labels(db: Db): Map<number, string> {
  const rows = db.prepare('SELECT id, display_name, hostname, address FROM hosts').all() as { id: number; display_name: string | null; hostname: string | null; address: string }[];
  return new Map(rows.map((h) => [h.id, hostLabel({ displayName: h.display_name, hostname: h.hostname, address: h.address })]));
}

/**
 * The audit entries of approvals, by machine, package, version and actor, oldest first. The approval and its
 * entry are written in one transaction, the entry a moment after, so an approval's entry is the first at or
 * after its approved_at.
 */
function approvalEntries(db: Db): Map<string, { id: number; ts: number }[]> {
  const rows = db
    .prepare(
      `SELECT id, ts, actor, target_id, json_extract(details, '$.package') AS package, json_extract(details, '$.to') AS to_version
       FROM audit_log WHERE action = 'patch.approve' AND target_type = 'host' ORDER BY ts, id`,
    )
    .all() as { id: number; ts: number; actor: string; target_id: string | null; package: unknown; to_version: unknown }[];
  const out = new Map<string, { id: number; ts: number }[]>();
  for (const r of rows) {
    const key = `${r.target_id}\u0000${String(r.package)}\u0000${String(r.to_version)}\u0000${r.actor}`;
    const list = out.get(key);
    if (list) list.push({ id: r.id, ts: r.ts });
    else out.set(key, [{ id: r.id, ts: r.ts }]);
  }
  return out;
}

interface ItemRow {
  host_id: number;
  package: string;
  from_version: string | null;
  to_version: string;
  result_version: string | null;
  state: ItemFacts['itemState'];
  target_state: TargetState | null;
  target_step: DeployStep | null;
  failure: string | null;
  approved_by: string | null;
  approved_at: number | null;
  approval_host: number | null;
  approval_package: string | null;
  approval_to: string | null;
}

export function collectDeployments(db: Db, period: Period): DeploymentLine[] {
  const deps = db
    .prepare('SELECT id, title, state, created_at, finished_at, created_by, rollback_of FROM deployments WHERE created_at BETWEEN ? AND ? ORDER BY id')
    .all(period.from, period.to) as { id: number; title: string; state: string; created_at: number; finished_at: number | null; created_by: string; rollback_of: number | null }[];
  if (deps.length === 0) return [];
  const names = labels(db);
  const entries = approvalEntries(db);
  const targetCounts = db.prepare('SELECT state, count(*) AS n FROM deployment_targets WHERE deployment_id = ? GROUP BY state');
  const items = db.prepare(
    `SELECT i.host_id, i.package, i.from_version, i.to_version, i.result_version, i.state,
            t.state AS target_state, t.step AS target_step, t.failure,
            a.approved_by, a.approved_at, a.host_id AS approval_host, a.package AS approval_package, a.to_version AS approval_to
     FROM deployment_items i
     LEFT JOIN deployment_targets t ON t.deployment_id = i.deployment_id AND t.host_id = i.host_id
     LEFT JOIN approvals a ON a.id = i.approval_id
     WHERE i.deployment_id = ?`,
  );
  return deps.map((d) => {
    const counts = new Map((targetCounts.all(d.id) as { state: string; n: number }[]).map((c) => [c.state, c.n]));
    const lines = (items.all(d.id) as ItemRow[]).map((i): DeploymentItemLine => {
      const failure = i.failure ? (JSON.parse(i.failure) as { message?: unknown }) : null;
      const auditId =
        i.approved_by === null || i.approved_at === null
          ? null
          : (entries.get(`${i.approval_host}\u0000${i.approval_package}\u0000${i.approval_to}\u0000${i.approved_by}`)?.find((e) => e.ts >= i.approved_at!)?.id ?? null);
      return {
        host: names.get(i.host_id) ?? `host ${i.host_id}`,
        package: i.package,
        from: i.from_version,
        to: i.to_version,
        result: i.result_version,
        state: i.state,
        outcome: itemOutcome({
          itemState: i.state,
          targetState: i.target_state ?? 'pending',
          targetStep: i.target_step,
          failureMessage: typeof failure?.message === 'string' ? failure.message : null,
          rollback: d.rollback_of !== null,
        }),
        approvedBy: i.approved_by,
        approver: i.approved_by === null ? null : approverText(i.approved_by),
        approvalAuditId: auditId,
        approvedAt: i.approved_at,
      };
    });
    lines.sort((a, b) => a.host.localeCompare(b.host) || a.package.localeCompare(b.package));
    return {
      id: d.id,
      title: d.title,
      state: d.state,
      createdAt: d.created_at,
      finishedAt: d.finished_at,
      createdBy: d.created_by,
      machines: [...counts.values()].reduce((a, b) => a + b, 0),
      succeeded: counts.get('succeeded') ?? 0,
      rolledBack: counts.get('rolled-back') ?? 0,
      failed: (counts.get('failed') ?? 0) + (counts.get('rollback-failed') ?? 0),
      rollbackOf: d.rollback_of,
      items: lines,
    };
  });
}

/** A machine target names the machine; a list of machines ("3,4", from a bulk change) names each. */
function targetText(type: string | null, id: string | null, names: ReadonlyMap<number, string>): string {
  if (!type) return '';
  if (type !== 'host' || !id) return `${type} ${id ?? ''}`.trim();
  return id
    .split(',')
    .map((part) => {
      const n = Number(part);
      return (Number.isInteger(n) ? names.get(n) : undefined) ?? `host ${part} (removed)`;
    })
    .join(', ');
}

export function collectAudit(db: Db, period: Period): AuditLine[] {
  const names = labels(db);
  return (
    db.prepare('SELECT id, ts, actor, action, target_type, target_id, details FROM audit_log WHERE ts BETWEEN ? AND ? ORDER BY id').all(period.from, period.to) as {
      id: number; ts: number; actor: string; action: string; target_type: string | null; target_id: string | null; details: string;
    }[]
  ).map((a) => ({ id: a.id, ts: a.ts, actor: a.actor, action: a.action, target: targetText(a.target_type, a.target_id, names), details: reportDetails(a.details) }));
}

/** Audit details as a report shows them: credentials redacted, also in rows written before redaction existed. */
function reportDetails(details: string): string {
  try {
    return JSON.stringify(redactDeep(JSON.parse(details) as unknown));
  } catch {
    return redactSecrets(details);
  }
}
