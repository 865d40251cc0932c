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

const caches = new WeakMap<EventBus, { patches: PatchRowsCache; machines: DerivedCache<MachineRisk[]>; byMachine: DerivedCache<MachinePatches[]> }>();

function cachesOf(events: EventBus) {
  let c = caches.get(events);
  if (!c) caches.set(events, (c = { patches: new PatchRowsCache(events), machines: new DerivedCache(events, machineRisks), byMachine: new DerivedCache(events, updatesByMachine) }));
  return c;
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
