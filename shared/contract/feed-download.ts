/**
 * Downloading vulnerability feeds from their publishers, only when the user has allowed it (Patchwell works
 * offline by default: feeds come from files). The sources are fixed in the core; nothing here names a URL.
 */
import { z } from 'zod';
import { epochMs } from './domain';

export const feedDownloadOutcome = z.object({
  source: z.string(),
  label: z.string(),
  ok: z.boolean(),
  /** What happened, in plain words: the feed's date and size, or why it was not taken. */
  message: z.string(),
});
export type FeedDownloadOutcome = z.infer<typeof feedDownloadOutcome>;

export const feedDownloadState = z.object({
  allowed: z.boolean(),
  sources: z.array(z.object({ id: z.string(), label: z.string(), url: z.string() })),
  lastRun: z.object({ at: epochMs, outcomes: z.array(feedDownloadOutcome) }).nullable(),
});
export type FeedDownloadState = z.infer<typeof feedDownloadState>;

export const feedDownloadCalls = {
  /** Whether downloads are allowed, from where, and how the last download went. */
  'feeds/download-state': { arg: z.undefined(), result: feedDownloadState },
  'feeds/set-download': { arg: z.object({ allowed: z.boolean() }), result: feedDownloadState },
  /**
   * Starts a refresh job that downloads every source (refused unless allowed, or while one runs); a source that
   * fails leaves its feed in force. Progress and the per-source outcome are the job's; the state's lastRun too.
   */
  'feeds/download': { arg: z.undefined(), result: z.object({ jobId: z.number().int() }) },
} as const;
