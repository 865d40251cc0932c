/**
 * The audit chain's head kept outside the database. The chain is unkeyed SHA-256 in the same file as the
 * rows, so deleting the newest rows leaves a shorter chain that still verifies. Each committed head (row count
 * and hash of the newest row) is also appended to audit-head.log beside the database, and Verify compares the
 * two: a database behind its recorded head has lost rows. (Reports quote the head too, so a copy lives even
 * further away.)
 *
 * The line is written after the transaction that added the row has ended (next tick), reading the head as
 * committed: a rolled-back row is never recorded, and a stop before the write only leaves the file a row behind,
 * which Verify accepts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/open';

export const HEAD_FILE = 'audit-head.log';

export interface RecordedHead {
  rows: number;
  hash: string;
}

const LINE = /^(\d+) ([0-9a-f]{64}) \d+$/;
const scheduled = new WeakSet<Db>();
const lastWritten = new WeakMap<Db, string>();

/** The head file of a database on disk; null for an in-memory one. */
export function headFileOf(db: Db): string | null {
  return db.memory || !db.name ? null : path.join(path.dirname(path.resolve(db.name)), HEAD_FILE);
}

/** Records the committed head once the current transaction, if any, has ended. */
export function scheduleHeadRecord(db: Db): void {
  if (scheduled.has(db) || headFileOf(db) === null) return;
  scheduled.add(db);
  process.nextTick(() => {
    scheduled.delete(db);
    if (db.open) recordHead(db);
  });
}

/** Appends the database's current head to the head file, unless it is the one written last. */
export function recordHead(db: Db, now = Date.now()): void {
  const file = headFileOf(db);
  if (!file) return;
  const head = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
  if (!head) return;
  const key = `${head.id} ${head.hash}`;
  if (lastWritten.get(db) === key) return;
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, `${key} ${now}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  lastWritten.set(db, key);
}

/** The newest head in the file; a torn last line (a stop mid-write) is skipped. Null when there is none. */
export function readRecordedHead(db: Db): RecordedHead | null {
  const file = headFileOf(db);
  if (!file || !fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = LINE.exec(lines[i]!.trim());
    if (m) return { rows: Number(m[1]), hash: m[2]! };
  }
  return null;
}
