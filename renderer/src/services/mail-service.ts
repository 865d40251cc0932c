/** E-mail settings and the test mail. The SMTP password only travels in; what comes back says whether one is stored. */
import type { MailSettingsInput } from '../../../shared/contract';
import { invoke } from './client';

export const mailService = {
  get: () => invoke('mail/get-settings'),
  save: (input: MailSettingsInput) => invoke('mail/save-settings', input),
  sendTest: () => invoke('mail/send-test'),
};
