import type { Page } from '../stores/ui-store';

/** Every page, in the sidebar's order; Alt+1… follows this order too. */
export const PAGES: readonly Page[] = ['dashboard', 'machines', 'patches', 'deployments', 'reports', 'schedules', 'settings'];

/** The address of a page: a hash route, so a reload (or a bookmark in the headless host) lands on the same page. */
export function hashOf(page: Page): string {
  return `#/${page}`;
}

/** The page a hash names, or null for anything else (an empty hash, #notice=12, a page that does not exist). */
export function pageFromHash(hash: string): Page | null {
  const m = /^#\/([a-z]+)$/.exec(hash);
  if (!m) return null;
  return PAGES.find((p) => p === m[1]) ?? null;
}
