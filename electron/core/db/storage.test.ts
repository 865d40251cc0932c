/**
 * A full data folder, made real with SQLite's own limit (max_page_count: writes that need a new page fail with
 * SQLITE_FULL, "database or disk is full", exactly as on a full disk), and room given back by raising it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../shared/contract';
import { appendAudit, listAudit, verifyAudit } from '../audit/audit-log';
import { EventBus } from '../event-bus';
import { JobRunner } from '../jobs/job-runner';
import { getJob, listLogLines } from '../jobs/job-queries';
import { handleUncaught } from '../process-guard';
import { openDatabase, type Db } from './open';
import { isStorageFull, StorageMonitor } from './storage';

function setup(): { db: Db; events: EventBus; seen: EventEnvelope[]; storage: StorageMonitor; runner: JobRunner } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-full-'));
  const db = openDatabase(path.join(dir, 'p.db'));
  const events = new EventBus();
  const seen: EventEnvelope[] = [];
  events.subscribe((e) => seen.push(e));
  const storage = new StorageMonitor(db, events, dir);
  return { db, events, seen, storage, runner: new JobRunner(db, events, 0, null, { storage }) };
}

/** No new page may be written from now on: what fits in the pages there are still fits, the rest is refused. */
const fill = (db: Db): void => void db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
const makeRoom = (db: Db): void => void db.pragma('max_page_count = 1073741823');
const bulk = 'x'.repeat(3000);

describe('a full data folder', () => {
  it('tells a full disk from other errors', () => {
    expect(isStorageFull(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBe(false);
    expect(isStorageFull('full')).toBe(false);
  });

  it('keeps audit entries in memory, in order, and appends them with their times once there is room; the chain stays whole', () => {
    const { db, storage, seen } = setup();
    appendAudit(db, { actor: 'user', action: 'before', details: { n: 0 } }, 1_000);
    fill(db);
    for (let i = 1; i <= 40; i++) storage.audit({ actor: 'system', action: 'deploy.rollback', targetType: 'host', targetId: 1, details: { n: i, pad: bulk } });
    expect(storage.full).toBe(true);
    expect(storage.waiting).toBeGreaterThan(0);
    expect(seen.filter((e) => e.name === 'core/storage').map((e) => (e.payload as { state: string }).state)).toEqual(['full']);
    // Still no room: nothing is lost and nothing half-written.
    expect(storage.check().state).toBe('full');
    expect(verifyAudit(db).ok).toBe(true);
    makeRoom(db);
    expect(storage.check().state).toBe('ok');
    expect(storage.waiting).toBe(0);
    const rows = listAudit(db, { limit: 100 }).reverse();
    expect(rows.map((r) => (r.details as { n: number }).n)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(rows.slice(1).some((r) => (r.details as { recordedLate?: boolean }).recordedLate === true)).toBe(true);
    expect(verifyAudit(db).ok).toBe(true);
    expect(seen.filter((e) => e.name === 'core/storage').map((e) => (e.payload as { state: string }).state)).toEqual(['full', 'ok']);
  });

  it('a job goes on in memory when its record cannot be written, no new job starts, and once there is room it is marked interrupted', async () => {
    const { db, storage, runner, seen } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let filled!: () => void;
    const full = new Promise<void>((r) => (filled = r));
    const id = runner.start('deploy', 'fills the disk', {}, async (ctx) => {
      ctx.target('127.0.0.9', { state: 'running', step: 'install' });
      fill(db);
      for (let i = 0; i < 50; i++) ctx.log('info', `line ${i} ${bulk}`, '127.0.0.9');
      ctx.target('127.0.0.9', { state: 'failed', step: 'rollback' });
      filled();
      await gate;
      return { state: 'failed', summary: 'rolled back' };
    });
    await full;
    expect(storage.full).toBe(true);
    expect(() => runner.start('assess', 'another', {}, async () => ({ state: 'succeeded', summary: '' }))).toThrow(/data folder .* is full/);
    release();
    await runner.idle();
    // The user saw every line (some only in memory, with negative ids) and the target's last state.
    const lines = seen.filter((e) => e.name === 'job/log').flatMap((e) => (e.payload as { lines: { id: number; message: string }[] }).lines);
    expect(lines.filter((l) => l.message.startsWith('line '))).toHaveLength(50);
    expect(lines.some((l) => l.id < 0)).toBe(true);
    const last = seen.filter((e) => e.name === 'job/updated').at(-1)!.payload as { job: { state: string }; targets: { state: string; step: string }[] };
    expect(last.job.state).toBe('failed');
    expect(last.targets[0]).toMatchObject({ state: 'failed', step: 'rollback' });
    // Lines that did not fit are missing from its record until it is settled.
    expect(listLogLines(db, id, 0).filter((l) => l.message.startsWith('line ')).length).toBeLessThan(50);
    makeRoom(db);
    expect(storage.check().state).toBe('ok');
    const after = getJob(db, id)!;
    expect(after.state).toBe('interrupted');
    expect(after.error).toMatch(/data folder was full/);
    expect(listLogLines(db, id, 0).at(-1)!.message).toMatch(/data folder was full.*each machine keeps the step/);
    expect(runner.start('assess', 'now it starts', {}, async () => ({ state: 'succeeded', summary: '' }))).toBeGreaterThan(id);
    await runner.idle();
  });

  it('the process guard lives through a full disk and ends the process on anything else', () => {
    const { storage } = setup();
    const exits: number[] = [];
    const target = { storage: () => storage, log: () => undefined, exit: (c: number) => void exits.push(c) };
    expect(handleUncaught(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), target)).toBe('noted');
    expect(storage.full).toBe(true);
    expect(exits).toEqual([]);
    expect(handleUncaught(new TypeError('x is undefined'), target)).toBe('exited');
    expect(exits).toEqual([70]);
  });
});
