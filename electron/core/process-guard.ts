/**
 * The last line for errors nothing caught (a timer's write, a promise nobody awaited). A full data folder is a
 * state the core lives through: it is noted (no new job starts, the user is told) and the process stays up, so
 * the deployments in flight finish their rollbacks. Anything else leaves the core in a state nobody knows: it is
 * written to standard error and the process ends, and the next start marks its jobs interrupted for Repair.
 */
import { isStorageFull, type StorageMonitor } from './db/storage';

export interface GuardTarget {
  storage: () => StorageMonitor | null;
  log?: (message: string, err: unknown) => void;
  exit?: (code: number) => void;
}

export function handleUncaught(err: unknown, target: GuardTarget): 'noted' | 'exited' {
  const log = target.log ?? ((m, e) => console.error(m, e));
  const storage = target.storage();
  if (storage && isStorageFull(err)) {
    storage.noteFull(err);
    log('Patchwell: the data folder is full; the core goes on without recording until there is room:', err instanceof Error ? err.message : err);
    return 'noted';
  }
  log('Patchwell: an unexpected error stopped the core (its jobs will be marked interrupted at the next start):', err);
  (target.exit ?? ((code) => process.exit(code)))(70);
  return 'exited';
}

/** Installs the handlers on this process; returns the function that removes them. */
export function installProcessGuard(target: GuardTarget): () => void {
  const onError = (err: unknown): void => void handleUncaught(err, target);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}
