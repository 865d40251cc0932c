/** Storing and reading notices (migration 0014). */
import type { Notice, NoticeKind, NoticeSeverity, NoticeTarget } from '../../../shared/contract';
import type { Db } from '../db/open';

/** A notice before it is stored. */
export interface NoticeDraft {
  kind: NoticeKind;
  severity: NoticeSeverity;
  title: string;
  body: string;
  target: NoticeTarget;
}

interface NoticeRow {
  id: number;
  kind: NoticeKind;
  severity: NoticeSeverity;
  title: string;
  body: string;
  page: NoticeTarget['page'];
  target_id: number | null;
  created_at: number;
  seen_at: number | null;
}

const toNotice = (r: NoticeRow): Notice => ({
  id: r.id,
  kind: r.kind,
  severity: r.severity,
  title: r.title,
  body: r.body,
  target: { page: r.page, id: r.target_id },
  createdAt: r.created_at,
  seenAt: r.seen_at,
});

const COLUMNS = 'id, kind, severity, title, body, page, target_id, created_at, seen_at';

export function insertNotices(db: Db, drafts: readonly NoticeDraft[], now: number): Notice[] {
  const insert = db.prepare(
    `INSERT INTO notices (kind, severity, title, body, page, target_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
  );
  return db.transaction(() => drafts.map((d) => toNotice(insert.get(d.kind, d.severity, d.title, d.body, d.target.page, d.target.id, now) as NoticeRow)))();
}

/** Every unseen notice (newest first), then the newest seen ones up to `limit` in all. */
export function listNotices(db: Db, limit = 100): Notice[] {
  const unseen = db.prepare(`SELECT ${COLUMNS} FROM notices WHERE seen_at IS NULL ORDER BY id DESC`).all() as NoticeRow[];
  const room = Math.max(0, limit - unseen.length);
  const seen = room ? (db.prepare(`SELECT ${COLUMNS} FROM notices WHERE seen_at IS NOT NULL ORDER BY id DESC LIMIT ?`).all(room) as NoticeRow[]) : [];
  return [...unseen, ...seen].map(toNotice);
}

/** Marks the given notices seen (every unseen one when ids is omitted); a notice already seen keeps its time. */
export function markNoticesSeen(db: Db, ids: readonly number[] | undefined, now: number): void {
  if (!ids) {
    db.prepare('UPDATE notices SET seen_at = ? WHERE seen_at IS NULL').run(now);
    return;
  }
  const stmt = db.prepare('UPDATE notices SET seen_at = ? WHERE id = ? AND seen_at IS NULL');
  db.transaction(() => ids.forEach((id) => stmt.run(now, id)))();
}

export function clearSeenNotices(db: Db): number {
  return db.prepare('DELETE FROM notices WHERE seen_at IS NOT NULL').run().changes;
}
