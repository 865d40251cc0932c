import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { latestVersion, migrations } from './migrations';
import { closeDatabase, migrate, openDatabase, SchemaTooNewError, schemaVersion } from './open';

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-db-')), 'test.db');
}

function plan(db: ReturnType<typeof openDatabase>, sql: string, ...params: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

describe('openDatabase', () => {
  it('creates a database at the latest schema with WAL, FULL sync and foreign keys on', () => {
    const file = tmpFile();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(latestVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name);
    for (const t of ['hosts', 'host_packages', 'pending_updates', 'advisories', 'jobs', 'job_targets', 'job_events', 'deployments', 'snapshots', 'audit_log']) {
      expect(tables).toContain(t);
    }
    closeDatabase(db);
    // Reopening applies nothing and keeps the data.
    const again = openDatabase(file);
    expect(schemaVersion(again)).toBe(latestVersion);
    closeDatabase(again);
  });

  it('refuses a database written by a newer Patchwell and leaves it untouched', () => {
    const file = tmpFile();
    const db = openDatabase(file);
    db.pragma(`user_version = ${latestVersion + 1}`);
    closeDatabase(db);
    expect(() => openDatabase(file)).toThrow(SchemaTooNewError);
    const raw = openDatabase(':memory:');
    closeDatabase(raw);
  });

  it('applies migrations in one transaction: a failing one leaves the database as it was', () => {
    const db = openDatabase(':memory:', { upTo: 0 });
    expect(schemaVersion(db)).toBe(0);
    const broken = [...migrations, { version: migrations.length + 1, name: '9999-broken', sql: 'CREATE TABLE ok_table (x INTEGER); THIS IS NOT SQL;' }];
    expect(() => migrate(db, broken, broken.length)).toThrow(/9999-broken failed/);
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name IN ('hosts', 'ok_table')`).get()).toEqual({ n: 0 });
    closeDatabase(db);
  });

  it('enforces STRICT types and checks', () => {
    const db = openDatabase(':memory:');
    const insert = db.prepare(`INSERT INTO hosts (address, ssh_port, created_at, updated_at) VALUES (?, ?, 1, 1)`);
    expect(() => insert.run('10.0.0.1', 'twenty-two')).toThrow(/cannot store TEXT value in INTEGER column/);
    expect(() => insert.run('10.0.0.1', 70000)).toThrow(/CHECK constraint/);
    expect(() => db.prepare(`INSERT INTO hosts (address, tags, created_at, updated_at) VALUES ('a', '{"x":1}', 1, 1)`).run()).toThrow(/CHECK/);
    closeDatabase(db);
  });

  it('cascades a removed host to its packages and updates', () => {
    const db = openDatabase(':memory:');
    db.prepare(`INSERT INTO hosts (id, address, created_at, updated_at) VALUES (1, 'h', 1, 1)`).run();
    db.prepare(`INSERT INTO pending_updates (host_id, package, candidate_version, detected_at) VALUES (1, 'openssl', '3.0.17-1', 1)`).run();
    db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (1, 'CVE-2024-12797', 'changelog')`).run();
    db.prepare('DELETE FROM hosts WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM advisories').get()).toEqual({ n: 0 });
    closeDatabase(db);
  });

  it('uses indexes for the hot queries', () => {
    const db = openDatabase(':memory:');
    expect(plan(db, 'SELECT * FROM hosts WHERE address = ? COLLATE NOCASE', 'x')).toMatch(/USING INDEX hosts_address/);
    expect(plan(db, 'SELECT * FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT 10', 1, 0)).toMatch(/USING (COVERING )?INDEX job_events_job/);
    expect(plan(db, `SELECT id FROM jobs WHERE state IN ('queued','running')`)).toMatch(/USING (COVERING )?INDEX jobs_state/);
    expect(plan(db, 'SELECT * FROM job_targets WHERE job_id = ?', 1)).toMatch(/USING INDEX sqlite_autoindex_job_targets_1/);
    expect(
      plan(db, 'SELECT package, candidate_version, count(*) FROM pending_updates WHERE resolved_at IS NULL GROUP BY package, candidate_version'),
    ).toMatch(/pending_updates_open/);
    expect(plan(db, 'SELECT * FROM advisories WHERE cve_id = ?', 'CVE-2024-1')).toMatch(/USING (COVERING )?INDEX advisories_cve/);
    // The machine list counts each host's open updates.
    expect(plan(db, 'SELECT count(*) FROM pending_updates u WHERE u.host_id = ? AND u.resolved_at IS NULL', 1)).toMatch(
      /USING (COVERING )?INDEX pending_updates_host_open/,
    );
    expect(plan(db, 'SELECT info FROM machine_changelogs WHERE host_id = ? AND package = ? AND version = ?', 1, 'a', 'b')).toMatch(/USING PRIMARY KEY/);
    closeDatabase(db);
  });
});
