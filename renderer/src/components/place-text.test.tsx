import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { PlaceText } from './place-text';

beforeEach(() => useUiStore.setState(initialUiState));
afterEach(cleanup);

describe('messages that name a place', () => {
  it('link the place, and the link opens its page', () => {
    const text = 'No credential applies to 127.0.0.5: add one in Settings → Credentials, or pick one on the machine’s page';
    const { container } = render(<PlaceText text={text} />);
    expect(container.textContent).toBe(text);
    fireEvent.click(screen.getByRole('button', { name: 'Settings → Credentials' }));
    expect(useUiStore.getState().page).toBe('settings');
  });

  it('leave text without a place as it is', () => {
    const { container } = render(<PlaceText text="Machines answered: 3 → 4" />);
    expect(container.textContent).toBe('Machines answered: 3 → 4');
    expect(screen.queryByRole('button')).toBeNull();
  });
});
