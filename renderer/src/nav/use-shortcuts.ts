import { useEffect } from 'react';
import { useUiStore } from '../stores/ui-store';
import { createShortcutReader } from './shortcuts';

/**
 * Listens for the app's keyboard shortcuts. Search and approve act on what the page marks with
 * data-shortcut="search" / "approve", so each page keeps owning its controls.
 */
export function useShortcuts(openHelp: () => void): void {
  useEffect(() => {
    const read = createShortcutReader();
    const onKey = (e: KeyboardEvent): void => {
      // An open modal owns the keyboard.
      if (document.querySelector('dialog[open]')) return;
      const action = read(e);
      if (!action) return;
      switch (action.kind) {
        case 'go':
          useUiStore.getState().go(action.page);
          break;
        case 'search': {
          const box = document.querySelector<HTMLElement>('main [data-shortcut="search"], main input[type="search"]');
          if (!box) return;
          box.focus();
          break;
        }
        case 'approve': {
          const button = document.querySelector<HTMLButtonElement>('main [data-shortcut="approve"]');
          if (!button || button.disabled) return;
          button.click();
          break;
        }
        case 'help':
          openHelp();
          break;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openHelp]);
}
