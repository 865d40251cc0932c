/**
 * Every call the renderer can make to the core, declared once. The core validates arguments against
 * `arg` and (in tests) results against `result`; the renderer's `invoke` is typed from this map.
 */
import { z } from 'zod';
import {
  auditEntry,
  auditVerifyResult,
  host,
  hostInput,
  job,
  jobDetail,
  jobLogLine,
} from './domain';

const id = z.object({ id: z.number().int().positive() });
const ok = z.object({ ok: z.literal(true) });

export const calls = {
  /** Version, data folder and runtime, for the About box and diagnostics. */
  'app/info': {
    arg: z.undefined(),
    result: z.object({
      version: z.string(),
      schemaVersion: z.number().int(),
      dataDir: z.string(),
      runtime: z.enum(['electron', 'browser']),
    }),
  },
  'hosts/list': { arg: z.undefined(), result: z.array(host) },
  'hosts/get': { arg: id, result: host },
  'hosts/create': { arg: hostInput, result: host },
  'hosts/update': { arg: z.object({ id: z.number().int().positive(), patch: hostInput.partial() }), result: host },
  'hosts/remove': { arg: z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }), result: ok },
  /** Starts a job that checks which machines answer on their management ports. */
  'hosts/check': {
    arg: z.object({ ids: z.array(z.number().int().positive()).max(10_000).optional() }),
    result: z.object({ jobId: z.number().int().positive() }),
  },
  'jobs/list': { arg: z.object({ limit: z.number().int().min(1).max(500).optional() }), result: z.array(job) },
  'jobs/get': { arg: id, result: jobDetail },
  'jobs/log': {
    arg: z.object({ id: z.number().int().positive(), afterId: z.number().int().nonnegative().optional() }),
    result: z.array(jobLogLine),
  },
  'jobs/cancel': { arg: id, result: ok },
  'audit/list': {
    arg: z.object({
      limit: z.number().int().min(1).max(1000).optional(),
      beforeId: z.number().int().positive().optional(),
    }),
    result: z.array(auditEntry),
  },
  'audit/verify': { arg: z.undefined(), result: auditVerifyResult },
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallArg<K extends CallName> = z.input<Calls[K]['arg']>;
export type CallResult<K extends CallName> = z.output<Calls[K]['result']>;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
