/**
 * Where the e-mail settings live: the settings table holds the server, addresses and switches (nothing secret);
 * the password is sealed in the vault as an app secret; what the mailer remembers between runs (last digest,
 * what it already reported) is a separate row, so saving the settings never resets it.
 */
import { AppError, mailSettings, type MailSettings, type MailSettingsInput, type MailState } from '../../../shared/contract';
import type { Db } from '../db/open';
import { putSetting, readSetting } from '../settings';
import type { Vault } from '../vault/vault';
import { certificateProblem } from './smtp';

export const PASSWORD_SECRET = 'smtp-password';
const SETTINGS_KEY = 'mail';
const MEMORY_KEY = 'mail.memory';

/** What the mailer remembers; every field optional so a row written by an older build still reads. */
export interface MailMemory {
  /** The last digest sent, or when the digest was switched on (the next one covers from then). */
  lastDigestAt?: number | null;
  /** The last try at the digest, sent or not: a server that is down is retried every 15 minutes, not every minute. */
  lastDigestAttemptAt?: number | null;
  lastError?: { at: number; subject: string; message: string } | null;
  /** Known-exploited findings already mailed as new ("<pending update id>:<CVE>"); null until the first look. */
  kevSeen?: string[] | null;
  /** The same for the digest's "new since the last digest" section. */
  digestKevSeen?: string[] | null;
  /** Machines already reported as needing a reboot. */
  rebootSeen?: number[] | null;
}

export function readMailSettings(db: Db): MailSettings | null {
  const stored = readSetting<unknown>(db, SETTINGS_KEY);
  if (stored === undefined) return null;
  // A row that no longer fits the schema is treated as "not set up" rather than sending with half a configuration.
  const parsed = mailSettings.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

export function readMemory(db: Db): MailMemory {
  return readSetting<MailMemory>(db, MEMORY_KEY) ?? {};
}

export function updateMemory(db: Db, patch: Partial<MailMemory>, now = Date.now()): MailMemory {
  const next = { ...readMemory(db), ...patch };
  putSetting(db, MEMORY_KEY, next, now);
  return next;
}

export function mailState(db: Db, vault: Vault): MailState {
  const memory = readMemory(db);
  return {
    settings: readMailSettings(db),
    hasPassword: vault.hasAppSecret(PASSWORD_SECRET),
    lastDigestAt: memory.lastDigestAt ?? null,
    lastError: memory.lastError ?? null,
  };
}

/**
 * Saves the settings and, when given, the password (sealed first: a locked vault refuses the whole save).
 * Switching the digest on starts its period now, so the first digest is not a summary of all history.
 */
export function saveMailSettings(db: Db, vault: Vault, input: MailSettingsInput, now = Date.now()): MailState {
  const { settings, password, clearPassword } = input;
  if (settings.trustedCert) {
    const problem = certificateProblem(settings.trustedCert);
    if (problem) throw new AppError('bad-request', problem, { trustedCert: problem });
  }
  const willHavePassword = password !== undefined || (!clearPassword && vault.hasAppSecret(PASSWORD_SECRET));
  if (settings.username && !willHavePassword) {
    throw new AppError('bad-request', 'Give the password for this user name', { password: 'Give the password for this user name' });
  }
  const before = readMailSettings(db);
  db.transaction(() => {
    if (password !== undefined) vault.putAppSecret(PASSWORD_SECRET, password, now);
    else if (clearPassword) vault.putAppSecret(PASSWORD_SECRET, null);
    putSetting(db, SETTINGS_KEY, settings, now);
    const digestStarts = settings.enabled && settings.digest.enabled && !(before?.enabled && before.digest.enabled);
    if (digestStarts) updateMemory(db, { lastDigestAt: now, lastDigestAttemptAt: null }, now);
  })();
  return mailState(db, vault);
}
