/**
 * Feed downloads run as jobs of their own kind, 'feeds'. The jobs table's CHECK lists the kinds, and SQLite cannot
 * alter a CHECK; rebuilding the table would cascade-delete every job's targets and log through their foreign keys
 * (foreign_keys cannot be turned off inside the migration's transaction) and drop any column added since. Adding a
 * value to an IN list only loosens the constraint and leaves every stored row valid, which is the case SQLite's
 * ALTER TABLE page gives for editing sqlite_schema directly (https://sqlite.org/lang_altertable.html#otheralter):
 * the table's SQL is edited in place and schema_version bumped, in the migration's transaction.
 */
import type { Db } from '../open';

export function run(db: Db): void {
  const row = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'jobs'`).get() as { sql: string } | undefined;
  if (!row) throw new Error('the jobs table is missing');
  if (/CHECK \(kind IN \([^)]*'feeds'/.test(row.sql)) return;
  // Prepended, so the edit holds whatever kinds other migrations have listed before this one.
  const edited = row.sql.replace('CHECK (kind IN (', "CHECK (kind IN ('feeds',");
  if (edited === row.sql) throw new Error(`the jobs table's kind CHECK is not in the expected form: ${row.sql.slice(0, 300)}`);
  const version = db.pragma('schema_version', { simple: true }) as number;
  // better-sqlite3 opens connections in defensive mode, which forbids writing sqlite_schema; only for this edit.
  db.unsafeMode(true);
  try {
    db.pragma('writable_schema = ON');
    db.prepare(`UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'jobs'`).run(edited);
    // PRAGMA cannot take a bound parameter; the value is an integer read just above.
    db.pragma(`schema_version = ${Number(version) + 1}`);
    db.pragma('writable_schema = OFF');
  } finally {
    db.unsafeMode(false);
  }
  const check = db.prepare('PRAGMA quick_check').pluck().get();
  if (check !== 'ok') throw new Error(`the database failed its check after the jobs kind edit: ${String(check)}`);
}
