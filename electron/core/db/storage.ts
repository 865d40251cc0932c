/**
 * A full disk under the data folder. SQLite refuses every write (SQLITE_FULL) while reads go on working, so the
 * core stays up: jobs keep their state in memory and say what they could not record, no new job starts, and the
 * audit entries of changes made to machines meanwhile wait in memory, in order, to be appended once there is
 * room again (the chain is never written half). When a write succeeds again (the heartbeat tries every 20 s, the
 * user can ask at once), the waiting audit entries are appended and the jobs that lost their records are marked
 * interrupted, exactly as after a crash, so Resume and Repair take over.
 */
import type { StorageState } from '../../../shared/contract';
import { appendAudit, type AuditInput } from '../audit/audit-log';
import type { EventSink } from '../event-bus';
import type { Db } from './open';

export function isStorageFull(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'SQLITE_IOERR_WRITE' || /database or disk is full|no space left on device/i.test(String((err as Error).message));
}


const OK: StorageState = { state: 'ok', since: null, message: 'The data folder has room' };

export class StorageMonitor {
  private current: StorageState = OK;
  private readonly waitingAudit: { input: AuditInput; at: number }[] = [];
  private readonly recoveries: ((now: number) => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly events: EventSink,
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  get status(): StorageState {
    return this.current;
  }

  get full(): boolean {
    return this.current.state === 'full';
  }

  /** Notes that a write failed for want of space (idempotent). */
  noteFull(err: unknown): void {
    if (this.full) return;
    const reason = err instanceof Error ? err.message : String(err);
    this.current = {
      state: 'full',
      since: this.now(),
      message: `Patchwell's data folder (${this.dataDir}) is full (${reason}). Machines being changed are rolled back and no new job starts; free some space there, then choose Check again.`,
    };
    this.events.emit('core/storage', this.current);
  }

  /**
   * Runs a write. On a full disk it notes it and returns `fallback` instead of throwing, so bookkeeping never
   * stops the work that keeps a machine safe (a rollback). Any other error is thrown.
   */
  write<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      this.noteFull(err);
      return fallback;
    }
  }

  /** Appends an audit entry, or keeps it (with its time) until there is room; order is kept either way. */
  audit(input: AuditInput): void {
    const at = this.now();
    if (this.waitingAudit.length === 0) {
      try {
        appendAudit(this.db, input, at);
        return;
      } catch (err) {
        if (!isStorageFull(err)) throw err;
        this.noteFull(err);
      }
    }
    this.waitingAudit.push({ input, at });
  }

  /** Audit entries waiting for room. */
  get waiting(): number {
    return this.waitingAudit.length;
  }

  /** Runs `fn` once, when there is room again (for a job whose records stopped). */
  onRecovered(fn: (now: number) => void): void {
    this.recoveries.push(fn);
    // Room may have come back already (the heartbeat found it while the job still ran): then now.
    if (!this.full) this.check();
  }

  /**
   * Tries to write: appends the waiting audit entries and runs the recoveries. Returns the state after; stays full
   * (nothing lost) when there is still no room.
   */
  check(): StorageState {
    if (!this.full && this.waitingAudit.length === 0 && this.recoveries.length === 0) return this.current;
    try {
      this.db.transaction(() => {
        for (const w of this.waitingAudit) appendAudit(this.db, { ...w.input, details: late(w.input.details) }, w.at);
      })();
      this.waitingAudit.length = 0;
      const now = this.now();
      // One at a time, so one that meets a full disk again stays for the next check.
      while (this.recoveries.length > 0) {
        this.recoveries[0]!(now);
        this.recoveries.shift();
      }
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      this.noteFull(err);
      return this.current;
    }
    this.current = OK;
    this.events.emit('core/storage', this.current);
    return this.current;
  }
}

/** Marks an audit entry appended after its time (it keeps that time; `recordedLate` says it waited for room). */
function late(details: unknown): unknown {
  return details && typeof details === 'object' && !Array.isArray(details) ? { ...details, recordedLate: true } : { value: details ?? null, recordedLate: true };
}
