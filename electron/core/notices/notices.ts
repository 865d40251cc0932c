/**
 * Turns the core's events into stored notices and announces them (notices/added). Plain listeners on the bus:
 * anything else that reacts to the same events (the e-mail helper) subscribes on its own.
 */
import type { EventEnvelope } from '../../../shared/contract';
import type { Db } from '../db/open';
import type { EventBus } from '../event-bus';
import { insertNotices, type NoticeDraft } from './notice-queries';
import { assessNotice, deployNotice } from './run-notices';
import { newKevNotice, newRebootNotice, primeWatches } from './watches';

/** The notices an event gives (and the watches it moves on); none for most events. */
export function noticesFor(db: Db, e: EventEnvelope, now: number): NoticeDraft[] {
  switch (e.name) {
    case 'deploy/finished':
      return [deployNotice(db, e.payload), newRebootNotice(db, now)].filter((d): d is NoticeDraft => d !== null);
    case 'assess/finished':
      return [assessNotice(db, e.payload), newRebootNotice(db, now), newKevNotice(db, now)].filter((d): d is NoticeDraft => d !== null);
    case 'inventory/changed':
      // New intelligence can make open updates known-exploited without any machine changing.
      return e.payload.reason === 'feeds' ? [newKevNotice(db, now)].filter((d): d is NoticeDraft => d !== null) : [];
    default:
      return [];
  }
}

/** Subscribes; returns the unsubscribe. The watches' first looks are taken now if never taken (silently). */
export function startNotices(db: Db, events: EventBus, clock: () => number = Date.now): () => void {
  primeWatches(db, clock());
  return events.subscribe((e) => {
    const drafts = noticesFor(db, e, clock());
    if (drafts.length) events.emit('notices/added', { notices: insertNotices(db, drafts, clock()) });
  });
}
