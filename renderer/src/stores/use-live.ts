/** Shows a store's server data in a component: loaded on mount and kept current by push events while mounted. */
import { useEffect } from 'react';
import { watch, type LiveKey } from './events';

export function useLive(key: LiveKey): void {
  useEffect(() => watch(key), [key]);
}
