import { useLayoutEffect, useRef } from 'react';

/**
 * Gives focus back to what opened a detail view when it closes (the Patches row, the button), so the keyboard
 * user carries on where they were. A layout effect: it runs before the dialog's showModal moves focus.
 */
export function useReturnFocus(open: boolean): void {
  const opener = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    if (open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      return;
    }
    const el = opener.current;
    opener.current = null;
    if (el?.isConnected) el.focus();
  }, [open]);
}
