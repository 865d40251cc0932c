import type { Page } from '../stores/ui-store';
import { PAGES } from './routes';

/** What a key press asks for; the hook that listens performs it. */
export type ShortcutAction =
  | { kind: 'go'; page: Page }
  | { kind: 'search' }
  | { kind: 'approve' }
  | { kind: 'help' };

/** The letter after "g" for each page, as listed in the help view. */
export const GO_KEYS: Record<string, Page> = { h: 'dashboard', m: 'machines', p: 'patches', d: 'deployments', r: 'reports', c: 'schedules', s: 'settings' };

/** The help view's list, kept beside the key handling so the two cannot drift apart. */
export const SHORTCUT_HELP: { keys: string; what: string }[] = [
  { keys: '/', what: 'Search on this page' },
  ...Object.entries(GO_KEYS).map(([k, page]) => ({ keys: `g then ${k}`, what: `Go to ${page[0]?.toUpperCase()}${page.slice(1)}` })),
  { keys: `Alt+1 … Alt+${PAGES.length}`, what: 'Go to a page, in the sidebar’s order' },
  { keys: 'a', what: 'Approve the selected updates (Patches)' },
  { keys: '?', what: 'Show these shortcuts' },
];

export interface KeyLike {
  key: string;
  /** The physical key: Alt+1 types '¡' on a Mac keyboard, so digits are read from here. */
  code?: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  target: EventTarget | null;
}

/** True where a key press is text being typed: shortcuts must never take it. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(type);
}

/**
 * Turns key presses into actions. "g" waits for the next key (whatever it is, the wait ends there), so a
 * sequence never depends on how fast it is typed.
 */
export function createShortcutReader(): (e: KeyLike) => ShortcutAction | null {
  let pendingG = false;
  return (e) => {
    if (isTyping(e.target) || e.ctrlKey || e.metaKey) {
      pendingG = false;
      return null;
    }
    if (e.altKey) {
      pendingG = false;
      const digit = /^Digit([1-9])$/.exec(e.code ?? '')?.[1] ?? (/^[1-9]$/.test(e.key) ? e.key : undefined);
      const n = digit ? Number(digit) : NaN;
      const page = PAGES[n - 1];
      return page ? { kind: 'go', page } : null;
    }
    if (pendingG) {
      pendingG = false;
      const page = GO_KEYS[e.key];
      return page ? { kind: 'go', page } : null;
    }
    switch (e.key) {
      case 'g':
        pendingG = true;
        return null;
      case '/':
        return { kind: 'search' };
      case '?':
        return { kind: 'help' };
      case 'a':
        return { kind: 'approve' };
      default:
        return null;
    }
  };
}
