import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SkipLink } from './skip-link';

afterEach(cleanup);

describe('skip link', () => {
  it('is the first Tab stop and moves focus to the content without changing the address', () => {
    window.history.replaceState(null, '', '/#/patches');
    render(
      <>
        <SkipLink target="content" />
        <nav>
          <button type="button">Dashboard</button>
        </nav>
        <main id="content" tabIndex={-1}>
          Patches
        </main>
      </>,
    );
    const link = screen.getByRole('link', { name: 'Skip to content' });
    expect(document.querySelector('a, button, [tabindex="0"]')).toBe(link);
    fireEvent.click(link);
    expect(document.activeElement).toBe(screen.getByRole('main'));
    expect(window.location.hash).toBe('#/patches');
  });
});
