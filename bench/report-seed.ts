/**
 * The fleet bench/report writes a report for: 500 machines and a year of history — 60,000 security updates
 * detected over the year (most fixed, some KEV-listed), 52 weekly deployments of 20 machines × 5 packages with
 * their approvals, and 30,000 audit entries — in a real SQLite file. Kept apart so a profile of one part of the
 * report reads the very same data as the bench.
 */
import path from 'node:path';
import { appendAudit } from '../electron/core/audit/audit-log';
import { openDatabase, type Db } from '../electron/core/db/open';
import { ensureBundledKev } from '../electron/core/intel/kev-import';

export const MACHINES = 500;
export const UPDATES = 60_000;
export const DEPLOYMENTS = 52;
export const AUDIT = 30_000;
const DAY = 86_400_000;

/** Opens `file` and seeds it as of `now`; the report's period is the year before `now`. */
export function seedReportFleet(file: string, now: number): Db {
  const yearAgo = now - 365 * DAY;
  const db = openDatabase(file);
  ensureBundledKev(db, path.resolve('resources'));
  const kev = (db.prepare('SELECT cve_id FROM kev LIMIT 200').all() as { cve_id: string }[]).map((r) => r.cve_id);
  db.transaction(() => {
    const host = db.prepare(`INSERT INTO hosts (address, display_name, criticality, os_name, os_version, last_assessed_at, created_at, updated_at) VALUES (?, ?, ?, 'Debian GNU/Linux', '12', ?, 1, 1)`);
    const crit = ['low', 'normal', 'normal', 'high', 'critical'];
    for (let m = 0; m < MACHINES; m++) host.run(`10.1.${m >> 8}.${m & 255}`, `pc-${String(m).padStart(3, '0')}`, crit[m % 5], now - (m % 3) * DAY);
    const upd = db.prepare(
      `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, is_security, urgency, detected_at, resolved_at)
       VALUES (?, ?, 'amd64', '1.0-1', ?, 1, ?, ?, ?)`,
    );
    const adv = db.prepare('INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, ?)');
    const urg = ['low', 'medium', 'high', 'high'];
    for (let i = 0; i < UPDATES; i++) {
      const detected = yearAgo + Math.floor((i / UPDATES) * 365 * DAY);
      const open = i % 25 === 0;
      const info = upd.run((i % MACHINES) + 1, `pkg-${i % 1500}`, `1.0-${2 + Math.floor(i / MACHINES)}`, urg[i % 4], detected, open ? null : Math.min(now, detected + ((i % 20) + 1) * DAY));
      const id = Number(info.lastInsertRowid);
      adv.run(id, i % 40 === 0 ? kev[i % kev.length]! : `CVE-2025-${10000 + (i % 50000)}`, 'changelog');
    }
    const dep = db.prepare(`INSERT INTO deployments (state, plan, created_by, created_at, finished_at, title) VALUES ('succeeded', '{}', 'user', ?, ?, ?)`);
    const target = db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, updated_at) VALUES (?, ?, 1, 'succeeded', ?)`);
    const appr = db.prepare(`INSERT INTO approvals (host_id, package, from_version, to_version, approved_by, approved_at, state) VALUES (?, ?, '1.0-1', '1.0-2', 'user', ?, 'deployed')`);
    const item = db.prepare(`INSERT INTO deployment_items (deployment_id, host_id, package, from_version, to_version, approval_id, result_version, state) VALUES (?, ?, ?, '1.0-1', '1.0-2', ?, '1.0-2', 'installed')`);
    for (let d = 0; d < DEPLOYMENTS; d++) {
      const at = yearAgo + d * 7 * DAY;
      const id = Number(dep.run(at, at + 3600_000, `Week ${d + 1} updates`).lastInsertRowid);
      for (let h = 0; h < 20; h++) {
        const hostId = ((d * 20 + h) % MACHINES) + 1;
        target.run(id, hostId, at);
        for (let p = 0; p < 5; p++) {
          const a = Number(appr.run(hostId, `pkg-${d}-${p}`, at - DAY).lastInsertRowid);
          item.run(id, hostId, `pkg-${d}-${p}`, a);
        }
      }
    }
    for (let i = 0; i < AUDIT; i++) appendAudit(db, { actor: 'user', action: i % 3 ? 'patch.approve' : 'deploy.install', targetType: 'host', targetId: (i % MACHINES) + 1, details: { n: i } }, yearAgo + Math.floor((i / AUDIT) * 365 * DAY));
  })();
  return db;
}
