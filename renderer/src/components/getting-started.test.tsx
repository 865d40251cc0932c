import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeResult, Host } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialMachinesState, useMachinesStore } from '../stores/machines-store';
import { GettingStarted } from './getting-started';

function transport(answers: Record<string, unknown>): void {
  setTransport({
    invoke: async (name: string): Promise<BridgeResult> => ({ ok: true, value: structuredClone(answers[name] ?? null) }),
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}
const plan = (totalItems: number) => ({ rings: [], skipped: [], warnings: [], concurrency: 4, gatePercent: 100, deployNow: true, totalItems });
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

afterEach(() => {
  cleanup();
  setTransport(null);
  useMachinesStore.setState(initialMachinesState);
});

describe('getting started', () => {
  it('ticks what is done and offers the one next step', async () => {
    transport({ 'credentials/list': [{ id: 1 }], 'deploy/plan': plan(0), 'deploy/list': [] });
    useMachinesStore.setState({ hosts: [{ id: 1, lastAssessedAt: 5 } as unknown as Host], loaded: true });
    render(<GettingStarted />);
    await settle();
    const items = screen.getAllByRole('listitem');
    expect(items.map((li) => li.className)).toEqual(['done', 'done', 'done', 'next', '']);
    expect(screen.getByRole('button', { name: 'Open Patches' })).toBeTruthy();
  });

  it('starts at the scan on a fresh install, and disappears once a deployment ran', async () => {
    transport({ 'credentials/list': [], 'deploy/plan': plan(0), 'deploy/list': [] });
    const { unmount } = render(<GettingStarted />);
    await settle();
    expect(screen.getByRole('button', { name: 'Scan the network' })).toBeTruthy();
    unmount();
    transport({ 'credentials/list': [{ id: 1 }], 'deploy/plan': plan(0), 'deploy/list': [{ id: 1 }] });
    useMachinesStore.setState({ hosts: [{ id: 1, lastAssessedAt: 5 } as unknown as Host], loaded: true });
    render(<GettingStarted />);
    await settle();
    expect(screen.queryByRole('region', { name: 'Getting started' })).toBeNull();
  });
});

describe('getting started opens the real dialogs', () => {
  it('opens the scan dialog and the credential form, and points Assess at Settings → Credentials', async () => {
    const { installDialogPolyfill } = await import('./dialog-polyfill.test-util');
    installDialogPolyfill();
    transport({ 'credentials/list': [], 'deploy/plan': plan(0), 'deploy/list': [], 'discovery/suggest': [] });
    render(<GettingStarted />);
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Scan the network' }));
    expect(screen.getByRole('dialog', { name: 'Scan the network' })).toBeTruthy();
    cleanup();

    useMachinesStore.setState({ hosts: [{ id: 1, lastAssessedAt: null } as unknown as Host], loaded: true });
    render(<GettingStarted />);
    await settle();
    expect(screen.queryByRole('button', { name: 'Assess all' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Settings → Credentials' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add a credential' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a credential' });
    const all = dialog.querySelector<HTMLInputElement>('input[type="checkbox"]');
    expect(all?.checked).toBe(true);
  });
});
