import { useEffect } from 'react';
import { noticeIdFromHash } from '../stores/notices-store';
import { useUiStore } from '../stores/ui-store';
import { hashOf, pageFromHash } from './routes';

/**
 * Keeps the page and the address in step both ways: the address picks the page at start and on back/forward,
 * and every page change writes the address. A #notice=ID address is left for the notice handler to consume.
 */
export function useHashRoute(): void {
  useEffect(() => {
    const fromAddress = (): void => {
      const page = pageFromHash(window.location.hash);
      if (page && page !== useUiStore.getState().page) useUiStore.getState().go(page);
    };
    fromAddress();
    const write = (): void => {
      if (noticeIdFromHash(window.location.hash) !== null) return;
      const target = hashOf(useUiStore.getState().page);
      if (window.location.hash === target) return;
      // The first write replaces the entry so the start page does not add a Back step of its own.
      if (window.location.hash === '' || pageFromHash(window.location.hash) === null) window.history.replaceState(null, '', target);
      else window.history.pushState(null, '', target);
    };
    write();
    const unsubscribe = useUiStore.subscribe((s, prev) => {
      if (s.page !== prev.page) write();
    });
    window.addEventListener('hashchange', fromAddress);
    window.addEventListener('popstate', fromAddress);
    return () => {
      unsubscribe();
      window.removeEventListener('hashchange', fromAddress);
      window.removeEventListener('popstate', fromAddress);
    };
  }, []);
}
