/**
 * The deployer interface: what a platform has to provide so that one step pipeline (pipeline.ts) can deploy to
 * it, roll it back and repair it. A deployer knows its machines (how to open a session, which commands, which
 * snapshot); the pipeline knows the order of the steps, the durable state each step writes before it starts,
 * the audit trail and what happens after a failure. Adding a platform means adding one deployer file and naming
 * it in the registry (index.ts).
 */
import { setMaxListeners } from 'node:events';
import type { Host, HostDeploySettings, PlanItem, RemoteFailure, SnapshotView } from '../../../../shared/contract';
import { toFailure } from '../../assess/failure';
import type { CoreServices } from '../../services';
import type { ItemResult, TargetPatch } from '../deploy-queries';
import type { SnapshotMeta } from '../snapshot-queries';

export type MachineOutcome = 'succeeded' | 'failed' | 'rolled-back' | 'rollback-failed';

/** Everything a step needs about the one machine it works on, and the two ways it tells the user. */
export interface MachineContext {
  s: CoreServices;
  deploymentId: number;
  host: Host;
  settings: HostDeploySettings;
  items: readonly PlanItem[];
  /** Writes the machine's durable state (deployment_targets and the job's target row). */
  report(patch: TargetPatch): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** Overrides for tests (e.g. a smaller free-space threshold). */
  minFreeKb?: number;
  /** How often to look for a machine coming back after a restart (ms); tests shorten it. */
  pollMs?: number;
}

/** A step that failed for a reason we found, not a command that crashed. */
export class StepError extends Error {
  constructor(message: string, readonly detail = '') {
    super(message);
    this.name = 'StepError';
  }
}

export function failureOf(err: unknown, step: string): RemoteFailure {
  const f = toFailure(err, step);
  return err instanceof StepError && err.detail ? { ...f, stderrTail: err.detail } : f;
}

// A deployment is never cut short by closing its sessions: a cancel stops new machines, not a package manager
// mid-run.
export const NEVER = new AbortController().signal;
// Every session of every machine in flight listens on it: dozens at once are expected, not a leak.
setMaxListeners(0, NEVER);

/** What the snapshot step kept: the pipeline records it before anything is changed. */
export interface SnapshotTaken {
  provider: string;
  ref: string;
  sizeBytes: number | null;
  meta: SnapshotMeta;
  /** Extra audit details (what was kept, what could not be). */
  audit: Record<string, unknown>;
  /** One line for the machine's log; warn when the snapshot is weaker than usual (no restore point…). */
  message: string;
  level?: 'info' | 'warn';
}

/** What the install step did: the pipeline records the per-item results and the audit row, then fails on `failure`. */
export interface InstallDone {
  items: ItemResult[];
  audit: Record<string, unknown>;
  /** The install did not reach the approved versions: the machine is rolled back. */
  failure?: StepError;
  message: string;
}

/** After verification: whether the machine must restart, and what the deployer needs to record the result. */
export interface Verified<V> {
  reboot: { needed: boolean; reasons: string[] };
  result: V;
}

/** What a restore did: the pipeline records the snapshot's state, the item results and the audit row. */
export interface Restored {
  ok: boolean;
  items: ItemResult[];
  /** Extra audit details (what is left, what was removed). */
  audit: Record<string, unknown>;
  /** Further database changes in the same transaction (updates offered again, a restart pending…). */
  record?: () => void;
  /** Lines for the machine's log, after the records are written. */
  messages: { level: 'info' | 'warn' | 'error'; text: string }[];
}

/** A repair's verdict: fine (recorded by the deployer), or why not, which rolls the machine back. */
export type RepairVerdict = { ok: true; message: string } | { ok: false; problem: string };

/**
 * One platform's way of changing a machine. `S` is its session (an SSH remote, a PowerShell runner), `P` what
 * preflight found that later steps use, `V` what verification hands to the record.
 */
export interface Deployer<S = unknown, P = unknown, V = unknown> {
  /** Registry name: debian, rpm, suse, windows, macos. */
  readonly id: string;
  /** The machines' `platform` values it deploys to. */
  readonly platforms: readonly string[];
  /** The systems it serves, in the user's words ("Debian and Ubuntu"). */
  readonly name: string;
  /** Said in the log before an automatic rollback. */
  readonly rollbackAnnouncement: string;
  /** Opens one session to the machine for `fn` (one connection per machine per step run). */
  session<T>(m: MachineContext, fn: (session: S) => Promise<T>): Promise<T>;
  /** Checks before any change; throws a StepError naming the first problem. */
  preflight(m: MachineContext, session: S): Promise<P>;
  snapshot(m: MachineContext, session: S, pre: P): Promise<SnapshotTaken>;
  install(m: MachineContext, session: S, pre: P): Promise<InstallDone>;
  /** Throws a StepError when the machine is not as approved (versions, services, health check). */
  verify(m: MachineContext, session: S, pre: P): Promise<Verified<V>>;
  /** Restarts the machine, waits for it and returns the result read again after the restart. */
  reboot(m: MachineContext, verified: Verified<V>): Promise<Verified<V>>;
  /** Writes the successful result (packages now installed, approvals deployed, restart flags). */
  record(m: MachineContext, verified: Verified<V>, rebooted: boolean): void;
  /** Puts the machine back to the snapshot and says what is left. */
  restore(m: MachineContext, session: S, snapshot: SnapshotView, meta: SnapshotMeta): Promise<Restored>;
  /** After an interruption mid-change: is the machine as approved (then records it)? */
  check(m: MachineContext, session: S, snapshotId: number | null): Promise<RepairVerdict>;
}

/** A deployer of any shape, as the registry and the job hold it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each deployer's S/P/V stay inside its own steps; the pipeline only passes them along
export type AnyDeployer = Deployer<any, any, any>;
