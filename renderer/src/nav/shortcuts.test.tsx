import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useCallback, useState } from 'react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installDialogPolyfill } from '../components/dialog-polyfill.test-util';
import { ShortcutsHelp } from '../components/shortcuts-help';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { hashOf, pageFromHash } from './routes';
import { createShortcutReader, isTyping } from './shortcuts';
import { useHashRoute } from './use-hash-route';
import { useShortcuts } from './use-shortcuts';

function Harness() {
  useHashRoute();
  const [help, setHelp] = useState(false);
  const [approved, setApproved] = useState(0);
  useShortcuts(useCallback(() => setHelp(true), []));
  const page = useUiStore((s) => s.page);
  return (
    <>
      <main>
        <p>on {page}</p>
        <input type="search" aria-label="Search machines" />
        <input aria-label="Name" />
        <button type="button" data-shortcut="approve" onClick={() => setApproved((n) => n + 1)}>
          Approve ({approved})
        </button>
      </main>
      <ShortcutsHelp open={help} onClose={() => setHelp(false)} />
    </>
  );
}

const key = (k: string, init: KeyboardEventInit = {}, target: Element | Window = window): void => {
  fireEvent.keyDown(target, { key: k, ...init });
};

beforeAll(installDialogPolyfill);
beforeEach(() => {
  useUiStore.setState(initialUiState);
  window.history.replaceState(null, '', '/');
});
afterEach(cleanup);

describe('routes', () => {
  it('reads only known pages from the address', () => {
    expect(pageFromHash('#/machines')).toBe('machines');
    expect(pageFromHash(hashOf('schedules'))).toBe('schedules');
    expect(pageFromHash('#/nowhere')).toBeNull();
    expect(pageFromHash('#notice=12')).toBeNull();
    expect(pageFromHash('')).toBeNull();
  });

  it('opens the page the address names, and writes the address on every move', () => {
    window.history.replaceState(null, '', '/#/patches');
    render(<Harness />);
    expect(screen.getByText('on patches')).toBeTruthy();
    key('g');
    key('r');
    expect(screen.getByText('on reports')).toBeTruthy();
    expect(window.location.hash).toBe('#/reports');
  });

  it('leaves a #notice= address alone for the notice handler', () => {
    window.history.replaceState(null, '', '/#notice=7');
    render(<Harness />);
    expect(window.location.hash).toBe('#notice=7');
    expect(screen.getByText('on dashboard')).toBeTruthy();
  });
});

describe('keyboard shortcuts', () => {
  it('switches pages with g then a letter and with Alt+digit', () => {
    render(<Harness />);
    key('g');
    key('m');
    expect(screen.getByText('on machines')).toBeTruthy();
    key('3', { altKey: true, code: 'Digit3' });
    expect(screen.getByText('on patches')).toBeTruthy();
    // "g" waits for exactly one key: an unrelated key ends the wait.
    key('g');
    key('x');
    key('d');
    expect(screen.getByText('on patches')).toBeTruthy();
  });

  it('focuses search with / and approves the selection with a', () => {
    render(<Harness />);
    key('/');
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search machines' }));
    key('a', {}, screen.getByRole('button', { name: /Approve/ }));
    expect(screen.getByRole('button', { name: 'Approve (1)' })).toBeTruthy();
  });

  it('never fires while typing in a field', () => {
    render(<Harness />);
    const name = screen.getByRole('textbox', { name: 'Name' });
    key('g', {}, name);
    key('m', {}, name);
    key('a', {}, name);
    key('?', {}, name);
    expect(screen.getByText('on dashboard')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Approve (0)' })).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(isTyping(name)).toBe(true);
    expect(isTyping(screen.getByRole('button', { name: /Approve/ }))).toBe(false);
  });

  it('opens the help view with ? and lists the shortcuts there', () => {
    render(<Harness />);
    key('?');
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog.textContent).toContain('g then m');
    expect(dialog.textContent).toContain('Approve the selected updates');
  });

  it('reads a key sequence without timing: the reader is pure over its inputs', () => {
    const read = createShortcutReader();
    const ev = (k: string) => ({ key: k, altKey: false, ctrlKey: false, metaKey: false, target: null });
    expect(read(ev('g'))).toBeNull();
    expect(read(ev('s'))).toEqual({ kind: 'go', page: 'settings' });
    expect(read(ev('s'))).toBeNull();
    expect(read({ ...ev('r'), ctrlKey: true })).toBeNull();
  });
});
