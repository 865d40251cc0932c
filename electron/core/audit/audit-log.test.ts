import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
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
});
