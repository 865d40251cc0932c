/** A store's `busy` flag held for the length of one change. */

/**
 * Returns a runner that sets `busy` while the change runs and clears it however the change ends; a failure
 * reaches the caller (which shows it) after busy is cleared.
 */
export function busyRunner(set: (patch: { busy: boolean }) => void): <T>(fn: () => Promise<T>) => Promise<T> {
  return async (fn) => {
    set({ busy: true });
    try {
      return await fn();
    } finally {
      set({ busy: false });
    }
  };
}
