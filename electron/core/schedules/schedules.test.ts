/**
 * Schedules through a whole core on a real SQLite file: saved, listed, removed and run with audit rows, paused,
 * caught up after a stop, a monthly report written into its folder, and a nightly assessment firing at its time
 * (injected clock) against the simulated Windows machine (real WinRM on loopback), followed by the policies.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduleInput } from '../../../shared/contract';
import { listAudit } from '../audit/audit-log';
import { closeDatabase, openDatabase } from '../db/open';
import { allowFirstContact, firstContactsNeeded } from '../machines/first-contact';
import { getHost } from '../machines/machine-queries';
import { createCore, type Core } from '../core';
import { putSetting } from '../settings';
import { SimulatedWindows, sampleUpdates } from '../platforms/windows/testing/simulated-windows';
import { WinrmTestServer } from '../winrm/testing/test-server';
import { getScheduleRecord } from './schedule-queries';
import { runDueSchedules } from './schedule-runner';
import { pauseSchedules, removeSchedule, saveSchedule, schedulesState } from './schedules';

const at = (iso: string): number => Date.parse(iso);
const clockAt = (iso: string) => ({ now: () => at(iso), zone: 'UTC' });
const nightly: ScheduleInput = { kind: 'assessment', name: 'Nightly', cron: '0 2 * * *', timezone: 'UTC', enabled: true, options: { tag: null } };

let core: Core;
let dataDir: string;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-sched-'));
  core = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false });
});

afterEach(async () => {
  await core.close();
});

const audit = () => listAudit(core.services.db, { limit: 100 }).reverse();

describe('managing schedules', () => {
  it('saves, lists with words and next runs, edits and removes, each audited', async () => {
    let state = await core.call('schedules/save', { ...nightly, cron: '30 1 * * 1-5' });
    expect(state.schedules).toHaveLength(1);
    const [s] = state.schedules;
    expect(s).toMatchObject({ name: 'Nightly', description: 'Every weekday (Monday to Friday) at 01:30', zone: 'UTC', lastOutcome: null });
    expect(s!.nextRuns).toHaveLength(3);
    for (const t of s!.nextRuns) expect(new Date(t).getUTCHours() * 60 + new Date(t).getUTCMinutes()).toBe(90);

    state = await core.call('schedules/save', { ...nightly, id: s!.id, enabled: false });
    expect(state.schedules[0]).toMatchObject({ enabled: false, nextRuns: [] });
    state = await core.call('schedules/delete', { id: s!.id });
    expect(state.schedules).toEqual([]);

    expect(audit().filter((a) => a.action.startsWith('schedule')).map((a) => [a.actor, a.action, a.targetId])).toEqual([
      ['user', 'schedule.create', String(s!.id)],
      ['user', 'schedule.update', String(s!.id)],
      ['user', 'schedule.delete', String(s!.id)],
    ]);
  });

  it('refuses a bad expression, an unknown zone, and a report without a usable folder', async () => {
    await expect(core.call('schedules/save', { ...nightly, cron: '0 2 * *' })).rejects.toThrow(/five fields/);
    await expect(core.call('schedules/save', { ...nightly, timezone: 'Mars/Olympus' })).rejects.toThrow(/Unknown time zone/);
    await expect(core.call('schedules/save', { ...nightly, kind: 'report', options: {} })).rejects.toThrow(/folder/);
    await expect(core.call('schedules/save', { ...nightly, kind: 'report', options: { folder: 'relative/dir' } })).rejects.toThrow(/absolute/);
    await expect(core.call('schedules/save', { ...nightly, id: 999 })).rejects.toThrow(/No schedule 999/);
    expect((await core.call('schedules/list')).schedules).toEqual([]);
  });

  it('a feed refresh is skipped, and says why, while downloads are off', async () => {
    const { schedules } = await core.call('schedules/save', { ...nightly, kind: 'feeds', name: 'Feeds' });
    expect(await core.call('schedules/run-now', { id: schedules[0]!.id })).toEqual({ jobId: null, message: expect.stringMatching(/Downloading feeds is off/) });
    expect((await core.call('schedules/list')).schedules[0]).toMatchObject({ lastOutcome: 'skipped' });
    const run = audit().find((a) => a.action === 'schedule.run');
    expect(run).toMatchObject({ actor: 'user', targetType: 'schedule', details: expect.objectContaining({ kind: 'feeds', outcome: 'skipped' }) });
  });
});

describe('running on time', () => {
  it('pausing all schedules skips what falls due, and resuming does not catch it up', () => {
    const s = core.services;
    const id = saveSchedule(s, nightly, at('2026-03-01T12:00:00Z')).schedules[0]!.id;
    expect(schedulesState(s, at('2026-03-01T12:00:00Z'), { zone: "UTC" }).schedules).toHaveLength(1);
    expect(pauseSchedules(s, true, at('2026-03-01T13:00:00Z')).paused).toBe(true);
    expect(runDueSchedules(s, clockAt('2026-03-02T02:00:10Z'))).toEqual([]);
    expect(getScheduleRecord(s.db, id)).toMatchObject({ lastOutcome: 'skipped', lastMessage: expect.stringMatching(/paused/) });
    pauseSchedules(s, false, at('2026-03-02T08:00:00Z'));
    expect(runDueSchedules(s, clockAt('2026-03-02T08:00:10Z'))).toEqual([]);
    expect(audit().map((a) => a.action)).toEqual(expect.arrayContaining(['schedules.pause', 'schedules.resume']));
  });

  it('a monthly report is written on the 1st at its time, covering the month before, into its folder', async () => {
    const s = core.services;
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-sched-out-'));
    const id = saveSchedule(s, { kind: 'report', name: 'Monthly report', cron: '0 6 1 * *', timezone: 'UTC', enabled: true, options: { folder: out } }, at('2026-01-15T10:00:00Z')).schedules[0]!.id;
    expect(runDueSchedules(s, clockAt('2026-02-01T05:59:00Z'))).toEqual([]);
    const jobs = runDueSchedules(s, clockAt('2026-02-01T06:00:20Z'));
    expect(jobs).toHaveLength(1);
    expect(runDueSchedules(s, clockAt('2026-02-01T06:01:20Z'))).toEqual([]);
    await s.jobs.idle();
    const [dir] = fs.readdirSync(out);
    expect(fs.readdirSync(path.join(out, dir!))).toEqual(expect.arrayContaining(['report.html', 'data.json', 'machines.csv', 'manifest.json']));
    const manifest = JSON.parse(fs.readFileSync(path.join(out, dir!, 'manifest.json'), 'utf8')) as { period: { from: number; to: number } };
    expect(manifest.period).toEqual({ from: at('2026-01-01T06:00:00Z'), to: at('2026-02-01T06:00:20Z') });
    expect(getScheduleRecord(s.db, id)).toMatchObject({ lastJobId: jobs[0], lastOutcome: expect.stringMatching(/succeeded|partial/) });
    expect(audit().filter((a) => a.action === 'schedule.run' || a.action === 'report.scheduled').map((a) => [a.actor, a.action])).toEqual([
      ['system', 'schedule.run'],
      ['system', 'report.scheduled'],
    ]);
    // A whole core and a report: several seconds on a loaded 2-core machine.
  }, 60_000);

  it('runs missed while Patchwell was stopped are caught up once at start, and say so', () => {
    const s = core.services;
    // No machines: the run is recorded (skipped, saying why) without a job, which is all this test needs.
    const id = saveSchedule(s, nightly, at('2026-03-01T10:00:00Z')).schedules[0]!.id;
    expect(runDueSchedules(s, clockAt('2026-03-05T09:30:00Z'))).toEqual([]);
    expect(getScheduleRecord(s.db, id)).toMatchObject({
      lastRunAt: at('2026-03-05T09:30:00Z'),
      lastOutcome: 'skipped',
      lastMessage: 'No machines to assess. Caught up: due 2 Mar 2026, 02:00 (and 3 more times since) while Patchwell was not running; run once now',
    });
    expect(audit().filter((a) => a.action === 'schedule.run')).toHaveLength(1);
    expect(runDueSchedules(s, clockAt('2026-03-05T09:31:00Z'))).toEqual([]);
    expect(audit().filter((a) => a.action === 'schedule.run')).toHaveLength(1);
  });
});

describe('a nightly assessment', () => {
  let server: WinrmTestServer;
  afterEach(async () => {
    await server.close();
  });

  it('fires at 02:00 on the injected clock, assesses the tagged machines only, and the policies follow', async () => {
    const win = new SimulatedWindows();
    win.pending = sampleUpdates();
    server = new WinrmTestServer({ username: 'patchwell', password: 'S3cret-pass!', domain: 'OFFICE' }, win.onCommand);
    const port = await server.listen();
    await core.call('credentials/create', { name: 'Office admin', username: 'OFFICE\\patchwell', password: 'S3cret-pass!', appliesToAll: true });
    const office = (await core.call('machines/create', { address: '127.0.0.1', transport: 'winrm', winrmPort: port, osFamily: 'windows', tags: ['office'] })).id;
    await core.call('machines/create', { address: '127.0.0.2', tags: ['lab'] });
    await core.call('policies/save-rule', { name: 'Everything', mode: 'auto', approveKev: false, approveBand: null, approveScore: null, afterDays: 0, securityOnly: false });
    const s = core.services;
    saveSchedule(s, { ...nightly, options: { tag: 'office' } }, at('2026-03-01T12:00:00Z'));

    expect(runDueSchedules(s, clockAt('2026-03-02T01:59:00Z'))).toEqual([]);
    // Nobody is there at 2 am to allow a first contact: the machine never contacted waits, and the run says why.
    expect(runDueSchedules(s, clockAt('2026-03-02T02:00:05Z'))).toEqual([]);
    expect((await core.call('schedules/list')).schedules[0]).toMatchObject({ lastOutcome: 'skipped', lastMessage: expect.stringMatching(/1 machine never contacted left out/) });
    // The user assesses it once by hand, allowing the first contact; from the next night on the schedule reaches it.
    allowFirstContact(s.db, firstContactsNeeded([getHost(s.db, office)!], (h) => s.vault.resolveFor(h)));
    const [jobId] = runDueSchedules(s, clockAt('2026-03-03T02:00:05Z'));
    expect(jobId).toBeDefined();
    await s.jobs.idle();
    const job = await core.call('jobs/get', { id: jobId! });
    expect(job).toMatchObject({ kind: 'assess', state: 'succeeded' });
    expect(job.targets.map((t) => t.hostId)).toEqual([office]);
    // The policy evaluation the assessment triggers runs on the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    const updates = await core.call('machines/updates', { id: office });
    expect(updates.length).toBeGreaterThan(0);
    expect(audit().some((a) => a.action === 'patch.approve' && a.actor === 'policy:Everything')).toBe(true);
    expect((await core.call('schedules/list')).schedules[0]).toMatchObject({ lastJobId: jobId, lastOutcome: 'succeeded' });
  }, 60_000);
});

describe('a daily feed refresh', () => {
  it('downloads through the feed download call once allowed, and records how it went', async () => {
    const epss = gzipSync('#model_version:v2025.03.14,score_date:2026-03-02T12:55:00Z\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99961\n');
    const server = http.createServer((req, res) => (req.url === '/epss.csv.gz' ? res.writeHead(200).end(epss) : res.writeHead(404).end('no')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const feeds = createCore({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-sched-feeds-')), runtime: 'browser', checkResults: true, scheduler: false,
      feedSources: [{ id: 'epss', label: 'EPSS', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/epss.csv.gz` }],
    });
    try {
      const s = feeds.services;
      const id = saveSchedule(s, { ...nightly, kind: 'feeds', name: 'Feeds', cron: '30 0 * * *' }, at('2026-03-01T12:00:00Z')).schedules[0]!.id;
      expect(runDueSchedules(s, clockAt('2026-03-02T00:30:05Z'))).toEqual([]);
      expect(getScheduleRecord(s.db, id)).toMatchObject({ lastOutcome: 'skipped', lastMessage: expect.stringMatching(/Downloading feeds is off/) });

      await feeds.call('feeds/set-download', { allowed: true });
      runDueSchedules(s, clockAt('2026-03-03T00:30:05Z'));
      await expect.poll(() => getScheduleRecord(s.db, id)?.lastOutcome).toBe('succeeded');
      // The refresh is a job of its own (feed-refresh.ts); the schedule's outcome is that job's.
      const jobId = getScheduleRecord(s.db, id)!.lastJobId!;
      expect(await feeds.call('jobs/get', { id: jobId })).toMatchObject({ kind: 'feeds', state: 'succeeded' });
      expect((await feeds.call('feeds/list')).find((f) => f.kind === 'epss')).toMatchObject({ recordCount: 1 });
      expect(listAudit(s.db, { limit: 50 }).map((a) => a.action)).toEqual(expect.arrayContaining(['schedule.run', 'feed.import']));
    } finally {
      await feeds.close();
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});

describe('allowing feed downloads', () => {
  it('adds a daily feed refresh once, an ordinary schedule the user can change', async () => {
    const c = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-sched-allow-')), runtime: 'browser', checkResults: true, scheduler: false });
    try {
      expect((await c.call('schedules/list')).schedules).toEqual([]);
      await c.call('feeds/set-download', { allowed: true });
      await c.call('feeds/set-download', { allowed: false });
      await c.call('feeds/set-download', { allowed: true });
      const feeds = (await c.call('schedules/list')).schedules.filter((x) => x.kind === 'feeds');
      expect(feeds).toHaveLength(1);
      expect(feeds[0]).toMatchObject({ name: 'Daily feed refresh', enabled: true, description: expect.stringMatching(/05:30/) });
    } finally {
      await c.close();
    }
  });
});

describe('migrating the old report schedules', () => {
  it('moves each into the table, monthly becoming the 1st of the month at 06:00, keeping its last run', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-mig-')), 'old.db');
    const old = openDatabase(file, { upTo: 12 });
    putSetting(old, 'reportSchedules', [
      { id: 'a1', every: 'monthly', folder: '/srv/reports', lastRunAt: 1_700_000_000_000 },
      { id: 'b2', every: 'weekly', folder: '/srv/weekly', lastRunAt: null },
      { id: 'c3', every: 'daily', folder: '/srv/daily', lastRunAt: 5 },
    ], 42);
    closeDatabase(old);
    const db = openDatabase(file);
    const rows = db.prepare('SELECT kind, name, cron, options, last_run_at, created_at FROM schedules ORDER BY id').all();
    expect(rows).toEqual([
      { kind: 'report', name: 'Monthly report', cron: '0 6 1 * *', options: '{"folder":"/srv/reports"}', last_run_at: 1_700_000_000_000, created_at: 42 },
      { kind: 'report', name: 'Weekly report', cron: '0 6 * * 1', options: '{"folder":"/srv/weekly"}', last_run_at: null, created_at: 42 },
      { kind: 'report', name: 'Daily report', cron: '0 6 * * *', options: '{"folder":"/srv/daily"}', last_run_at: 5, created_at: 42 },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM settings WHERE key = 'reportSchedules'").get()).toEqual({ n: 0 });
    closeDatabase(db);
  });
});

// Kept last: removeSchedule on an unknown id is a not-found, not a silent success.
describe('removing', () => {
  it('an unknown schedule is not found', () => {
    expect(() => removeSchedule(core.services, 12345, 0)).toThrow(/No schedule 12345/);
  });
});
