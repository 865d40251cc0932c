/** A tiny typed fan-out for the core's push events; the bridges subscribe and forward to renderers. */
import type { EventEnvelope, EventName, EventPayload } from '../../shared/contract';

export interface EventSink {
  emit<K extends EventName>(name: K, payload: EventPayload<K>): void;
}

export class EventBus implements EventSink {
  private readonly listeners = new Set<(e: EventEnvelope) => void>();

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    // TypeScript cannot pair a generic name with its payload inside the union; emit's signature already did.
    const envelope = { name, payload } as EventEnvelope;
    for (const fn of this.listeners) {
      try {
        fn(envelope);
      } catch {
        // One broken subscriber (a closed socket) must not stop the others.
      }
    }
  }

  subscribe(fn: (e: EventEnvelope) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
