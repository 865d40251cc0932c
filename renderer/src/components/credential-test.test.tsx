import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeResult, Credential, Host } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { CredentialTest } from './credential-test';
import { installDialogPolyfill } from './dialog-polyfill.test-util';

const calls: { name: string; arg: unknown }[] = [];
function transport(answer: (arg: unknown) => BridgeResult): void {
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      return answer(arg);
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}
const credential = { id: 4, name: 'Admin', username: 'admin' } as Credential;
const hosts = [{ id: 1, address: '127.0.0.5', name: 'Front desk' }, { id: 2, address: '127.0.0.6', name: 'Till' }] as unknown as Host[];

beforeAll(installDialogPolyfill);
afterEach(() => {
  cleanup();
  setTransport(null);
  calls.length = 0;
  useMachinesStore.setState(initialMachinesState);
  useUiStore.setState(initialUiState);
});

describe('credential Test button', () => {
  it('tries the credential on the machine chosen and says what it proved', async () => {
    transport(() => ({ ok: true, value: { ok: true, message: 'Logged in to Till as admin' } }));
    useMachinesStore.setState({ hosts, loaded: true });
    render(<CredentialTest credential={credential} />);
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    fireEvent.change(screen.getByRole('combobox', { name: 'Machine' }), { target: { value: '2' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Test the login' }));
    });
    expect(calls).toEqual([{ name: 'credentials/test', arg: { credentialId: 4, machineId: 2 } }]);
    expect(screen.getByRole('status').textContent).toBe('Logged in to Till as admin');
  });

  it('shows a failure as an error, with the place it names as a link', async () => {
    transport(() => ({ ok: false, error: { name: 'AppError', code: 'bad-request', message: 'No credential applies to 127.0.0.5: add one in Settings → Credentials' } }));
    useMachinesStore.setState({ hosts, loaded: true });
    render(<CredentialTest credential={credential} />);
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Test the login' }));
    });
    expect(screen.getByRole('alert').textContent).toContain('No credential applies to 127.0.0.5');
    expect(screen.getByRole('button', { name: 'Settings → Credentials' })).toBeTruthy();
    expect(screen.queryByRole('status')).toBeNull();
  });
});
