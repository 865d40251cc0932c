import { beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, EventPayload, Notice } from '../../../shared/contract';
import { openDatabase, type Db } from '../db/open';
import { EventBus } from '../event-bus';
import { clearSeenNotices, listNotices, markNoticesSeen } from './notice-queries';
import { startNotices } from './notices';

const NOW = new Date(2026, 10, 22, 12, 0, 0).getTime();
const none = { succeeded: 0, failed: 0, 'rolled-back': 0, 'rollback-failed': 0, skipped: 0, cancelled: 0 };

let db: Db;
let bus: EventBus;
let added: Notice[][];

function addHost(id: number, address: string, displayName: string | null, hostname: string | null = null): void {
  db.prepare('INSERT INTO hosts (id, address, display_name, hostname, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1)').run(id, address, displayName, hostname);
}

function pending(hostId: number, pkg: string, cves: string[], candidate = '2'): void {
  const id = Number(
    db
      .prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, detected_at) VALUES (?, ?, '1', ?, 0, ?)`)
      .run(hostId, pkg, candidate, NOW - 86_400_000).lastInsertRowid,
  );
  for (const c of cves) db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'test')`).run(id, c);
}

function kev(cveId: string): void {
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES (?, 'v', 'p', 'n', '2024-01-02', NULL, 0)`).run(cveId);
}

function emit<K extends EventEnvelope['name']>(name: K, payload: EventPayload<K>): Notice[] {
  const before = added.length;
  bus.emit(name, payload);
  return added.slice(before).flat();
}

function start(): void {
  startNotices(db, bus, () => NOW);
}

beforeEach(() => {
  db = openDatabase(':memory:');
  bus = new EventBus();
  added = [];
  bus.subscribe((e) => {
    if (e.name === 'notices/added') added.push(e.payload.notices);
  });
  addHost(1, '127.0.0.1', 'web01');
  addHost(2, '127.0.0.2', null, 'files01');
  addHost(3, '127.0.0.3', '');
});

describe('notices from the end of a deployment', () => {
  function deployment(id: number, targets: [hostId: number, state: string, failure: string | null][], rollbackOf: number | null = null): void {
    db.prepare(`INSERT INTO deployments (id, state, created_by, created_at, title, rollback_of) VALUES (?, 'running', 'user', 1, ?, ?)`).run(id, `Approved updates on ${targets.length} machines`, rollbackOf);
    for (const [hostId, state, message] of targets) {
      const failure = message === null ? null : JSON.stringify({ command: null, exitCode: 1, stderrTail: '', message });
      db.prepare('INSERT INTO deployment_targets (deployment_id, host_id, ring, state, failure, updated_at) VALUES (?, ?, 0, ?, ?, 1)').run(id, hostId, state, failure);
    }
  }

  it('says a deployment finished, with its outcome counts, and opens the deployment', () => {
    start();
    deployment(7, [[1, 'succeeded', null], [2, 'succeeded', null]]);
    const [n, ...rest] = emit('deploy/finished', { deploymentId: 7, kind: 'deploy', state: 'succeeded', counts: { ...none, succeeded: 2 } });
    expect(rest).toEqual([]);
    expect(n).toMatchObject({ kind: 'deploy-finished', severity: 'info', title: 'Deployment finished: 2 of 2 machines updated', target: { page: 'deployments', id: 7 }, createdAt: NOW, seenAt: null });
    expect(n!.body).toBe('Approved updates on 2 machines\n2 updated.');
    expect(listNotices(db)).toEqual([n]);
  });

  it('names the machines that failed by their label, with the reason redacted', () => {
    start();
    deployment(8, [
      [1, 'succeeded', null],
      [2, 'rolled-back', 'Health check failed: curl -u admin:hunter2 https://files01/health exited 22'],
      [3, 'rollback-failed', 'Restore failed\nsecond line'],
    ]);
    const [n] = emit('deploy/finished', { deploymentId: 8, kind: 'deploy', state: 'partial', counts: { ...none, succeeded: 1, 'rolled-back': 1, 'rollback-failed': 1 } });
    expect(n).toMatchObject({ kind: 'deploy-failed', severity: 'error', title: 'Deployment finished with failures: 1 of 3 machines updated' });
    expect(n!.body).toBe(
      [
        'Approved updates on 3 machines',
        '1 updated, 1 failed and rolled back, 1 failed and could not be rolled back.',
        'Needs a look:',
        'files01: Health check failed: curl -u admin:*** https://files01/health exited 22',
        '127.0.0.3: Restore failed',
      ].join('\n'),
    );
    expect(JSON.stringify(listNotices(db))).not.toContain('hunter2');
  });

  it('tells a rollback that left machines unrestored from one that restored them all', () => {
    start();
    deployment(8, [[1, 'rolled-back', null]]);
    deployment(9, [[1, 'rollback-failed', 'zfs rollback failed']], 8);
    const [bad] = emit('deploy/finished', { deploymentId: 9, kind: 'rollback', rollbackOf: 8, state: 'failed', counts: { ...none, 'rollback-failed': 1 } });
    expect(bad).toMatchObject({ kind: 'rollback-failed', severity: 'error', title: 'Rollback failed: 0 of 1 machine restored', target: { page: 'deployments', id: 9 } });
    expect(bad!.body).toContain('1 not restored');
    deployment(10, [[1, 'succeeded', null]], 8);
    const [good] = emit('deploy/finished', { deploymentId: 10, kind: 'rollback', rollbackOf: 8, state: 'succeeded', counts: { ...none, succeeded: 1 } });
    expect(good).toMatchObject({ kind: 'rollback-finished', severity: 'info', title: 'Rollback finished: 1 of 1 machine restored' });
  });
});

describe('notices from assessments', () => {
  function failedAssessment(jobId: number, hostId: number, message: string): void {
    db.prepare(`INSERT OR IGNORE INTO jobs (id, kind, title, state, created_at) VALUES (?, 'assess', 'Assess', 'partial', 1)`).run(jobId);
    db.prepare(`INSERT INTO assessments (host_id, job_id, state, started_at, finished_at, error) VALUES (?, ?, 'failed', 1, 2, ?)`).run(
      hostId,
      jobId,
      JSON.stringify({ command: null, exitCode: null, stderrTail: '', message }),
    );
  }

  it('says nothing when every machine was assessed', () => {
    start();
    expect(emit('assess/finished', { jobId: 1, hostIds: [1, 2], counts: { ok: 2, failed: 0, busy: 0 } })).toEqual([]);
  });

  it('names the machines that could not be assessed and opens the one machine', () => {
    start();
    failedAssessment(3, 2, 'refused the login with token=abc123 on port 22');
    const [n] = emit('assess/finished', { jobId: 3, hostIds: [1, 2], counts: { ok: 1, failed: 1, busy: 0 } });
    expect(n).toMatchObject({ kind: 'assess-failed', severity: 'warning', title: 'Assessment: 1 of 2 machines could not be assessed', target: { page: 'machines', id: 2 } });
    expect(n!.body).toBe('1 assessed, 1 failed.\nfiles01: refused the login with token=*** on port 22');
  });
});

describe('machines needing a restart', () => {
  const reboot = (id: number, required: boolean, reasons: string[] = []): void => {
    db.prepare('UPDATE hosts SET reboot_required = ?, reboot_reasons = ? WHERE id = ?').run(required ? 1 : 0, JSON.stringify(reasons), id);
  };
  const assessed = (): Notice[] => emit('assess/finished', { jobId: 1, hostIds: [1, 2, 3], counts: { ok: 3, failed: 0, busy: 0 } });

  it('announces a machine once when it comes to need a restart, and again after it restarted and needs one again', () => {
    reboot(2, true, ['already waiting before Patchwell looked']);
    start();
    expect(assessed()).toEqual([]);
    reboot(1, true, ['/var/run/reboot-required lists libc6']);
    const [n] = assessed();
    expect(n).toMatchObject({ kind: 'reboot-needed', severity: 'warning', title: 'web01 needs a restart', target: { page: 'machines', id: 1 } });
    expect(n!.body).toBe('Updates take full effect after a restart:\nweb01: /var/run/reboot-required lists libc6');
    expect(assessed()).toEqual([]);
    reboot(1, false);
    expect(assessed()).toEqual([]);
    reboot(1, true);
    reboot(3, true);
    expect(assessed()[0]).toMatchObject({ title: '2 machines need a restart', target: { page: 'machines', id: null }, body: 'Updates take full effect after a restart:\nweb01\n127.0.0.3' });
  });
});

describe('new known-exploited findings', () => {
  const assessed = (): Notice[] => emit('assess/finished', { jobId: 1, hostIds: [1, 2, 3], counts: { ok: 3, failed: 0, busy: 0 } });

  it('leaves the exposure that stood before notices existed unannounced, and announces what an assessment adds', () => {
    kev('CVE-2024-0001');
    kev('CVE-2024-0002');
    pending(1, 'openssl', ['CVE-2024-0001']);
    start();
    expect(assessed()).toEqual([]);

    // The same CVE on another machine, and a second KEV CVE on the first: both new; a non-KEV update is no news.
    pending(2, 'openssl', ['CVE-2024-0001']);
    pending(1, 'libexpat1', ['CVE-2024-0002', 'CVE-2024-9999']);
    pending(3, 'vim', ['CVE-2024-9998']);
    const [n, ...rest] = assessed();
    expect(rest).toEqual([]);
    expect(n).toMatchObject({ kind: 'kev-new', severity: 'error', title: 'New known-exploited exposure: 2 CVEs on 2 machines', target: { page: 'patches', id: null } });
    expect(n!.body).toBe(
      [
        'Listed in CISA’s Known Exploited Vulnerabilities catalog, with an update available:',
        'CVE-2024-0001 (openssl) on files01',
        'CVE-2024-0002 (libexpat1) on web01',
      ].join('\n'),
    );
    expect(assessed()).toEqual([]);
  });

  it('announces an open update that a feed import puts on the KEV list', () => {
    pending(3, 'nginx', ['CVE-2025-1234']);
    start();
    expect(emit('inventory/changed', { hostIds: [], reason: 'feeds' })).toEqual([]);
    kev('CVE-2025-1234');
    expect(emit('inventory/changed', { hostIds: [3], reason: 'assessed' })).toEqual([]);
    const [n] = emit('inventory/changed', { hostIds: [], reason: 'feeds' });
    expect(n).toMatchObject({ kind: 'kev-new', title: 'New known-exploited exposure: 1 CVE on 1 machine' });
    expect(n!.body).toContain('CVE-2025-1234 (nginx) on 127.0.0.3');
  });

  it('announces exposure again when it comes back after it was fixed', () => {
    kev('CVE-2024-0001');
    start();
    pending(1, 'openssl', ['CVE-2024-0001']);
    expect(assessed()).toHaveLength(1);
    db.prepare('UPDATE pending_updates SET resolved_at = ?').run(NOW);
    expect(assessed()).toEqual([]);
    // A newer version of the fix, still for the same exposure.
    pending(1, 'openssl', ['CVE-2024-0001'], '3');
    expect(assessed()).toHaveLength(1);
  });
});

describe('seen and cleared', () => {
  it('lists the unseen first, keeps the seen until cleared, and a restart does not lose them', () => {
    start();
    for (const id of [1, 2, 3]) {
      db.prepare(`INSERT INTO deployments (id, state, created_by, created_at, title) VALUES (?, 'succeeded', 'user', 1, ?)`).run(id, `D${id}`);
      emit('deploy/finished', { deploymentId: id, kind: 'deploy', state: 'succeeded', counts: none });
    }
    const [third, second, first] = listNotices(db);
    markNoticesSeen(db, [third!.id], NOW + 1);
    expect(listNotices(db).map((n) => [n.id, n.seenAt])).toEqual([
      [second!.id, null],
      [first!.id, null],
      [third!.id, NOW + 1],
    ]);
    expect(listNotices(db, 2).map((n) => n.id)).toEqual([second!.id, first!.id]);
    expect(clearSeenNotices(db)).toBe(1);
    markNoticesSeen(db, undefined, NOW + 2);
    expect(listNotices(db).every((n) => n.seenAt === NOW + 2)).toBe(true);
    expect(clearSeenNotices(db)).toBe(2);
    expect(listNotices(db)).toEqual([]);
  });

  it('reads the unseen through the index', () => {
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT id FROM notices WHERE seen_at IS NULL ORDER BY id DESC').all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).not.toContain('TEMP B-TREE');
  });
});
