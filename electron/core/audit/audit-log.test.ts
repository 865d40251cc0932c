import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { collectReport } from '../reports/report-data';
import { HEAD_FILE, readRecordedHead } from './audit-head';
import { appendAudit, GENESIS_HASH, listAudit, verifyAudit } from './audit-log';

function seeded(n: number) {
  const db = openDatabase(':memory:');
  for (let i = 0; i < n; i++) appendAudit(db, { actor: 'user', action: 'host.create', targetType: 'host', targetId: i + 1, details: { i } }, 1000 + i);
  return db;
}

describe('audit log', () => {
  it('chains each row to the one before it', () => {
    const db = seeded(3);
    const rows = listAudit(db, {}).reverse();
    expect(rows[0]!.prevHash).toBe(GENESIS_HASH);
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(rows[2]!.prevHash).toBe(rows[1]!.hash);
    expect(verifyAudit(db)).toEqual({ ok: true, rows: 3, head: rows[2]!.hash, firstBrokenId: null, reason: null });
  });

  it('is append-only: SQLite refuses updates and deletes', () => {
    const db = seeded(2);
    expect(() => db.prepare(`UPDATE audit_log SET actor = 'mallory' WHERE id = 1`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 2').run()).toThrow(/append-only/);
  });

  it('finds the first row changed behind its back', () => {
    const db = seeded(5);
    // Someone with the database file in hand drops the guard and edits history.
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare(`UPDATE audit_log SET details = '{"i":99}' WHERE id = 3`).run();
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBrokenId: 3, reason: 'Row 3 was changed after it was written' });
  });

  it('finds a removed row', () => {
    const db = seeded(4);
    db.exec('DROP TRIGGER audit_log_no_delete');
    db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBrokenId: 3, reason: 'Row 2 is missing' });
  });

  it('finds a re-hashed row whose successor no longer links to it', () => {
    const db = seeded(3);
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare(`UPDATE audit_log SET hash = ? WHERE id = 2`).run('f'.repeat(64));
    expect(verifyAudit(db)).toMatchObject({ ok: false, firstBrokenId: 2 });
  });

  it('verifies an empty log as intact', () => {
    expect(verifyAudit(openDatabase(':memory:'))).toEqual({ ok: true, rows: 0, head: GENESIS_HASH, firstBrokenId: null, reason: null });
  });

  describe('head kept outside the database', () => {
    /** A database in its own data folder, as the app keeps it, with `n` rows appended and their heads recorded. */
    async function onDisk(n: number) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-audit-'));
      const db = openDatabase(path.join(dir, 'patchwell.db'));
      for (let i = 0; i < n; i++) {
        appendAudit(db, { actor: 'user', action: 'host.create', targetType: 'host', targetId: i + 1, details: { i } }, 1000 + i);
        // The head is written once the transaction has ended; let it be.
        await new Promise<void>((resolve) => process.nextTick(resolve));
      }
      return { dir, db };
    }

    it('appends each committed head to audit-head.log beside the database, never a rolled-back one', async () => {
      const { dir, db } = await onDisk(3);
      const head = verifyAudit(db).head;
      expect(readRecordedHead(db)).toEqual({ rows: 3, hash: head });
      expect(fs.readFileSync(path.join(dir, HEAD_FILE), 'utf8').trim().split('\n')).toHaveLength(3);
      expect(() => db.transaction(() => {
        appendAudit(db, { actor: 'user', action: 'host.create', details: null }, 2000);
        throw new Error('rolled back');
      })()).toThrow('rolled back');
      await new Promise<void>((resolve) => process.nextTick(resolve));
      expect(readRecordedHead(db)).toEqual({ rows: 3, hash: head });
      expect(verifyAudit(db)).toMatchObject({ ok: true, rows: 3 });
    });

    it('reports deleting the newest rows as truncation, in Verify and in a report', async () => {
      const { db } = await onDisk(5);
      expect(verifyAudit(db)).toMatchObject({ ok: true, rows: 5 });
      // Someone with the database file in hand removes the newest two rows; the chain that is left still links.
      db.exec('DROP TRIGGER audit_log_no_delete');
      db.prepare('DELETE FROM audit_log WHERE id > 3').run();
      const v = verifyAudit(db);
      expect(v).toMatchObject({ ok: false, rows: 3, firstBrokenId: 4 });
      expect(v.reason).toMatch(/^The audit trail was truncated: 2 newest rows \(4–5\) are gone from the database; audit-head\.log recorded 5 rows/);
      const report = collectReport(db, { from: 0, to: 10_000 }, { now: 10_000 });
      expect(report.auditChain).toMatchObject({ ok: false, rows: 3, firstBrokenId: 4, reason: v.reason });
    });

    it('reports newest rows deleted and replaced by others', async () => {
      const { db } = await onDisk(4);
      db.exec('DROP TRIGGER audit_log_no_delete');
      db.prepare('DELETE FROM audit_log WHERE id > 2').run();
      // Rewritten on top without the head file being told (as a tool working on the file alone would).
      const fresh = openDatabase(':memory:');
      for (const r of db.prepare('SELECT * FROM audit_log ORDER BY id').all()) {
        fresh.prepare('INSERT INTO audit_log VALUES (@id, @ts, @actor, @action, @target_type, @target_id, @details, @prev_hash, @hash)').run(r);
      }
      for (let i = 0; i < 3; i++) appendAudit(fresh, { actor: 'mallory', action: 'host.create', details: { i } }, 5000 + i);
      db.prepare('DELETE FROM audit_log').run();
      for (const r of fresh.prepare('SELECT * FROM audit_log ORDER BY id').all()) {
        db.prepare('INSERT INTO audit_log VALUES (@id, @ts, @actor, @action, @target_type, @target_id, @details, @prev_hash, @hash)').run(r);
      }
      expect(verifyAudit(db)).toMatchObject({ ok: false, rows: 5, firstBrokenId: 4, reason: expect.stringMatching(/^Row 4 is not the one audit-head\.log recorded/) });
    });
  });
});
