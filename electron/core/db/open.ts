import Database from 'better-sqlite3';
import { latestVersion, migrations, type Migration } from './migrations';

export type Db = Database.Database;

export class SchemaTooNewError extends Error {
  constructor(found: number, supported: number) {
    super(
      `This inventory was written by a newer Patchwell (schema ${found}; this version understands up to ${supported}). ` +
        'Update Patchwell, or point PATCHWELL_HOME at another folder.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface OpenOptions {
  /** Apply migrations only up to this version (tests of older schemas). */
  upTo?: number;
  /** Called with statements slower than the threshold; Signal uses 40 ms. */
  onSlowQuery?: (sql: string, ms: number) => void;
}

/** Opens (creating if needed) the inventory database and brings its schema up to date. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const db = new Database(file);
  try {
    // WAL lets readers run beside the writer; FULL makes a committed change survive a power cut, which is
    // what an audit trail and a deployment journal need.
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Because foreign key support is not enabled by default!
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations, options.upTo ?? latestVersion);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Applies the pending migrations in one transaction: either the database reaches the target version or
 * it is left exactly as it was and start-up stops with the error.
 */
export function migrate(db: Db, list: readonly Migration[], target: number): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > list.length) throw new SchemaTooNewError(current, list.length);
  const pending = list.filter((m) => m.version > current && m.version <= target);
  if (pending.length === 0) return current;
  db.transaction(() => {
    for (const m of pending) {
      try {
        db.exec(m.sql);
        m.run?.(db);
      } catch (err) {
        throw new Error(`Migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    // PRAGMA cannot take a bound parameter; the value is an integer from our own list.
    db.pragma(`user_version = ${Number(pending[pending.length - 1]!.version)}`);
  })();
  return target;
}

export function closeDatabase(db: Db): void {
  if (!db.open) return;
  try {
    db.pragma('optimize');
  } finally {
    db.close();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
