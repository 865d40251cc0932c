/**
 * The report's own read of the inventory: one SQLite snapshot from the executive summary's collection to the full
 * report's, so both state the same figures even when an assessment or an approval is written between the two (the
 * summary's print lies between them). A second, read-only connection in one read transaction (WAL lets the core's
 * connection write meanwhile); an in-memory database (tests) has no second connection, and its own is used.
 */
import Database from 'better-sqlite3';
import type { Db } from '../db/open';

export function readSnapshot(db: Db): { db: Db; end: () => void } {
  if (db.memory || !db.name) return { db, end: () => undefined };
  const snap = new Database(db.name, { readonly: true, fileMustExist: true });
  try {
    snap.pragma('busy_timeout = 5000');
    // Deferred: the snapshot is taken at the first read, the summary's.
    snap.exec('BEGIN');
  } catch (e) {
    snap.close();
    throw e;
  }
  return {
    db: snap,
    // Called once the full report's data is read, and again when the report ends: the second call does nothing.
    end: () => {
      if (!snap.open) return;
      if (snap.inTransaction) snap.exec('COMMIT');
      snap.close();
    },
  };
}
