import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/open';
import { recordOutcome } from '../deploy/fleet-memory';
import { outcomeRows } from './outcome-csv';
import { collectOutcomes, median, percentile } from './outcome-metrics';
import { collectReport } from './report-data';
import { outcomesSection } from './report-html';

const DAY = 86_400_000;
const FROM = Date.UTC(2026, 10, 1);
const TO = FROM + 30 * DAY;
const NOW = TO + DAY;

/**
 * Four Debian machines. Deployment 1 (day 2): A succeeds in 60 s, B is rolled back by its health check after
 * 120 s. Deployment 2 (day 3): B again with the same version (a retry), 30 s. Deployment 3 (day 4): C succeeds in
 * 90 s, later rolled back by hand (deployment 4 is that rollback). Deployment 5 finished before the period (D).
 */
function seeded(): Db {
  const db = openDatabase(':memory:');
  const host = db.prepare(`INSERT INTO hosts (id, address, display_name, platform, tags, created_at, updated_at) VALUES (?, ?, ?, 'debian', '[]', 1, 1)`);
  host.run(1, '127.0.0.1', 'A');
  host.run(2, '127.0.0.2', 'B');
  host.run(3, '127.0.0.3', 'C');
  host.run(4, '127.0.0.4', 'D');
  const dep = db.prepare(`INSERT INTO deployments (id, state, created_by, created_at, rollback_of) VALUES (?, 'succeeded', 'user', ?, ?)`);
  const target = db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, started_at, finished_at, updated_at) VALUES (?, ?, 0, ?, ?, ?, ?)`);
  const item = db.prepare(`INSERT INTO deployment_items (deployment_id, host_id, package, to_version, state) VALUES (?, ?, 'nginx', '1.2', 'installed')`);
  const run = (d: number, h: number, state: string, start: number, seconds: number): void => {
    target.run(d, h, state, start, start + seconds * 1000, start + seconds * 1000);
    item.run(d, h);
  };
  dep.run(5, FROM - 10 * DAY, null);
  run(5, 4, 'succeeded', FROM - 10 * DAY, 500);
  dep.run(1, FROM + 2 * DAY, null);
  run(1, 1, 'succeeded', FROM + 2 * DAY, 60);
  run(1, 2, 'rolled-back', FROM + 2 * DAY, 120);
  dep.run(2, FROM + 3 * DAY, null);
  run(2, 2, 'succeeded', FROM + 3 * DAY, 30);
  dep.run(3, FROM + 4 * DAY, null);
  run(3, 3, 'rolled-back', FROM + 4 * DAY, 90);
  dep.run(4, FROM + 5 * DAY, 3);
  run(4, 3, 'succeeded', FROM + 5 * DAY, 20);
  const nginx = [{ package: 'nginx', version: '1.2' }];
  recordOutcome(db, { hostId: 2, deploymentId: 1, items: nginx, event: 'rolled-back', step: 'verify', detail: 'verify: Health check failed (exit 1): curl -f http://localhost', ring: 0 }, FROM + 2 * DAY);
  recordOutcome(db, { hostId: 3, deploymentId: 3, items: [...nginx, { package: 'libnginx', version: '1.2' }], event: 'rolled-back-by-hand', detail: 'asked', ring: 0 }, FROM + 5 * DAY);
  recordOutcome(db, { hostId: 4, deploymentId: 5, items: nginx, event: 'rolled-back', step: 'install', detail: 'install: dpkg', ring: 0 }, FROM - 5 * DAY);

  // Findings (security source) fixed in the period after 1, 2, 3, 4 and 10 days; the 2- and 10-day ones are
  // KEV-listed, and one more KEV finding is still open (found 3 days before the period's end).
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, ransomware) VALUES ('CVE-2026-0001', 'v', 'p', 'n', '2026-01-01', 0)`).run();
  const upd = db.prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, detected_at, resolved_at) VALUES (?, ?, '1', '2', ?, ?, ?)`);
  const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2026-0001', 'test')`);
  const fixed = (pkg: string, days: number, kev: boolean, host = 1): void => {
    const id = Number(upd.run(host, pkg, 1, FROM + 20 * DAY - days * DAY, FROM + 20 * DAY).lastInsertRowid);
    if (kev) adv.run(id);
  };
  fixed('p1', 1, false);
  fixed('p2', 2, true);
  fixed('p3', 3, false);
  fixed('p4', 4, false);
  fixed('p10', 10, true, 2);
  adv.run(Number(upd.run(3, 'openssl', 1, TO - 3 * DAY, null).lastInsertRowid));
  // Fixed, but before the period: not counted anywhere.
  upd.run(1, 'old', 1, FROM - 20 * DAY, FROM - DAY);
  return db;
}

describe('median and percentile', () => {
  it('take the mean of the two middle values, and the nearest rank', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 10], 90)).toBe(10);
    expect(percentile([...Array(10).keys()].map((i) => i + 1), 90)).toBe(9);
    expect(percentile([7], 90)).toBe(7);
  });
});

describe('outcome metrics on a seeded database', () => {
  it('give the known answers', () => {
    const o = collectOutcomes(seeded(), { from: FROM, to: TO }, NOW);
    // A succeeded first time; B needed a retry; C was rolled back by hand. D is outside the period.
    expect(o.firstTimeSuccess).toMatchObject({ machines: 3, firstTime: 1, pct: 33.3 });
    // 60, 120, 30, 90 s: median 75 s, slowest B's 120 s; the rollback deployment's 20 s is not a deployment time.
    expect(o.deployTime).toMatchObject({ machines: 4, medianSeconds: 75, slowest: { hostLabel: 'B', seconds: 120, deploymentId: 1 } });
    expect(o.detectionToFix.all).toEqual({ count: 5, meanDays: 4, p90Days: 10 });
    expect(o.detectionToFix.kev).toEqual({ count: 2, meanDays: 6, p90Days: 10 });
    expect(o.kevExposure.findings.map((f) => [f.host, f.package, f.days, f.resolvedAt === null])).toEqual([
      ['B', 'p10', 10, false],
      ['C', 'openssl', 3, true],
      ['A', 'p2', 2, false],
    ]);
    expect(o.kevExposure.totalDays).toBe(15);
    // One per machine and deployment: C's two packages are one rollback; D's is before the period.
    expect(o.rollbacksByCause).toMatchObject({ total: 2, causes: [{ cause: 'health check failed', count: 1 }, { cause: 'rolled back by hand', count: 1 }] });
    for (const how of [o.firstTimeSuccess.how, o.deployTime.how, o.detectionToFix.how, o.kevExposure.how, o.rollbacksByCause.how]) expect(how.length).toBeGreaterThan(40);
  });

  it('are in the report data, its HTML with how each is computed, and its CSV rows', () => {
    const data = collectReport(seeded(), { from: FROM, to: TO }, { now: NOW });
    expect(data.outcomes.firstTimeSuccess.pct).toBe(33.3);
    const html = outcomesSection(data.outcomes);
    expect(html).toContain('33.3% (1 of 3 machines)');
    expect(html).toContain('1 min 15 s / 2 min 0 s (B)');
    expect(html).toContain('4 d / 10 d (5 fixed)');
    expect(html).toContain('1 health check failed, 1 rolled back by hand');
    expect(html).toContain(data.outcomes.deployTime.how);
    const rows = outcomeRows(data.outcomes);
    expect(rows.find((r) => r[0] === 'first_time_success_pct')).toEqual(['first_time_success_pct', 33.3, '1 of 3 machines', data.outcomes.firstTimeSuccess.how]);
    expect(rows.filter((r) => r[0] === 'kev_exposure_days').map((r) => r[1])).toEqual([10, 3, 2]);
    expect(rows.filter((r) => r[0] === 'rollbacks_by_cause').map((r) => [r[1], r[2]])).toEqual([[1, 'health check failed'], [1, 'rolled back by hand']]);
  });

  it('are empty, not invented, when nothing happened', () => {
    const o = collectOutcomes(openDatabase(':memory:'), { from: FROM, to: TO }, NOW);
    expect(o.firstTimeSuccess.pct).toBeNull();
    expect(o.deployTime).toMatchObject({ medianSeconds: null, slowest: null });
    expect(o.detectionToFix.all).toEqual({ count: 0, meanDays: null, p90Days: null });
    expect(o.rollbacksByCause.total).toBe(0);
  });
});
