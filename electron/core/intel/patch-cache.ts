/**
 * Figures derived from the whole inventory (the Patches page rows, each machine's risk), built once and kept
 * until something they depend on changes: every change to machines, tags, inventory, approvals or feeds
 * announces itself with an `inventory/changed` event, which drops them. They also expire after a minute so
 * the ages in the score (weeks waited, weeks since a fix was published) move on.
 */
import type { MachinePatches, MachineRisk, PatchRow } from '../../../shared/contract';
import type { Db } from '../db/open';
import type { EventBus } from '../event-bus';
import { machineRisks, updatesByMachine } from './machine-risk';
import { readOpenUpdates, type OpenUpdateTable } from './open-update-cases';
import { buildPatchRows } from './patch-list';

export const PATCH_ROWS_TTL_MS = 60_000;

export class DerivedCache<T> {
  private value: T | null = null;
  private builtAt = 0;

  constructor(
    events: EventBus,
    private readonly build: (db: Db, now: number) => T,
    private readonly ttlMs = PATCH_ROWS_TTL_MS,
  ) {
    events.subscribe((e) => {
      if (e.name === 'inventory/changed') this.value = null;
    });
  }

  get(db: Db, now = Date.now()): T {
    if (this.value === null || now - this.builtAt >= this.ttlMs || now < this.builtAt) {
      this.value = this.build(db, now);
      this.builtAt = now;
    }
    return this.value;
  }
}

export class PatchRowsCache extends DerivedCache<PatchRow[]> {
  constructor(events: EventBus, build: (db: Db, now: number) => PatchRow[] = buildPatchRows, ttlMs = PATCH_ROWS_TTL_MS) {
    super(events, build, ttlMs);
  }
}

interface Caches {
  patches: PatchRowsCache;
  openUpdates: DerivedCache<OpenUpdateTable>;
  machines: DerivedCache<MachineRisk[]>;
  byMachine: DerivedCache<MachinePatches[]>;
}

const caches = new WeakMap<EventBus, Caches>();

function cachesOf(events: EventBus): Caches {
  let c = caches.get(events);
  if (!c) {
    // The scored open updates are read once for the Machines page, the by-machine view, the Dashboard and a
    // rule's preview (the page opened next reads them again only after a change or a minute).
    const openUpdates = new DerivedCache(events, readOpenUpdates);
    c = {
      patches: new PatchRowsCache(events),
      openUpdates,
      machines: new DerivedCache(events, (db, now) => machineRisks(db, now, openUpdates.get(db, now))),
      byMachine: new DerivedCache(events, (db, now) => updatesByMachine(db, now, openUpdates.get(db, now))),
    };
    caches.set(events, c);
  }
  return c;
}

/** Every open update, scored: what the Dashboard and a rule's preview read (not the policies' evaluation, which reads afresh). */
export function openUpdatesCache(events: EventBus): DerivedCache<OpenUpdateTable> {
  return cachesOf(events).openUpdates;
}

/** The Patches rows of one running core (one event bus, one database). */
export function patchRowsCache(events: EventBus): PatchRowsCache {
  return cachesOf(events).patches;
}

/** Each machine's risk, for the Machines page. */
export function machineRiskCache(events: EventBus): DerivedCache<MachineRisk[]> {
  return cachesOf(events).machines;
}

/** The Patches page grouped by machine. */
export function byMachineCache(events: EventBus): DerivedCache<MachinePatches[]> {
  return cachesOf(events).byMachine;
}
