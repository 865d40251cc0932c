/**
 * Runs long operations as durable jobs. State lives in the database so a restart can tell what happened;
 * progress is counts, written and pushed at most every `throttleMs` per job, while state and step changes
 * are written at once so a crash loses none of them.
 */
import { setMaxListeners } from 'node:events';
import type { Job, JobKind, JobLogLine, JobTarget, LogLevel, RemoteFailure } from '../../../shared/contract';
import { AppError } from '../../../shared/contract';
import type { Db } from '../db/open';
import { isStorageFull, type StorageMonitor } from '../db/storage';
import type { EventSink } from '../event-bus';
import { getJob, insertJob, insertLogLine, interruptJob, listTargets, updateJob, upsertTarget } from './job-queries';

export interface TargetPatch {
  hostId?: number | null;
  state?: JobTarget['state'];
  step?: string | null;
  current?: number;
  total?: number;
  failure?: RemoteFailure | null;
}

export interface JobContext {
  readonly jobId: number;
  readonly signal: AbortSignal;
  /** Sets the overall counts; either may be omitted to keep its value. */
  progress(current: number, total?: number): void;
  /** Replaces the job's one-line summary while it runs, e.g. "12 found so far". */
  summary(text: string): void;
  /** Creates or changes one target's row (its state, step, counts or failure). */
  target(target: string, patch: TargetPatch): void;
  log(level: LogLevel, message: string, target?: string | null): void;
}

export interface JobOutcome {
  state: 'succeeded' | 'partial' | 'failed';
  summary: string;
}

export type JobHandler = (ctx: JobContext) => Promise<JobOutcome>;

interface Live {
  job: Job;
  targets: Map<string, JobTarget>;
  controller: AbortController;
  dirty: boolean;
  timer: NodeJS.Timeout | null;
  lastFlush: number;
  pendingLog: JobLogLine[];
  done: Promise<void>;
  /** A write of this job's failed for want of space: its record stops there; the rest lives in memory. */
  lost: boolean;
}

export interface JobRunnerOptions {
  /** Notes a full data folder; without it, a failed write throws as any error. */
  storage?: StorageMonitor;
  /** Called once there is room again for a job whose record was cut short (after it was marked interrupted). */
  onRecordLost?: (jobId: number, now: number) => void;
}

export class JobRunner {
  private readonly live = new Map<number, Live>();
  /** Log lines kept only in memory (no room to write them) get negative ids. */
  private memoryLines = 0;

  constructor(
    private readonly db: Db,
    private readonly events: EventSink,
    private readonly throttleMs = 200,
    /** The process that runs these jobs (core_processes.id), recorded on each. */
    private readonly owner: string | null = null,
    private readonly options: JobRunnerOptions = {},
  ) {}

  /** Creates the job row and starts the handler on the next tick; returns the job id at once. */
  start(kind: JobKind, title: string, args: unknown, handler: JobHandler): number {
    const storage = this.options.storage;
    if (storage?.full) throw new AppError('unavailable', storage.status.message);
    let id: number;
    try {
      id = insertJob(this.db, kind, title, args, Date.now(), this.owner);
    } catch (err) {
      if (!storage || !isStorageFull(err)) throw err;
      storage.noteFull(err);
      throw new AppError('unavailable', storage.status.message);
    }
    const job = getJob(this.db, id)!;
    const entry: Live = {
      job,
      targets: new Map(),
      controller: new AbortController(),
      dirty: false,
      timer: null,
      lastFlush: 0,
      pendingLog: [],
      done: Promise.resolve(),
      lost: false,
    };
    // Every probe or command of a job listens for its abort; hundreds at once are expected, not a leak.
    setMaxListeners(0, entry.controller.signal);
    this.live.set(id, entry);
    entry.done = this.run(entry, handler);
    return id;
  }

  cancel(id: number, why = 'Cancelled by the user'): void {
    const entry = this.live.get(id);
    if (!entry) {
      const job = getJob(this.db, id);
      if (!job) throw new AppError('not-found', `No job ${id}`);
      return; // already finished: cancelling is a no-op
    }
    if (!entry.controller.signal.aborted) {
      this.log(entry, 'warn', why, null);
      entry.controller.abort(new AppError('cancelled', why));
    }
  }

  isRunning(id: number): boolean {
    return this.live.has(id);
  }

  /** Resolves when every running job has finished (used at shutdown and in tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.live.values()].map((e) => e.done));
  }

  /** True once stopAll began: a job can tell the process stopping from a user's cancel (a deployment waits on). */
  get stopping(): boolean {
    return this.isStopping;
  }

  private isStopping = false;

  /** Cancels everything and waits; the jobs end as cancelled rather than interrupted. */
  async stopAll(): Promise<void> {
    this.isStopping = true;
    for (const id of this.live.keys()) this.cancel(id, 'Patchwell is stopping');
    await this.idle();
  }

  private async run(entry: Live, handler: JobHandler): Promise<void> {
    await Promise.resolve();
    const { job } = entry;
    job.state = 'running';
    job.startedAt = Date.now();
    this.write(entry, () => updateJob(this.db, job.id, { state: 'running', startedAt: job.startedAt }));
    this.flush(entry);
    const ctx = this.context(entry);
    let outcome: JobOutcome;
    let error: string | null = null;
    try {
      outcome = await handler(ctx);
      if (entry.controller.signal.aborted) outcome = { state: 'failed', summary: outcome.summary };
    } catch (err) {
      outcome = { state: 'failed', summary: '' };
      if (!entry.controller.signal.aborted) {
        error = err instanceof Error ? err.message : String(err);
        this.log(entry, 'error', error, null);
      }
    }
    const cancelled = entry.controller.signal.aborted;
    job.state = cancelled ? 'cancelled' : outcome.state;
    job.summary = outcome.summary || job.summary;
    job.error = error;
    job.finishedAt = Date.now();
    for (const t of entry.targets.values()) {
      if (t.state === 'pending' || t.state === 'running') {
        t.state = cancelled ? 'cancelled' : 'skipped';
        t.updatedAt = job.finishedAt;
        this.write(entry, () => upsertTarget(this.db, job.id, t));
      }
    }
    this.write(entry, () =>
      updateJob(this.db, job.id, {
        state: job.state,
        current: job.current,
        total: job.total,
        summary: job.summary,
        error,
        finishedAt: job.finishedAt,
      }),
    );
    this.flush(entry);
    this.live.delete(job.id);
    if (entry.lost || this.options.storage?.full) this.recordLost(entry);
  }

  /**
   * The job's record stopped when the disk filled: once there is room, it is marked interrupted as after a crash
   * (each machine keeping the step its record reached), so Resume and Repair take over from what is known.
   */
  private recordLost(entry: Live): void {
    const { job } = entry;
    this.options.storage?.onRecovered((now) => {
      interruptJob(this.db, job.id, "Patchwell's data folder was full while this job ran, so its record stops early", now);
      this.options.onRecordLost?.(job.id, now);
      const after = getJob(this.db, job.id);
      if (after) this.events.emit('job/updated', { job: after, targets: listTargets(this.db, job.id) });
    });
  }

  /** A write of the job's record; on a full disk it is noted and the job goes on in memory. */
  private write(entry: Live, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const storage = this.options.storage;
      if (!storage || !isStorageFull(err)) throw err;
      storage.noteFull(err);
      entry.lost = true;
    }
  }

  private context(entry: Live): JobContext {
    return {
      jobId: entry.job.id,
      signal: entry.controller.signal,
      progress: (current, total) => {
        entry.job.current = current;
        if (total !== undefined) entry.job.total = total;
        this.schedule(entry);
      },
      summary: (text) => {
        entry.job.summary = text;
        this.schedule(entry);
      },
      target: (key, patch) => {
        const prev = entry.targets.get(key);
        const next: JobTarget = {
          target: key,
          hostId: patch.hostId !== undefined ? patch.hostId : (prev?.hostId ?? null),
          state: patch.state ?? prev?.state ?? 'pending',
          step: patch.step !== undefined ? patch.step : (prev?.step ?? null),
          current: patch.current ?? prev?.current ?? 0,
          total: patch.total ?? prev?.total ?? 0,
          failure: patch.failure !== undefined ? patch.failure : (prev?.failure ?? null),
          updatedAt: Date.now(),
        };
        entry.targets.set(key, next);
        // A new state or step is written now: after a crash it tells the user where each machine stopped.
        const durable = !prev || prev.state !== next.state || prev.step !== next.step || patch.failure !== undefined;
        if (durable) this.write(entry, () => upsertTarget(this.db, entry.job.id, next));
        else entry.dirty = true;
        this.schedule(entry);
      },
      log: (level, message, target) => this.log(entry, level, message, target ?? null),
    };
  }

  private log(entry: Live, level: LogLevel, message: string, target: string | null): void {
    const text = message.slice(0, 8000);
    let line: JobLogLine = { id: -++this.memoryLines, jobId: entry.job.id, ts: Date.now(), level, target, message: text };
    this.write(entry, () => {
      line = insertLogLine(this.db, entry.job.id, level, text, target);
    });
    entry.pendingLog.push(line);
    this.schedule(entry);
  }

  private schedule(entry: Live): void {
    entry.dirty = true;
    if (entry.timer) return;
    const wait = Math.max(0, entry.lastFlush + this.throttleMs - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      this.flush(entry);
    }, wait);
  }

  private flush(entry: Live): void {
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = null;
    }
    entry.lastFlush = Date.now();
    entry.dirty = false;
    const { job } = entry;
    this.write(entry, () => {
      updateJob(this.db, job.id, { current: job.current, total: job.total, summary: job.summary });
      for (const t of entry.targets.values()) upsertTarget(this.db, job.id, t);
    });
    // What the job knows, from memory when its record could not keep up.
    const targets = entry.lost ? [...entry.targets.values()] : listTargets(this.db, job.id);
    this.events.emit('job/updated', { job: { ...job }, targets });
    if (entry.pendingLog.length > 0) {
      this.events.emit('job/log', { lines: entry.pendingLog });
      entry.pendingLog = [];
    }
  }
}
