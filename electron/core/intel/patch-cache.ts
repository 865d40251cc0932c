/**
 * The Patches page rows, built once and kept until something they depend on changes: every change to
 * machines, inventory, approvals or feeds announces itself with an `inventory/changed` event, which drops the
 * cache. Rows also expire after a minute so the ages in the score (days since a fix was published) move on.
 */
import type { PatchRow } from '../../../shared/contract';
import type { Db } from '../db/open';
import type { EventBus } from '../event-bus';
import { buildPatchRows } from './patch-list';

export const PATCH_ROWS_TTL_MS = 60_000;

export class PatchRowsCache {
  private rows: PatchRow[] | null = null;
  private builtAt = 0;

  constructor(
    events: EventBus,
    private readonly build: (db: Db, now: number) => PatchRow[] = buildPatchRows,
    private readonly ttlMs = PATCH_ROWS_TTL_MS,
  ) {
    events.subscribe((e) => {
      if (e.name === 'inventory/changed') this.rows = null;
    });
  }

  get(db: Db, now = Date.now()): PatchRow[] {
    if (!this.rows || now - this.builtAt >= this.ttlMs || now < this.builtAt) {
      this.rows = this.build(db, now);
      this.builtAt = now;
    }
    return this.rows;
  }
}

const caches = new WeakMap<EventBus, PatchRowsCache>();

/** The cache of one running core (one event bus, one database). */
export function patchRowsCache(events: EventBus): PatchRowsCache {
  let c = caches.get(events);
  if (!c) caches.set(events, (c = new PatchRowsCache(events)));
  return c;
}
