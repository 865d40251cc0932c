/**
 * E-mail through the office's SMTP server: where to send from and to, which events mail, and the morning digest.
 * The password never crosses this contract towards a renderer: it goes in (save) and stays sealed in the vault;
 * what comes back says only whether one is stored.
 */
import { z } from 'zod';
import { epochMs } from './domain';

/**
 * How the connection is protected. 'none' sends in clear and is accepted only for a server on this computer
 * (127.0.0.0/8, ::1): a relay for tests or a local forwarder, never a server across the network.
 */
export const mailSecurity = z.enum(['starttls', 'tls', 'none']);
export type MailSecurity = z.infer<typeof mailSecurity>;

/** True for an address on this computer's loopback interface, the only place 'none' may send to. */
export function isLoopbackHost(host: string): boolean {
  return /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host) || host === '::1' || host === '[::1]';
}

/** A plain address (no display name): the schema refuses line breaks, so no header can be smuggled in. */
const address = z.email('Not an e-mail address').max(254);

export const mailEventToggles = z.object({
  /** A deployment (or rollback) finished without failures. */
  deployFinished: z.boolean(),
  /** A deployment, rollback or assessment failed on some machine. */
  failure: z.boolean(),
  /** Machines newly reported as needing a reboot. */
  reboot: z.boolean(),
  /** Open updates that newly fix a known-exploited (CISA KEV) vulnerability. */
  kev: z.boolean(),
});
export type MailEventToggles = z.infer<typeof mailEventToggles>;

export const mailSettings = z
  .object({
    /** Off: nothing is sent, not even the digest (the test button still works). */
    enabled: z.boolean(),
    host: z
      .string()
      .trim()
      .min(1, 'Give the SMTP server')
      .max(253)
      .regex(/^(\[?[0-9a-fA-F:]+\]?|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/, 'A host name or IP address'),
    port: z.number().int().min(1).max(65_535),
    security: mailSecurity,
    /** User name for AUTH; null: the server takes mail without signing in. */
    username: z.string().trim().min(1).max(256).nullable(),
    from: address,
    to: z.array(address).min(1, 'Give at least one recipient').max(20),
    events: mailEventToggles,
    digest: z.object({
      enabled: z.boolean(),
      /** Local time of day on the computer running Patchwell, 24-hour "HH:MM". */
      timeOfDay: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time as HH:MM'),
    }),
    /**
     * A PEM certificate to trust for this server instead of the public authorities (a self-signed office server):
     * the name and validity are still checked. Null: the system's authorities, as for any server.
     */
    trustedCert: z.string().trim().max(20_000).nullable(),
  })
  .refine((m) => m.security !== 'none' || isLoopbackHost(m.host), {
    message: 'Without encryption only to a server on this computer (127.0.0.1, for testing)',
    path: ['security'],
  });
export type MailSettings = z.infer<typeof mailSettings>;

export const mailSettingsInput = z.object({
  settings: mailSettings,
  /** A new password; left out, the stored one is kept. */
  password: z.string().min(1).max(1024).optional(),
  /** Removes the stored password. */
  clearPassword: z.boolean().optional(),
});
export type MailSettingsInput = z.infer<typeof mailSettingsInput>;

export const mailState = z.object({
  /** Null until e-mail is set up. */
  settings: mailSettings.nullable(),
  hasPassword: z.boolean(),
  /** When the last digest was sent (or the digest was switched on: the next one covers from then). */
  lastDigestAt: epochMs.nullable(),
  /** The last mail Patchwell could not send on its own (an event or the digest), and why. */
  lastError: z.object({ at: epochMs, subject: z.string(), message: z.string() }).nullable(),
});
export type MailState = z.infer<typeof mailState>;

export const mailSendResult = z.object({
  /** The server's final answer, e.g. "250 2.0.0 Ok: queued as 4Z…". */
  response: z.string(),
  accepted: z.array(z.string()),
  rejected: z.array(z.string()),
});
export type MailSendResult = z.infer<typeof mailSendResult>;

export const mailCalls = {
  'mail/get-settings': { arg: z.undefined(), result: mailState },
  /** Saves the settings (the password sealed in the vault); audited without the password. */
  'mail/save-settings': { arg: mailSettingsInput, result: mailState },
  /** Sends one test mail with the saved settings and reports the server's answer, or throws why it could not. */
  'mail/send-test': { arg: z.undefined(), result: mailSendResult },
} as const;
