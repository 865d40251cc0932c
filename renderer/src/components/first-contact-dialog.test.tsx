import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeResult } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { FirstContactDialog } from './first-contact-dialog';

const calls: { name: string; arg: unknown }[] = [];
const machines = [{ id: 3, label: 'reception-pc', address: '127.0.0.3', credential: 'office admin' }];

function transport(): void {
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      if (name === 'machines/first-contacts') return { ok: true, value: machines };
      return { ok: true, value: { jobId: 9 } };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

// jsdom has <dialog> but not its modal methods; these do what the browser does to `open`.
beforeAll(() => {
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true;
  };
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false;
  };
});

afterEach(() => {
  cleanup();
  setTransport(null);
  calls.length = 0;
  useMachinesStore.setState(initialMachinesState);
});

describe('first contact dialog', () => {
  it('names the machines and the credential, and starts the assessment only when allowed', async () => {
    transport();
    render(<FirstContactDialog />);
    await useMachinesStore.getState().assess([3]);
    expect(calls.map((c) => c.name)).toEqual(['machines/first-contacts']);
    const table = await screen.findByRole('table', { name: 'Machines never contacted' });
    expect(table.textContent).toContain('reception-pc');
    expect(table.textContent).toContain('office admin');
    fireEvent.click(screen.getByRole('button', { name: 'Allow first contact and assess' }));
    await waitFor(() => expect(calls.map((c) => c.name)).toEqual(['machines/first-contacts', 'assess/start']));
    expect(calls[1]!.arg).toEqual({ ids: [3], allowFirstContact: true });
    expect(useMachinesStore.getState().firstContact).toBeNull();
  });

  it('cancelling starts nothing', async () => {
    transport();
    render(<FirstContactDialog />);
    await useMachinesStore.getState().assess(undefined);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(useMachinesStore.getState().firstContact).toBeNull());
    expect(calls.map((c) => c.name)).toEqual(['machines/first-contacts']);
  });
});
