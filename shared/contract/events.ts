/** Push events from the core to every connected renderer, declared once with their payload schemas. */
import { z } from 'zod';
import { job, jobLogLine, jobTarget } from './domain';
import { scanResult } from './discovery';

export const events = {
  /** A job changed state or progress (throttled per job). */
  'job/updated': z.object({ job, targets: z.array(jobTarget) }),
  /** New log lines of a job. */
  'job/log': z.object({ lines: z.array(jobLogLine) }),
  /** A scan saw one more machine (or found a known one missing). */
  'discovery/host': z.object({ jobId: z.number().int().positive(), result: scanResult }),
  /** The inventory changed: renderers refetch what they show. */
  'inventory/changed': z.object({ hostIds: z.array(z.number().int().positive()), reason: z.string() }),
  /** A deployment or one of its machines changed state: the Deployments page refetches it. */
  'deploy/changed': z.object({ deploymentId: z.number().int().positive() }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

/** An event as it travels over a bridge. */
export interface EventEnvelope<K extends EventName = EventName> {
  /** Event name from {@link events}. */
  name: K;
  payload: EventPayload<K>;
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
