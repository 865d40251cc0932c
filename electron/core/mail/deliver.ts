/**
 * Sending a mail Patchwell composed, with its record: every mail sent is audited (to, subject, kind; never the
 * body), and one that could not be sent is audited and kept as the last error the Settings page shows.
 */
import { AppError, type MailSendResult, type MailSettings } from '../../../shared/contract';
import { appendAudit } from '../audit/audit-log';
import type { CoreServices } from '../services';
import { PASSWORD_SECRET, updateMemory } from './mail-settings';
import { sendMail, type OutgoingMail } from './smtp';

/** What a mail is about, as the audit trail records it. */
export type MailKind = 'test' | 'digest' | 'deploy-finished' | 'failure' | 'reboot' | 'kev';

/** The stored password, read at send time only; a locked vault is said plainly. */
function passwordFor(s: Pick<CoreServices, 'vault'>, m: MailSettings): string | undefined {
  if (!m.username) return undefined;
  if (s.vault.status().locked) throw new AppError('unavailable', 'The vault is locked, so the SMTP password cannot be read: unlock it in Settings first');
  return s.vault.appSecret(PASSWORD_SECRET);
}

export async function deliver(
  s: Pick<CoreServices, 'db' | 'vault'>,
  m: MailSettings,
  kind: MailKind,
  mail: OutgoingMail,
  options: { actor?: string; now?: () => number } = {},
): Promise<MailSendResult> {
  const now = options.now ?? Date.now;
  const record = { to: m.to, subject: mail.subject, kind };
  try {
    const result = await sendMail(m, passwordFor(s, m), mail);
    s.db.transaction(() => appendAudit(s.db, { actor: options.actor ?? 'system', action: 'mail.sent', details: { ...record, response: result.response } }, now()))();
    return result;
  } catch (err) {
    // sendMail's messages already have the password taken out; anything else is a plain error of ours.
    const message = err instanceof Error ? err.message : String(err);
    s.db.transaction(() => {
      appendAudit(s.db, { actor: options.actor ?? 'system', action: 'mail.failed', details: { ...record, error: message } }, now());
      // A test mail's failure is shown where the user pressed the button; only unattended ones wait in Settings.
      if (kind !== 'test') updateMemory(s.db, { lastError: { at: now(), subject: mail.subject, message } }, now());
    })();
    throw err;
  }
}
