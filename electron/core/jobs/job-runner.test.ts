import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../shared/contract';
import { openDatabase } from '../db/open';
import { EventBus } from '../event-bus';
import { getJobDetail, listLogLines, markInterrupted } from './job-queries';
import { JobRunner } from './job-runner';

function setup(throttleMs = 50) {
  const db = openDatabase(':memory:');
  const bus = new EventBus();
  const seen: EventEnvelope[] = [];
  bus.subscribe((e) => seen.push(e));
  return { db, bus, seen, runner: new JobRunner(db, bus, throttleMs) };
}

describe('JobRunner', () => {
  it('runs a job through its lifecycle, recording targets, counts and log lines', async () => {
    const { db, runner, seen } = setup();
    const id = runner.start('check', 'Check 2 machines', { ids: [1, 2] }, async (ctx) => {
      ctx.progress(0, 2);
      ctx.target('a', { state: 'running', step: 'connect' });
      ctx.target('a', { state: 'succeeded', step: 'done' });
      ctx.progress(1);
      ctx.target('b', { state: 'failed', step: 'connect', failure: { command: 'true', exitCode: 1, stderrTail: 'boom', message: 'failed' } });
      ctx.log('warn', 'b did not answer', 'b');
      ctx.progress(2);
      return { state: 'partial', summary: '1 of 2' };
    });
    expect(getJobDetail(db, id)!.state).toBe('queued');
    await runner.idle();
    const job = getJobDetail(db, id)!;
    expect(job).toMatchObject({ state: 'partial', current: 2, total: 2, summary: '1 of 2', args: { ids: [1, 2] } });
    expect(job.startedAt).not.toBeNull();
    expect(job.finishedAt).not.toBeNull();
    expect(job.targets.map((t) => [t.target, t.state, t.step])).toEqual([
      ['a', 'succeeded', 'done'],
      ['b', 'failed', 'connect'],
    ]);
    expect(job.targets[1]!.failure).toEqual({ command: 'true', exitCode: 1, stderrTail: 'boom', message: 'failed' });
    expect(listLogLines(db, id, 0).map((l) => l.message)).toEqual(['b did not answer']);
    const updates = seen.filter((e) => e.name === 'job/updated');
    expect(updates.at(-1)).toMatchObject({ payload: { job: { id, state: 'partial' } } });
    expect(seen.some((e) => e.name === 'job/log')).toBe(true);
  });

  it('throttles progress events to at most one per interval', async () => {
    const { runner, seen } = setup(100);
    runner.start('check', 'many', null, async (ctx) => {
      for (let i = 0; i <= 10_000; i++) ctx.progress(i, 10_000);
      await new Promise((r) => setTimeout(r, 250));
      return { state: 'succeeded', summary: '' };
    });
    await runner.idle();
    const updates = seen.filter((e) => e.name === 'job/updated');
    // start, one throttled flush of the burst, and the final state: nowhere near 10,000.
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBeLessThan(10);
    expect(updates.at(-1)).toMatchObject({ payload: { job: { current: 10_000, state: 'succeeded' } } });
  });

  it('cancels: the handler sees the abort and the job ends cancelled with pending targets cancelled', async () => {
    const { db, runner } = setup();
    const id = runner.start('check', 'slow', null, async (ctx) => {
      ctx.target('x', { state: 'pending' });
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      return { state: 'succeeded', summary: '' };
    });
    await new Promise((r) => setTimeout(r, 10));
    runner.cancel(id);
    await runner.idle();
    const job = getJobDetail(db, id)!;
    expect(job.state).toBe('cancelled');
    expect(job.targets[0]!.state).toBe('cancelled');
  });

  it('records a thrown error as a failed job with the message in its log', async () => {
    const { db, runner } = setup();
    const id = runner.start('check', 'bad', null, async () => {
      throw new Error('no route to host');
    });
    await runner.idle();
    expect(getJobDetail(db, id)).toMatchObject({ state: 'failed', error: 'no route to host' });
    expect(listLogLines(db, id, 0)[0]).toMatchObject({ level: 'error', message: 'no route to host' });
  });

  it('marks jobs left running by a dead process as interrupted, keeping each target step', async () => {
    const { db, runner } = setup();
    runner.start('deploy', 'never finishes', null, async (ctx) => {
      ctx.target('h1', { state: 'succeeded', step: 'verify' });
      ctx.target('h2', { state: 'running', step: 'install' });
      ctx.target('h3', { state: 'pending' });
      return new Promise(() => undefined); // the process "dies" here
    });
    await new Promise((r) => setTimeout(r, 20));
    // A new process opens the same database.
    const ids = markInterrupted(db);
    expect(ids).toHaveLength(1);
    const job = getJobDetail(db, ids[0]!)!;
    expect(job.state).toBe('interrupted');
    expect(job.targets.map((t) => [t.target, t.state, t.step])).toEqual([
      ['h1', 'succeeded', 'verify'],
      ['h2', 'interrupted', 'install'],
      ['h3', 'interrupted', null],
    ]);
    expect(markInterrupted(db)).toEqual([]);
  });
});
