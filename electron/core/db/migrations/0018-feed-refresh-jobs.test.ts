import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, migrate, openDatabase } from '../open';
import { latestVersion, migrations } from './index';

const before = migrations.findIndex((m) => m.name === '0018-feed-refresh-jobs');

describe('migration 0018: feed refresh jobs', () => {
  it("allows the 'feeds' job kind and keeps every job, its targets and its log", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-m18-')), 'patchwell.db');
    const db = openDatabase(file, { upTo: before });
    db.prepare(`INSERT INTO jobs (id, kind, title, state, created_at) VALUES (1, 'deploy', 'Deploy', 'succeeded', 1)`).run();
    db.prepare(`INSERT INTO job_targets (job_id, target, state, updated_at) VALUES (1, 'web', 'succeeded', 2)`).run();
    db.prepare(`INSERT INTO job_events (job_id, ts, level, message) VALUES (1, 3, 'info', 'done')`).run();
    expect(() => db.prepare(`INSERT INTO jobs (kind, title, state, created_at) VALUES ('feeds', 'Refresh', 'queued', 4)`).run()).toThrow(/CHECK constraint/);
    migrate(db, migrations, latestVersion);
    db.prepare(`INSERT INTO jobs (id, kind, title, state, created_at) VALUES (2, 'feeds', 'Refresh', 'queued', 4)`).run();
    expect(() => db.prepare(`INSERT INTO jobs (kind, title, state, created_at) VALUES ('nonsense', 'x', 'queued', 5)`).run()).toThrow(/CHECK constraint/);
    closeDatabase(db);
    // Reopened from the file: the edited schema is what SQLite reads back.
    const again = openDatabase(file);
    expect(again.prepare('SELECT id, kind FROM jobs ORDER BY id').all()).toEqual([
      { id: 1, kind: 'deploy' },
      { id: 2, kind: 'feeds' },
    ]);
    expect(again.prepare('SELECT count(*) AS n FROM job_targets').get()).toEqual({ n: 1 });
    expect(again.prepare('SELECT count(*) AS n FROM job_events').get()).toEqual({ n: 1 });
    expect(again.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(again.pragma('foreign_key_check')).toEqual([]);
    closeDatabase(again);
  });
});
