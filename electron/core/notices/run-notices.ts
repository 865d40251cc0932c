/**
 * Notices for the end of a run: a deployment or rollback (deploy/finished) and an assessment that could not
 * assess every machine (assess/finished). Machines are named by their label; failure messages come from remote
 * output and the user's health checks, so they are redacted before they are stored.
 */
import type { DeployOutcomeCounts, EventPayload, RemoteFailure } from '../../../shared/contract';
import { hostLabel } from '../../../shared/host-label';
import { redactSecrets } from '../../../shared/redact';
import type { Db } from '../db/open';
import type { NoticeDraft } from './notice-queries';

/** How many machines a notice names before it says "and N more". */
const NAMED = 5;

interface FailedMachine {
  hostId: number;
  label: string;
  message: string | null;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function failureMessage(json: string | null): string | null {
  if (!json) return null;
  try {
    const f = JSON.parse(json) as Partial<RemoteFailure>;
    return typeof f.message === 'string' && f.message ? redactSecrets(f.message).split('\n')[0]!.slice(0, 200) : null;
  } catch {
    return null;
  }
}

/** "web01: message" lines, at most NAMED of them. */
function machineLines(machines: readonly FailedMachine[]): string[] {
  const lines = machines.slice(0, NAMED).map((m) => (m.message ? `${m.label}: ${m.message}` : m.label));
  if (machines.length > NAMED) lines.push(`and ${machines.length - NAMED} more`);
  return lines;
}

interface LabelRow {
  host_id: number;
  display_name: string | null;
  hostname: string | null;
  address: string;
  state?: string;
  failure: string | null;
}

const toFailed = (r: LabelRow): FailedMachine => ({
  hostId: r.host_id,
  label: hostLabel({ displayName: r.display_name, hostname: r.hostname, address: r.address }),
  message: failureMessage(r.failure),
});

const OUTCOME_WORDS: [keyof DeployOutcomeCounts, string][] = [
  ['succeeded', 'updated'],
  ['failed', 'failed before any change'],
  ['rolled-back', 'failed and rolled back'],
  ['rollback-failed', 'failed and could not be rolled back'],
  ['skipped', 'not started'],
  ['cancelled', 'cancelled'],
];

const ROLLBACK_WORDS: Partial<Record<keyof DeployOutcomeCounts, string>> = { succeeded: 'restored', 'rollback-failed': 'not restored' };

export function deployNotice(db: Db, e: EventPayload<'deploy/finished'>): NoticeDraft {
  const row = db.prepare('SELECT title FROM deployments WHERE id = ?').get(e.deploymentId) as { title: string } | undefined;
  const name = redactSecrets(row?.title || `Deployment ${e.deploymentId}`);
  const failed = (
    db
      .prepare(
        `SELECT t.host_id, h.display_name, h.hostname, h.address, t.state, t.failure FROM deployment_targets t JOIN hosts h ON h.id = t.host_id
         WHERE t.deployment_id = ? AND t.state IN ('failed','rolled-back','rollback-failed') ORDER BY t.host_id`,
      )
      .all(e.deploymentId) as LabelRow[]
  ).map(toFailed);
  const total = Object.values(e.counts).reduce((a, b) => a + b, 0);
  const rollback = e.kind === 'rollback';
  const outcome = OUTCOME_WORDS.filter(([k]) => e.counts[k] > 0)
    .map(([k, words]) => `${e.counts[k]} ${(rollback && ROLLBACK_WORDS[k]) || words}`)
    .join(', ');
  const good = e.state === 'succeeded' || e.state === 'cancelled';
  const what = rollback ? 'Rollback' : 'Deployment';
  const verb =
    e.state === 'cancelled' ? 'cancelled' : e.state === 'halted' ? 'halted' : e.state === 'partial' ? 'finished with failures' : good ? 'finished' : 'failed';
  const title = `${what} ${verb}: ${rollback ? `${e.counts.succeeded} of ${plural(total, 'machine')} restored` : `${e.counts.succeeded} of ${plural(total, 'machine')} updated`}`;
  const body = [name, outcome ? `${outcome}.` : 'No machine was started.', ...(failed.length ? ['Needs a look:', ...machineLines(failed)] : [])].join('\n');
  return {
    kind: rollback ? (good ? 'rollback-finished' : 'rollback-failed') : good ? 'deploy-finished' : 'deploy-failed',
    severity: good ? 'info' : 'error',
    title,
    body,
    target: { page: 'deployments', id: e.deploymentId },
  };
}

/** Null when every machine asked for was assessed (or left alone because busy). */
export function assessNotice(db: Db, e: EventPayload<'assess/finished'>): NoticeDraft | null {
  if (e.counts.failed === 0) return null;
  const failed = (
    db
      .prepare(
        `SELECT a.host_id, h.display_name, h.hostname, h.address, a.error AS failure FROM assessments a JOIN hosts h ON h.id = a.host_id
         WHERE a.job_id = ? AND a.state = 'failed' ORDER BY a.host_id`,
      )
      .all(e.jobId) as LabelRow[]
  ).map(toFailed);
  const total = e.hostIds.length;
  return {
    kind: 'assess-failed',
    severity: e.counts.ok > 0 ? 'warning' : 'error',
    title: `Assessment: ${e.counts.failed} of ${plural(total, 'machine')} could not be assessed`,
    body: [`${e.counts.ok} assessed, ${e.counts.failed} failed${e.counts.busy ? `, ${e.counts.busy} busy with another job` : ''}.`, ...machineLines(failed)].join('\n'),
    target: { page: 'machines', id: failed.length === 1 ? failed[0]!.hostId : null },
  };
}
