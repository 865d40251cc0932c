/**
 * Recording an assessment: the machine's facts on its row, its packages replaced, its pending updates
 * reconciled (new ones inserted, gone ones resolved, so the UI can say what is new and what was fixed since
 * the last assessment), and a history row.
 */
import type { RemoteFailure } from '../../../shared/contract';
import type { Db } from '../db/open';
import type { Facts, Health, InstalledPackage, PendingUpdate, PlatformId, RollbackDebLookup } from '../platforms/platform';
import { recordRollbackDebs } from './rollback-debs';

export interface AssessmentRecord {
  hostId: number;
  jobId: number | null;
  /** The platform module, or windows (its own module: platforms/windows). */
  platform: PlatformId | 'windows';
  facts: Facts;
  packages: readonly InstalledPackage[];
  updates: readonly PendingUpdate[];
  health: Health;
  warnings: readonly string[];
  startedAt: number;
  /** Debian: where installed versions of the pending updates can be fetched (PendingUpdatesResult.rollbackDebs). */
  rollbackDebs?: readonly RollbackDebLookup[];
}

export interface AssessmentOutcome {
  assessmentId: number;
  pending: number;
  security: number;
  /** Updates pending now that were not pending at the last assessment. */
  newCount: number;
  /** Packages that had an update pending and now have none. */
  fixedCount: number;
}

const key = (name: string, arch: string, version: string): string => `${name}\u0000${arch}\u0000${version}`;

export function recordAssessment(db: Db, r: AssessmentRecord, now = Date.now()): AssessmentOutcome {
  return db.transaction(() => {
    const open = db
      .prepare('SELECT id, package, arch, candidate_version FROM pending_updates WHERE host_id = ? AND resolved_at IS NULL')
      .all(r.hostId) as { id: number; package: string; arch: string; candidate_version: string }[];
    const openKeys = new Set(open.map((o) => key(o.package, o.arch, o.candidate_version)));
    const nowKeys = new Set(r.updates.map((u) => key(u.name, u.arch, u.candidateVersion)));
    const nowNames = new Set(r.updates.map((u) => u.name));

    // Gone from the pending list: installed since, or superseded by a newer candidate.
    const resolve = db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE id = ?');
    let fixedCount = 0;
    const fixedNames = new Set<string>();
    for (const o of open) {
      if (nowKeys.has(key(o.package, o.arch, o.candidate_version))) continue;
      resolve.run(now, o.id);
      if (!nowNames.has(o.package) && !fixedNames.has(o.package)) {
        fixedNames.add(o.package);
        fixedCount++;
      }
    }

    const upsert = db.prepare(
      `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency,
         held, advisory_ids, note, detected_at, resolved_at)
       VALUES (@hostId, @name, @arch, @installed, @candidate, @source, @security, @urgency, @held, @advisoryIds, @note, @now, NULL)
       ON CONFLICT (host_id, package, arch, candidate_version) DO UPDATE SET
         installed_version = excluded.installed_version, source = excluded.source, is_security = excluded.is_security,
         urgency = excluded.urgency, held = excluded.held, advisory_ids = excluded.advisory_ids, note = excluded.note,
         detected_at = CASE WHEN pending_updates.resolved_at IS NULL THEN pending_updates.detected_at ELSE excluded.detected_at END,
         resolved_at = NULL
       RETURNING id`,
    );
    const clearAdvisories = db.prepare('DELETE FROM advisories WHERE pending_update_id = ?');
    const addAdvisory = db.prepare('INSERT OR IGNORE INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, ?)');
    let newCount = 0;
    let security = 0;
    for (const u of r.updates) {
      if (!openKeys.has(key(u.name, u.arch, u.candidateVersion))) newCount++;
      if (u.isSecurity) security++;
      const { id } = upsert.get({
        hostId: r.hostId,
        name: u.name,
        arch: u.arch,
        installed: u.installedVersion,
        candidate: u.candidateVersion,
        source: u.suites.length ? u.suites.join(', ') : (u.source ?? ''),
        security: u.isSecurity ? 1 : 0,
        urgency: u.severity,
        held: u.held ? 1 : 0,
        advisoryIds: JSON.stringify(u.advisories.map((a) => a.id).filter((x): x is string => x !== null)),
        note: u.note ?? null,
        now,
      }) as { id: number };
      clearAdvisories.run(id);
      for (const a of u.advisories) for (const cve of a.cves) addAdvisory.run(id, cve, a.origin);
    }

    db.prepare('DELETE FROM host_packages WHERE host_id = ?').run(r.hostId);
    const addPackage = db.prepare('INSERT OR REPLACE INTO host_packages (host_id, name, arch, version, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of r.packages) addPackage.run(r.hostId, p.name, p.arch, p.version, p.state ?? 'installed', now);
    recordRollbackDebs(db, r.hostId, r.rollbackDebs ?? [], now);

    const f = r.facts;
    db.prepare(
      `UPDATE hosts SET platform = @platform, os_family = @family, os_name = @osName, os_version = @osVersion, kernel = @kernel,
         arch = @arch, uptime_seconds = @uptime, reboot_required = @reboot, reboot_reasons = @reasons, health = @health,
         hostname = COALESCE(hostname, @hostname), last_assessed_at = @now, last_error = NULL, reachability = 'up',
         last_seen = @now, first_seen = COALESCE(first_seen, @now), updated_at = @now
       WHERE id = @id`,
    ).run({
      id: r.hostId,
      platform: r.platform,
      family: r.platform === 'macos' ? 'macos' : r.platform === 'windows' ? 'windows' : 'linux',
      osName: f.osName,
      osVersion: f.osVersion,
      kernel: f.kernel,
      arch: f.arch,
      uptime: f.uptimeSeconds === null ? null : Math.round(f.uptimeSeconds),
      reboot: f.rebootRequired ? 1 : 0,
      reasons: JSON.stringify(f.rebootReasons),
      health: JSON.stringify({ ok: r.health.ok, problems: r.health.problems.map((p) => `${p.source}: ${p.message}`) }),
      hostname: f.hostname || null,
      now,
    });

    const info = db
      .prepare(
        `INSERT INTO assessments (host_id, job_id, state, started_at, finished_at, pending_count, security_count, new_count, fixed_count, facts, warnings)
         VALUES (?, ?, 'succeeded', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.hostId, r.jobId, r.startedAt, now, r.updates.length, security, newCount, fixedCount, JSON.stringify(f), JSON.stringify(r.warnings));
    return { assessmentId: Number(info.lastInsertRowid), pending: r.updates.length, security, newCount, fixedCount };
  })();
}

export function recordFailedAssessment(db: Db, hostId: number, jobId: number | null, startedAt: number, failure: RemoteFailure, now = Date.now()): void {
  db.transaction(() => {
    db.prepare(`INSERT INTO assessments (host_id, job_id, state, started_at, finished_at, error) VALUES (?, ?, 'failed', ?, ?, ?)`).run(
      hostId,
      jobId,
      startedAt,
      now,
      JSON.stringify(failure),
    );
    db.prepare('UPDATE hosts SET last_error = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(failure), now, hostId);
  })();
}
