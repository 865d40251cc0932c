/**
 * What a report says about a deployed version, an approver and an audit target, in words an auditor can read
 * without the database: an item the pipeline never reached is "pending" in SQLite, but on paper it failed before
 * any change, was rolled back, or never started — the machine's own state says which.
 */
import type { DeployStep, TargetState } from '../../../shared/contract';

export interface ItemFacts {
  /** deployment_items.state: only what the install or a restore wrote; 'pending' when neither reached it. */
  itemState: 'pending' | 'installed' | 'failed' | 'rolled-back';
  targetState: TargetState;
  /** The step the machine last entered. */
  targetStep: DeployStep | null;
  failureMessage: string | null;
  /** The deployment is a rollback of another (its items are the versions it restores). */
  rollback: boolean;
}

const BEFORE_ANY_CHANGE: ReadonlySet<DeployStep | null> = new Set([null, 'preflight', 'snapshot']);

const why = (f: ItemFacts): string => (f.failureMessage ? `: ${f.failureMessage}` : '');

function notReached(f: ItemFacts): string {
  switch (f.targetState) {
    case 'failed':
      return BEFORE_ANY_CHANGE.has(f.targetStep) ? `failed before any change (${f.targetStep ?? 'preflight'})${why(f)}` : `failed at ${f.targetStep}${why(f)}`;
    case 'rolled-back':
      return `rolled back${why(f)}`;
    case 'rollback-failed':
      return `rollback failed, needs attention${why(f)}`;
    case 'succeeded':
      return 'succeeded';
    case 'skipped':
      return 'not started';
    case 'cancelled':
      return 'cancelled before it started';
    case 'waiting':
      return 'waiting for its maintenance window';
    case 'running':
      return `running (${f.targetStep ?? 'starting'})`;
    case 'interrupted':
      return `interrupted at ${f.targetStep ?? 'its start'}`;
    case 'pending':
      return 'not started';
  }
}

function ofRollback(f: ItemFacts): string {
  switch (f.targetState) {
    case 'succeeded':
      return 'rolled back';
    case 'rollback-failed':
      return `rollback failed, needs attention${why(f)}`;
    case 'skipped':
      return 'not rolled back: no snapshot, nothing had changed';
    case 'running':
      return 'rolling back';
    default:
      return notReached(f);
  }
}

/** One version on one machine, as the report states its outcome. */
export function itemOutcome(f: ItemFacts): string {
  if (f.rollback) return ofRollback(f);
  switch (f.itemState) {
    case 'installed':
      return 'installed';
    case 'rolled-back':
      return 'rolled back';
    case 'failed':
      return f.targetState === 'rollback-failed' ? `failed; rollback failed, needs attention${why(f)}` : `failed${why(f)}`;
    case 'pending':
      return notReached(f);
  }
}

/**
 * Who approved, from approvals.approved_by (which the audit row of the approval repeats as its actor): a policy
 * approves as "policy:<rule>"; Patchwell has no user accounts, so a person approving in the app is "user".
 */
export function approverText(approvedBy: string): string {
  if (approvedBy.startsWith('policy:')) return `policy ${approvedBy.slice('policy:'.length)}`;
  if (approvedBy === 'user') return 'by hand in Patchwell';
  return approvedBy;
}
