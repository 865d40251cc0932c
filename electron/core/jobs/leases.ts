/**
 * Exclusive access to a machine, kept in the database so it holds across processes: the app, the headless host
 * and the command line may share one data folder. A job takes a machine's lease before it touches the machine
 * and gives it back when done; a lease names its holder (a process registered in core_processes), the job and
 * what it is doing, in words the user can be shown ("deployment 12 is installing"). Holders renew their leases
 * with a heartbeat; a lease whose holder stopped renewing, or whose process is gone from this computer, is taken
 * over — that is how a crash releases a machine.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Db } from '../db/open';

/** How long a lease lasts without a renewal. */
export const LEASE_TTL_MS = 90_000;
/** How often a process renews its leases and says it is alive. */
export const HEARTBEAT_MS = 20_000;

export interface LeaseHolder {
  /** The process (core_processes.id). */
  holder: string;
  jobId: number | null;
  /** What the holder is doing with the machine, e.g. "deployment 12". */
  purpose: string;
  /**
   * For a lease this same process holds for another job: whether that job still runs here. The holder is the
   * process, so without this a second job of one process (a rollback, an assessment, a second deployment beside a
   * running deployment) would walk straight in. A job that ended without giving its lease back (its release could
   * not be written) no longer runs, and its lease is taken over. Not given: the other job is taken to be running.
   */
  jobRunning?: (jobId: number) => boolean;
}

export type LeaseResult = { ok: true } | { ok: false; purpose: string; jobId: number | null; since: number };

/** Whether a process on this computer with that pid exists (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProcessCheck {
  now(): number;
  pidAlive(pid: number): boolean;
  /** This computer's name: a pid is only meaningful on the computer that recorded it. */
  hostname: string;
}

const defaultCheck: ProcessCheck = { now: () => Date.now(), pidAlive, hostname: os.hostname() };

/** Whether a registered process still runs: it renewed within the lease time and its pid exists. */
export function processAlive(db: Db, id: string, check: ProcessCheck = defaultCheck): boolean {
  const r = db.prepare('SELECT pid, kind, heartbeat_at FROM core_processes WHERE id = ?').get(id) as { pid: number; kind: string; heartbeat_at: number } | undefined;
  if (!r) return false;
  if (check.now() - r.heartbeat_at > LEASE_TTL_MS) return false;
  // kind is "app@hostname": only a process of this computer can be checked by pid.
  const host = r.kind.split('@')[1];
  return host !== check.hostname || check.pidAlive(r.pid);
}

/** Registers this process and keeps it alive (and its leases) until stopped. */
export class ProcessRegistration {
  readonly id = crypto.randomBytes(12).toString('hex');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    kind: string,
    private readonly check: ProcessCheck = defaultCheck,
    pid = process.pid,
  ) {
    const now = check.now();
    db.prepare('INSERT INTO core_processes (id, pid, kind, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)').run(this.id, pid, `${kind}@${check.hostname}`, now, now);
    // Rows of processes long gone are of no use to anyone.
    db.prepare('DELETE FROM core_processes WHERE heartbeat_at < ?').run(now - 7 * 86_400_000);
  }

  /** Starts the heartbeat (a timer that does not keep Node alive). */
  start(intervalMs = HEARTBEAT_MS): this {
    this.timer = setInterval(() => this.timedBeat(), intervalMs);
    this.timer.unref();
    return this;
  }

  /**
   * Told after each timed beat: null when it was written, else the error. The beat runs on a timer, so an error
   * thrown from it would end the process: a full disk must not.
   */
  onBeat: ((err: unknown) => void) | null = null;

  beat(): void {
    const now = this.check.now();
    this.db.transaction(() => {
      this.db.prepare('UPDATE core_processes SET heartbeat_at = ? WHERE id = ?').run(now, this.id);
      this.db.prepare('UPDATE machine_leases SET expires_at = ? WHERE holder = ?').run(now + LEASE_TTL_MS, this.id);
    })();
  }

  private timedBeat(): void {
    let error: unknown = null;
    try {
      this.beat();
    } catch (err) {
      error = err;
    }
    if (this.onBeat) this.onBeat(error);
    else if (error !== null) throw error;
  }

  /** Stops the heartbeat and gives back every lease this process holds. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM machine_leases WHERE holder = ?').run(this.id);
      this.db.prepare('DELETE FROM core_processes WHERE id = ?').run(this.id);
    })();
  }
}

/**
 * Takes the machine's lease for `who`, or says who has it. The same job may take it again, so may a job of the
 * same process once the job that took it no longer runs (a resume after a release that could not be written), and
 * a lease whose holder is dead or lapsed is taken over.
 */
export function acquireLease(db: Db, hostId: number, who: LeaseHolder, check: ProcessCheck = defaultCheck): LeaseResult {
  return db.transaction((): LeaseResult => {
    const now = check.now();
    const row = db.prepare('SELECT holder, job_id, purpose, acquired_at, expires_at FROM machine_leases WHERE host_id = ?').get(hostId) as
      | { holder: string; job_id: number | null; purpose: string; acquired_at: number; expires_at: number }
      | undefined;
    const ownedHere = row !== undefined && row.holder === who.holder;
    const sameJob = ownedHere && row.job_id === who.jobId;
    const otherJobDone = ownedHere && row.job_id !== null && who.jobRunning !== undefined && !who.jobRunning(row.job_id);
    const held = ownedHere ? !sameJob && !otherJobDone : row !== undefined && row.expires_at > now && processAlive(db, row.holder, check);
    if (row && held) {
      return { ok: false, purpose: row.purpose, jobId: row.job_id, since: row.acquired_at };
    }
    db.prepare(
      `INSERT INTO machine_leases (host_id, holder, job_id, purpose, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (host_id) DO UPDATE SET holder = excluded.holder, job_id = excluded.job_id, purpose = excluded.purpose,
         acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
    ).run(hostId, who.holder, who.jobId, who.purpose.slice(0, 200), now, now + LEASE_TTL_MS);
    return { ok: true };
  }).immediate();
}

/** Gives the lease back, only if `holder` still has it (and, when given, still for that job). */
export function releaseLease(db: Db, hostId: number, holder: string, jobId?: number | null): void {
  if (jobId === undefined) db.prepare('DELETE FROM machine_leases WHERE host_id = ? AND holder = ?').run(hostId, holder);
  else db.prepare('DELETE FROM machine_leases WHERE host_id = ? AND holder = ? AND job_id IS ?').run(hostId, holder, jobId);
}

/** Who works on these machines now (live holders only), for refusals before a job starts. */
export function liveLeases(db: Db, hostIds: readonly number[], check: ProcessCheck = defaultCheck): Map<number, { purpose: string; jobId: number | null; holder: string }> {
  const out = new Map<number, { purpose: string; jobId: number | null; holder: string }>();
  const stmt = db.prepare('SELECT holder, job_id, purpose, expires_at FROM machine_leases WHERE host_id = ?');
  for (const id of hostIds) {
    const r = stmt.get(id) as { holder: string; job_id: number | null; purpose: string; expires_at: number } | undefined;
    if (r && r.expires_at > check.now() && processAlive(db, r.holder, check)) out.set(id, { purpose: r.purpose, jobId: r.job_id, holder: r.holder });
  }
  return out;
}

/** The message a refused or waiting job shows. */
export function busyMessage(r: Extract<LeaseResult, { ok: false }>): string {
  return `another job is working on this machine (${r.purpose}); it is left alone until that job ends`;
}
