import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeResult, StorageState } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { useStorageStore } from '../stores/storage-store';
import { StorageBanner } from './storage-banner';

const full: StorageState = { state: 'full', since: 1, message: "Patchwell's data folder (/data) is full (database or disk is full)." };

afterEach(() => {
  cleanup();
  setTransport(null);
  useStorageStore.setState({ storage: null, checking: false });
});

describe('storage banner', () => {
  it('says the data folder is full on every page until a check finds room', async () => {
    const asked: string[] = [];
    setTransport({
      invoke: async (name: string): Promise<BridgeResult> => {
        asked.push(name);
        return { ok: true, value: { state: 'ok', since: null, message: 'The data folder has room' } };
      },
      onEvent: () => () => undefined,
      onState: (fn) => (fn('open'), () => undefined),
    });
    const { container } = render(<StorageBanner />);
    expect(container.textContent).toBe('');
    useStorageStore.getState().apply(full);
    expect((await screen.findByRole('alert')).textContent).toContain('/data) is full');
    fireEvent.click(screen.getByRole('button', { name: 'Check again' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(asked).toEqual(['storage/check']);
  });
});
