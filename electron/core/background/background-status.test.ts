/** The tray's view of the work in hand, from real rows: a deployment waiting for its window, one running, settings. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanView } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { createDeployment, setWindows, updateTarget } from '../deploy/deploy-queries';
import { backgroundStatus, countSchedules } from './background-status';

let core: Core;
let hostIds: number[];

// Wednesday 2026-01-07 12:00 UTC; the window is Wednesdays 14:00 UTC, two hours later.
const NOW = Date.UTC(2026, 0, 7, 12, 0);
const WINDOW = Date.UTC(2026, 0, 7, 14, 0);

function plan(deployNow: boolean): PlanView {
  return {
    rings: [{
      ring: 0,
      label: 'Ring 0',
      hosts: hostIds.map((hostId) => ({
        hostId, label: `h${hostId}`, ring: 0, cluster: null, items: [{ package: 'openssl', arch: 'amd64', fromVersion: '1', toVersion: '2', approvalId: 0 }],
        window: null, windowText: '', snapshotProvider: 'package', allowReboot: false,
      })),
    }],
    skipped: [], warnings: [], concurrency: 4, gatePercent: 100, deployNow, totalItems: hostIds.length,
  };
}

beforeEach(async () => {
  core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bg-')), runtime: 'browser', checkResults: true, scheduler: false });
  hostIds = [];
  for (const address of ['127.0.0.2', '127.0.0.3']) hostIds.push((await core.call('machines/create', { address, transport: 'ssh' })).id);
  setWindows(core.services.db, '', [{ days: [3], start: '14:00', minutes: 120 }]);
});
afterEach(() => core.close());

describe('background status', () => {
  it('starts with "when work is scheduled", nothing active and schedules not paused', async () => {
    expect(await core.call('background/status', undefined)).toEqual({
      mode: 'scheduled', startAtLogin: false, schedulesPaused: false, schedules: 0, jobs: [], deployments: [],
    });
  });

  it('gives a waiting deployment the window it waits for, in the machine\'s time zone', async () => {
    const db = core.services.db;
    const id = createDeployment(db, { title: 'Tonight', plan: plan(false), createdBy: 'user', state: 'scheduled' }, NOW);
    expect(backgroundStatus(db, NOW, 'UTC').deployments).toEqual([{ id, title: 'Tonight', running: 0, waiting: 2, nextWindowAt: WINDOW }]);
    // A machine an hour ahead of UTC (Berlin in winter): its 14:00 comes first.
    await core.call('deploy/set-settings', { ids: [hostIds[1]!], patch: { timezone: 'Europe/Berlin' } });
    expect(backgroundStatus(db, NOW, 'UTC').deployments[0]!.nextWindowAt).toBe(WINDOW - 3_600_000);
  });

  it('counts machines being changed, and no window for a deployment started "now"', () => {
    const db = core.services.db;
    const id = createDeployment(db, { title: 'Now', plan: plan(true), createdBy: 'user', state: 'running' }, NOW);
    updateTarget(db, id, hostIds[0]!, { state: 'running' });
    updateTarget(db, id, hostIds[1]!, { state: 'succeeded' });
    expect(backgroundStatus(db, NOW, 'UTC').deployments).toEqual([{ id, title: 'Now', running: 1, waiting: 0, nextWindowAt: null }]);
  });

  it('leaves finished deployments out', () => {
    const db = core.services.db;
    createDeployment(db, { title: 'Done', plan: plan(false), createdBy: 'user', state: 'succeeded' }, NOW);
    expect(backgroundStatus(db, NOW, 'UTC').deployments).toEqual([]);
  });

  it('stores the settings and the schedules pause, audits the change and tells the tray', async () => {
    const seen: string[] = [];
    core.subscribe((e) => seen.push(e.name));
    const after = await core.call('background/set', { mode: 'always', schedulesPaused: true });
    expect(after).toMatchObject({ mode: 'always', startAtLogin: false, schedulesPaused: true });
    expect((await core.call('background/set', { startAtLogin: true })).mode).toBe('always');
    expect(seen.filter((n) => n === 'background/changed')).toHaveLength(2);
    const audit = await core.call('audit/list', { limit: 5 });
    expect(audit.map((a) => a.action)).toContain('settings.update');
    await expect(core.call('background/set', { mode: 'sometimes' } as never)).rejects.toThrow();
  });

  it('counts enabled schedules once their table exists', () => {
    // A bare database: the schedules migration may or may not be in this build.
    const db = new Database(':memory:');
    expect(countSchedules(db)).toBe(0);
    db.exec('CREATE TABLE schedules (id INTEGER PRIMARY KEY, enabled INTEGER NOT NULL)');
    db.exec('INSERT INTO schedules (enabled) VALUES (1), (0), (1)');
    expect(countSchedules(db)).toBe(2);
  });
});
