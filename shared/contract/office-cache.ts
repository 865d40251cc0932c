/**
 * The office cache: the caching proxy for package repositories that jobs lend to machines through their SSH
 * connection, so the fleet downloads each file once and machines without internet access can be patched.
 */
import { z } from 'zod';

const MIB = 1024 * 1024;
export const OFFICE_CACHE_MIN_BYTES = 256 * MIB;
export const OFFICE_CACHE_MAX_BYTES = 16 * 1024 * 1024 * MIB;
export const OFFICE_CACHE_DEFAULT_BYTES = 10 * 1024 * MIB;

export const officeCacheSettings = z.object({
  /** Run the cache and lend it to machines during jobs. */
  enabled: z.boolean(),
  /** The size bound: least recently used files are deleted beyond it. */
  maxBytes: z.number().int().min(OFFICE_CACHE_MIN_BYTES).max(OFFICE_CACHE_MAX_BYTES),
  /** Machines get only what the cache holds: nothing is fetched from the internet. */
  offline: z.boolean(),
});
export type OfficeCacheSettings = z.infer<typeof officeCacheSettings>;

const count = z.number().int().nonnegative();

export const officeCacheStats = z.object({
  /** Whether the cache runs (off in Settings, or in a process that does not own the data folder). */
  enabled: z.boolean(),
  offline: z.boolean(),
  /** The folder holding the files and their index. */
  dir: z.string(),
  /** Bytes held, and the bound. */
  bytes: count,
  maxBytes: count,
  files: count,
  /** Requests answered from what the cache holds, or from a download another machine started (since start). */
  hits: count,
  /** Requests that needed their own upstream request, or that offline mode could not answer (since start). */
  misses: count,
  /** Bytes fetched from the internet, and bytes given to machines (since start). */
  bytesFromUpstream: count,
  bytesServed: count,
});
export type OfficeCacheStats = z.infer<typeof officeCacheStats>;

export const officeCacheCalls = {
  /** What the cache holds and has done since the app started. */
  'cache/status': { arg: z.undefined(), result: officeCacheStats },
  /** Deletes every file the cache holds (downloads in flight finish); returns the new state. */
  'cache/clear': { arg: z.undefined(), result: officeCacheStats },
} as const;
