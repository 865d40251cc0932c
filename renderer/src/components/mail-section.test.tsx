import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, calls as contract, fieldsFromZod, toWireError, type BridgeResult, type MailSettingsInput, type MailState } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialMailState, useMailStore } from '../stores/mail-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { MailSection } from './mail-section';

const STORED = 'stored-smtp-secret';
const saved: MailSettingsInput[] = [];
let state: MailState;

/** A fake core answering like the mail handlers: arguments checked against the contract, the password kept to itself. */
function fakeCore(initial: MailState): void {
  state = initial;
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      try {
        if (name === 'mail/get-settings') return { ok: true, value: structuredClone(state) };
        if (name === 'mail/save-settings') {
          const parsed = contract['mail/save-settings'].arg.safeParse(arg);
          if (!parsed.success) throw new AppError('bad-request', 'Invalid', fieldsFromZod(parsed.error));
          saved.push(parsed.data);
          state = { ...state, settings: parsed.data.settings, hasPassword: parsed.data.clearPassword ? false : state.hasPassword || parsed.data.password !== undefined };
          return { ok: true, value: structuredClone(state) };
        }
        if (name === 'mail/send-test') throw new AppError('unavailable', 'Could not connect to 127.0.0.1:2525: connection refused (is it the right host and port?).');
        throw new Error(`unexpected call ${name}`);
      } catch (e) {
        return { ok: false, error: toWireError(e) };
      }
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};
const type = (label: RegExp | string, value: string): void => {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
};

describe('Settings → E-mail', () => {
  beforeEach(() => {
    saved.length = 0;
    useUiStore.setState(initialUiState);
    useMailStore.setState(initialMailState);
  });
  afterEach(cleanup);

  it('sets up e-mail: the core’s field messages show on the fields, the password goes in once and never comes back', async () => {
    fakeCore({ settings: null, hasPassword: false, lastDigestAt: null, lastError: null });
    render(<MailSection />);
    await settle();
    expect((screen.getByRole('button', { name: 'Send test' }) as HTMLButtonElement).disabled).toBe(true);
    type('SMTP server', 'mail.office.test');
    type('From', 'not an address');
    fireEvent.click(screen.getByRole('button', { name: 'Save e-mail settings' }));
    await settle();
    expect(screen.getByText('Not an e-mail address')).toBeTruthy();
    expect(screen.getByText('Give at least one recipient')).toBeTruthy();
    expect(saved).toHaveLength(0);

    type('From', 'patchwell@office.test');
    type('To', 'admin@office.test, ops@office.test');
    type('User name', 'patchwell');
    type('Password', STORED);
    fireEvent.click(screen.getByRole('button', { name: 'Save e-mail settings' }));
    await settle();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ password: STORED, settings: { host: 'mail.office.test', port: 587, security: 'starttls', to: ['admin@office.test', 'ops@office.test'] } });
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect(screen.getByText(/Stored in the vault — leave empty to keep it/)).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(STORED);

    // Saved again without typing it: the stored password is kept (none is sent).
    fireEvent.click(screen.getByLabelText(/Machines need a reboot/));
    fireEvent.click(screen.getByRole('button', { name: 'Save e-mail settings' }));
    await settle();
    expect(saved[1]!.password).toBeUndefined();
    expect(saved[1]!.settings.events.reboot).toBe(false);
  });

  it('refuses sending in clear to another machine, on the security field', async () => {
    fakeCore({ settings: null, hasPassword: false, lastDigestAt: null, lastError: null });
    render(<MailSection />);
    await settle();
    type('SMTP server', 'mail.office.test');
    type('From', 'patchwell@office.test');
    type('To', 'admin@office.test');
    fireEvent.change(screen.getByLabelText('Security'), { target: { value: 'none' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save e-mail settings' }));
    await settle();
    expect(screen.getByText(/Without encryption only to a server on this computer/)).toBeTruthy();
    expect(saved).toHaveLength(0);
  });

  it('shows why a test mail could not be sent, and the last unattended mail that failed', async () => {
    fakeCore({
      settings: {
        enabled: true, host: '127.0.0.1', port: 2525, security: 'starttls', username: null, from: 'p@office.test', to: ['a@office.test'],
        events: { deployFinished: true, failure: true, reboot: true, kev: true }, digest: { enabled: true, timeOfDay: '07:00' }, trustedCert: null,
      },
      hasPassword: false,
      lastDigestAt: null,
      lastError: { at: Date.now(), subject: 'Patchwell digest: 0 machines patched', message: 'No answer from 127.0.0.1:2525 in time (timed out).' },
    });
    render(<MailSection />);
    await settle();
    expect(screen.getByText(/Not sent .*Patchwell digest: 0 machines patched.*timed out/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Send test' }));
    await settle();
    expect(screen.getByRole('status', { name: 'Test mail' }).textContent).toMatch(/connection refused/);
  });
});
