import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/open';
import { EventBus } from '../event-bus';
import { HOST_STATE_SQL, dashboardSummary, fleetRisk, listTrend, localDay, recordTrend, startTrendRecorder } from './fleet-risk';

const DAY = 86_400_000;
const NOW = new Date(2026, 10, 22, 12, 0, 0).getTime();

function pending(db: Db, hostId: number, pkg: string, to: string, opts: { security?: boolean; urgency?: string; cves?: string[] } = {}): void {
  const id = Number(
    db
      .prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, urgency, detected_at) VALUES (?, ?, '1', ?, ?, ?, ?)`)
      .run(hostId, pkg, to, opts.security ? 1 : 0, opts.urgency ?? null, NOW - DAY).lastInsertRowid,
  );
  for (const c of opts.cves ?? []) db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'test')`).run(id, c);
}

/**
 * 1 down; 2 never assessed; 3 with a KEV-listed openssl update; 4 with only a low vim update; 5 up to date;
 * 6 answering and assessed, but its last deployment failed (an earlier one succeeded).
 */
function fleet(): Db {
  const db = openDatabase(':memory:');
  const add = db.prepare(`INSERT INTO hosts (id, address, display_name, reachability, last_assessed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, 1)`);
  add.run(1, '127.0.0.1', 'print01', 'down', NOW - DAY);
  add.run(2, '127.0.0.2', 'new01', 'up', null);
  add.run(3, '127.0.0.3', 'files01', 'up', NOW - DAY);
  add.run(4, '127.0.0.4', 'desk04', 'up', NOW - DAY);
  add.run(5, '127.0.0.5', 'desk05', 'up', NOW - DAY);
  add.run(6, '127.0.0.6', 'web01', 'up', NOW - DAY);
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2024-0001', 'OpenSSL', 'OpenSSL', 'x', '2024-01-02', NULL, 1)`).run();
  pending(db, 3, 'openssl', '3.0.15-1', { security: true, urgency: 'high', cves: ['CVE-2024-0001', 'CVE-2024-0002'] });
  pending(db, 3, 'vim', '9.1-1', { urgency: 'low' });
  pending(db, 4, 'vim', '9.1-1', { urgency: 'low' });
  pending(db, 6, 'nginx', '1.26-1', { security: true, urgency: 'medium', cves: ['CVE-2024-0003'] });
  db.prepare(`INSERT INTO deployments (id, state, created_by, created_at) VALUES (1, 'done', 'user', 1), (2, 'done', 'user', 2)`).run();
  db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, updated_at) VALUES (1, 6, 0, 'succeeded', 1), (2, 6, 0, 'failed', 2), (1, 5, 0, 'failed', 1), (2, 5, 0, 'succeeded', 2)`).run();
  return db;
}

describe('fleetRisk', () => {
  it('counts each machine once in its most pressing state', () => {
    const r = fleetRisk(fleet(), NOW);
    expect(r.machines).toBe(6);
    expect(r.states).toEqual({ 'needs-attention': 1, unreachable: 1, 'not-assessed': 1, 'kev-exposed': 1, 'updates-pending': 1, 'up-to-date': 1 });
  });

  it('finds the KEV exposure and the riskiest updates and machines, the KEV-listed one first', () => {
    const r = fleetRisk(fleet(), NOW);
    expect(r.kev).toEqual({ cves: 1, machines: 1 });
    expect(r.topUpdates.map((u) => [u.package, u.machines, u.kevCves])).toEqual([
      ['openssl', 1, ['CVE-2024-0001']],
      ['nginx', 1, []],
      ['vim', 2, []],
    ]);
    expect(r.topUpdates[0]!.score).toBeGreaterThan(r.topUpdates[1]!.score);
    expect(r.topMachines.map((m) => [m.label, m.openUpdates, m.kevCves])).toEqual([
      ['files01', 2, 1],
      ['web01', 1, 0],
      ['desk04', 1, 0],
    ]);
    expect(r.today).toMatchObject({ machines: 6, openUpdates: 4, kevOpen: 1 });
    expect(r.today.machinesAtRisk).toBeGreaterThanOrEqual(1);
    expect(r.today.critical + r.today.high).toBeGreaterThanOrEqual(1);
  });

  it('counts a machine at risk when it has an open finding, as the report counts it not compliant', () => {
    const db = fleet();
    // A KEV-listed fix from a point-release repository, alone on a machine that was up to date.
    pending(db, 5, 'liblog', '1.1', { urgency: 'low', cves: ['CVE-2024-0001'] });
    const r = fleetRisk(db, NOW);
    // files01 (KEV), web01 (a medium update from the security suite: a finding by its source), desk05 (KEV from
    // another repository); not desk04, whose only update is a low one from the regular repository.
    expect(r.today.machinesAtRisk).toBe(3);
  });

  it("finds each machine's last deployment through the index, not by scanning every deployment", () => {
    const plan = (fleet().prepare(`EXPLAIN QUERY PLAN ${HOST_STATE_SQL}`).all() as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan).toMatch(/SEARCH t USING INDEX deployment_targets_host \(host_id=\?\)/);
  });

  it('reports an empty fleet as empty', () => {
    const r = fleetRisk(openDatabase(':memory:'), NOW);
    expect(r).toMatchObject({ machines: 0, kev: { cves: 0, machines: 0 }, topUpdates: [], topMachines: [] });
    expect(Object.values(r.states).every((n) => n === 0)).toBe(true);
  });
});

describe('the trend', () => {
  const point = (openUpdates: number) => ({ machines: 3, openUpdates, kevOpen: 1, critical: 1, high: 0, machinesAtRisk: 1 });

  it("upserts one row per local day, the day's last figures winning", () => {
    const db = openDatabase(':memory:');
    const morning = new Date(2026, 10, 22, 0, 0, 0).getTime();
    recordTrend(db, point(10), morning);
    recordTrend(db, point(7), morning + DAY - 1);
    recordTrend(db, point(5), morning + DAY);
    expect(listTrend(db).map((p) => [p.day, p.openUpdates])).toEqual([
      ['2026-11-22', 7],
      ['2026-11-23', 5],
    ]);
  });

  it('keeps a year and drops what is older', () => {
    const db = openDatabase(':memory:');
    recordTrend(db, point(1), NOW - 366 * DAY);
    recordTrend(db, point(2), NOW - 365 * DAY);
    recordTrend(db, point(3), NOW);
    expect(listTrend(db).map((p) => p.day)).toEqual([localDay(NOW - 365 * DAY), localDay(NOW)]);
  });

  it('is brought up to date when the dashboard is read, and after inventory changes', async () => {
    const db = fleet();
    expect(dashboardSummary(db, NOW).trend).toEqual([{ day: localDay(NOW), machines: 6, openUpdates: 4, kevOpen: 1, critical: expect.any(Number), high: expect.any(Number), machinesAtRisk: expect.any(Number) }]);
    const events = new EventBus();
    // The recorder's clock is the test's day: with the real clock the point lands on today, not on NOW's day.
    const stop = startTrendRecorder(db, events, 5, () => NOW);
    db.prepare(`UPDATE pending_updates SET resolved_at = 1 WHERE package = 'vim'`).run();
    events.emit('job/log', { lines: [] });
    events.emit('inventory/changed', { hostIds: [3, 4], reason: 'deployed' });
    events.emit('inventory/changed', { hostIds: [3, 4], reason: 'deployed' });
    await new Promise((r) => setTimeout(r, 40));
    expect(listTrend(db).map((p) => p.openUpdates)).toEqual([2]);
    stop();
  });
});
