import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError, type MailState } from '../../../shared/contract';
import { mailService } from '../services/mail-service';
import { defaultMailSettings, initialMailState, useMailStore } from './mail-store';

vi.mock('../services/mail-service', () => ({ mailService: { get: vi.fn(), save: vi.fn(), sendTest: vi.fn() } }));

const state: MailState = { settings: null, hasPassword: false, lastDigestAt: null, lastError: null };

beforeEach(() => {
  vi.resetAllMocks();
  useMailStore.setState(initialMailState);
});

describe('mail store', () => {
  it('keeps what the core saved, and the shown state when it refuses', async () => {
    const saved = { ...state, settings: { ...defaultMailSettings, host: 'mail.office.test' }, hasPassword: true };
    vi.mocked(mailService.save).mockResolvedValueOnce(saved).mockRejectedValueOnce(new AppError('bad-request', 'nope'));
    await useMailStore.getState().save({ settings: saved.settings, password: 'pw' });
    expect(useMailStore.getState().state).toEqual(saved);
    await expect(useMailStore.getState().save({ settings: saved.settings })).rejects.toThrow('nope');
    expect(useMailStore.getState().state).toEqual(saved);
  });

  it('keeps the server’s answer to a test mail, or why it could not be sent', async () => {
    vi.mocked(mailService.sendTest)
      .mockResolvedValueOnce({ response: '250 2.0.0 Ok', accepted: ['a@office.test'], rejected: [] })
      .mockRejectedValueOnce(new AppError('unavailable', 'Could not connect to 127.0.0.1:25: connection refused'));
    await useMailStore.getState().sendTest();
    expect(useMailStore.getState()).toMatchObject({ testing: false, test: { ok: true, result: { response: '250 2.0.0 Ok' } } });
    await useMailStore.getState().sendTest();
    expect(useMailStore.getState()).toMatchObject({ testing: false, test: { ok: false, message: 'Could not connect to 127.0.0.1:25: connection refused' } });
  });
});
