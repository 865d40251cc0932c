/** The e-mail settings as the core keeps them, and the answer to the last test mail. */
import { create } from 'zustand';
import type { MailSendResult, MailSettings, MailSettingsInput, MailState } from '../../../shared/contract';
import { mailService } from '../services/mail-service';
import { errorText } from './error-text';

export interface MailStoreState {
  /** Null until read. */
  state: MailState | null;
  /** What the server said to the last test mail, or why it could not be sent. */
  test: { ok: true; result: MailSendResult } | { ok: false; message: string } | null;
  testing: boolean;
}

export interface MailActions {
  load(): Promise<void>;
  /** Saves; a refusal (with its per-field messages) reaches the caller and the state shown stays as it was. */
  save(input: MailSettingsInput): Promise<void>;
  sendTest(): Promise<void>;
}

export const initialMailState: MailStoreState = { state: null, test: null, testing: false };

/** What the form starts from before e-mail is set up: STARTTLS on the submission port, every event on. */
export const defaultMailSettings: MailSettings = {
  enabled: true,
  host: '',
  port: 587,
  security: 'starttls',
  username: null,
  from: '',
  to: [],
  events: { deployFinished: true, failure: true, reboot: true, kev: true },
  digest: { enabled: true, timeOfDay: '07:00' },
  trustedCert: null,
};

export const useMailStore = create<MailStoreState & MailActions>()((set) => ({
  ...initialMailState,
  async load() {
    set({ state: await mailService.get() });
  },
  async save(input) {
    set({ state: await mailService.save(input), test: null });
  },
  async sendTest() {
    set({ testing: true, test: null });
    try {
      set({ test: { ok: true, result: await mailService.sendTest() } });
    } catch (e) {
      set({ test: { ok: false, message: errorText(e) } });
    } finally {
      set({ testing: false });
    }
  },
}));
