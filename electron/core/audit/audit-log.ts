/**
 * The append-only, hash-chained audit trail. Each row's hash covers its own fields and the previous row's
 * hash, so changing, removing or reordering any row breaks every hash after it; `verifyAudit` finds the
 * first row that no longer matches.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry, AuditVerifyResult } from '../../../shared/contract';
import { redactDeep } from '../../../shared/redact';
import type { Db } from '../db/open';
import { readRecordedHead, scheduleHeadRecord } from './audit-head';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  /** Who did it: "user", "policy:<name>", "system". */
  actor: string;
  /** What was done, e.g. "host.create", "deploy.install". */
  action: string;
  targetType?: string | null;
  targetId?: string | number | null;
  details?: unknown;
}

interface AuditRow {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  // A JSON array gives an unambiguous encoding: no field can run into the next.
  const canonical = JSON.stringify([
    row.id,
    row.ts,
    row.actor,
    row.action,
    row.target_type,
    row.target_id,
    row.details,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Appends one entry. Call it inside the same transaction as the change it records, so the two commit
 * together or not at all.
 */
export function appendAudit(db: Db, input: AuditInput, now = Date.now()): AuditEntry {
  const last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as
    | { id: number; hash: string }
    | undefined;
  const row: Omit<AuditRow, 'hash'> = {
    id: (last?.id ?? 0) + 1,
    ts: now,
    actor: input.actor,
    action: input.action,
    target_type: input.targetType ?? null,
    target_id: input.targetId == null ? null : String(input.targetId),
    // Details quote what the user typed (a health-check command or URL may carry a password): credentials in any
    // string are hidden before the row is hashed into the chain, so the trail never holds them.
    details: JSON.stringify(redactDeep(input.details ?? null)),
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const hash = hashAuditRow(row);
  db.prepare(
    `INSERT INTO audit_log (id, ts, actor, action, target_type, target_id, details, prev_hash, hash)
     VALUES (@id, @ts, @actor, @action, @target_type, @target_id, @details, @prev_hash, @hash)`,
  ).run({ ...row, hash });
  scheduleHeadRecord(db);
  return toEntry({ ...row, hash });
}

export function listAudit(db: Db, args: { limit?: number; beforeId?: number }): AuditEntry[] {
  const rows = db
    .prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?')
    .all(args.beforeId ?? Number.MAX_SAFE_INTEGER, args.limit ?? 200) as AuditRow[];
  return rows.map(toEntry);
}

/**
 * Walks the whole chain in id order (streaming keeps memory flat for years of history), then compares its
 * head with the one recorded outside the database (audit-head.ts): the newest rows deleted is truncation.
 */
export function verifyAudit(db: Db): AuditVerifyResult {
  const chain = verifyChain(db);
  if (!chain.ok) return chain;
  const recorded = readRecordedHead(db);
  if (!recorded || recorded.rows === 0) return chain;
  if (chain.rows < recorded.rows) {
    return {
      ...chain,
      ok: false,
      firstBrokenId: chain.rows + 1,
      reason: `The audit trail was truncated: ${recorded.rows - chain.rows} newest row${recorded.rows - chain.rows === 1 ? '' : 's'} ` +
        `(${chain.rows + 1}–${recorded.rows}) are gone from the database; audit-head.log recorded ${recorded.rows} rows, head ${recorded.hash}`,
    };
  }
  const atRecorded = db.prepare('SELECT hash FROM audit_log WHERE id = ?').get(recorded.rows) as { hash: string } | undefined;
  if (atRecorded?.hash !== recorded.hash) {
    return {
      ...chain,
      ok: false,
      firstBrokenId: recorded.rows,
      reason: `Row ${recorded.rows} is not the one audit-head.log recorded (${recorded.hash}): the trail was rewritten from there on`,
    };
  }
  return chain;
}

function verifyChain(db: Db): AuditVerifyResult {
  let prev = GENESIS_HASH;
  let expectedId = 1;
  let rows = 0;
  for (const row of db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as IterableIterator<AuditRow>) {
    const broken = (reason: string): AuditVerifyResult => ({ ok: false, rows, head: prev, firstBrokenId: row.id, reason });
    if (row.id !== expectedId) return broken(`Row ${expectedId} is missing`);
    if (row.prev_hash !== prev) return broken(`Row ${row.id} does not link to the row before it`);
    const { hash, ...rest } = row;
    if (hashAuditRow(rest) !== hash) return broken(`Row ${row.id} was changed after it was written`);
    prev = hash;
    expectedId += 1;
    rows += 1;
  }
  return { ok: true, rows, head: prev, firstBrokenId: null, reason: null };
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: JSON.parse(row.details) as unknown,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
