/**
 * Notices: what Patchwell has to tell the administrator after work nobody watched (a deployment that finished
 * at 2 am, an assessment that failed, a machine waiting for a restart, a newly known-exploited finding). Kept in
 * the database so a reload or a restart still shows the unseen ones. Declared here and spread into calls.ts.
 */
import { z } from 'zod';
import { epochMs } from './domain';

export const noticeKind = z.enum([
  /** A deployment ended with every machine updated (or was cancelled). */
  'deploy-finished',
  /** A deployment ended with machines failed, rolled back or not started (halted). */
  'deploy-failed',
  /** A rollback ended with every machine restored. */
  'rollback-finished',
  /** A rollback left machines unrestored. */
  'rollback-failed',
  /** An assessment could not assess some machines. */
  'assess-failed',
  /** Machines that now need a restart to finish their updates. */
  'reboot-needed',
  /** Open updates that now fix a CVE on the KEV list, which were not such before (after an assessment or a feed import). */
  'kev-new',
]);
export type NoticeKind = z.infer<typeof noticeKind>;

export const noticeSeverity = z.enum(['info', 'warning', 'error']);
export type NoticeSeverity = z.infer<typeof noticeSeverity>;

/** The page of the app a notice opens (the renderer's page names), and the record on it when there is one. */
export const noticeTarget = z.object({
  page: z.enum(['dashboard', 'machines', 'patches', 'deployments']),
  /** A deployment id (deployments) or a machine id (machines); null: the page itself. */
  id: z.number().int().positive().nullable(),
});
export type NoticeTarget = z.infer<typeof noticeTarget>;

export const notice = z.object({
  id: z.number().int().positive(),
  kind: noticeKind,
  severity: noticeSeverity,
  /** One line, plain text. */
  title: z.string(),
  /** Plain text: machines by their label, no secrets, no links. */
  body: z.string(),
  target: noticeTarget,
  createdAt: epochMs,
  /** When the user opened it (or marked it seen); null while unseen. */
  seenAt: epochMs.nullable(),
});
export type Notice = z.infer<typeof notice>;

const ok = z.object({ ok: z.literal(true) });

export const noticeCalls = {
  /** Newest first: every unseen notice, then seen ones up to the limit. */
  'notices/list': { arg: z.object({ limit: z.number().int().min(1).max(500).optional() }), result: z.array(notice) },
  /** Marks notices seen (all unseen ones when ids is omitted). */
  'notices/mark-seen': { arg: z.object({ ids: z.array(z.number().int().positive()).max(10_000).optional() }), result: ok },
  /** Deletes the notices already seen. */
  'notices/clear-seen': { arg: z.undefined(), result: z.object({ cleared: z.number().int().nonnegative() }) },
} as const;
