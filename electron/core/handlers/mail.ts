import { AppError } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import { deliver } from '../mail/deliver';
import { renderMail, when } from '../mail/mail-doc';
import { mailState, readMailSettings, saveMailSettings } from '../mail/mail-settings';
import type { HandlerMap } from './types';

export const mailHandlers: HandlerMap<'mail/get-settings' | 'mail/save-settings' | 'mail/send-test'> = {
  'mail/get-settings': (_arg, s) => mailState(s.db, s.vault),
  'mail/save-settings': (input, s) => {
    const state = saveMailSettings(s.db, s.vault, input);
    const m = input.settings;
    // The audit names what changed hands, never the password (only whether one was given).
    s.db.transaction(() =>
      appendAudit(s.db, {
        actor: 'user',
        action: 'mail.settings',
        details: { enabled: m.enabled, host: m.host, port: m.port, security: m.security, username: m.username, from: m.from, to: m.to, events: m.events, digest: m.digest, pinnedCert: m.trustedCert !== null, passwordChanged: input.password !== undefined, passwordCleared: input.clearPassword === true },
      }),
    )();
    return state;
  },
  'mail/send-test': async (_arg, s) => {
    const m = readMailSettings(s.db);
    if (!m) throw new AppError('bad-request', 'Set up e-mail first: save the server and addresses, then send a test');
    const mail = renderMail({
      subject: 'Patchwell: test mail',
      intro: `This is a test from Patchwell, sent ${when(Date.now())} through ${m.host}:${m.port}. If you read this, e-mail from Patchwell arrives.`,
      sections: [],
    });
    return deliver(s, m, 'test', mail, { actor: 'user' });
  },
};
