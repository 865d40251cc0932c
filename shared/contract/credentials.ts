/** Credentials as the renderer sees them: metadata only. Secrets go in, never come back out. */
import { z } from 'zod';
import { epochMs, tag } from './domain';

export const credential = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  /** Login user name on the machines. */
  username: z.string(),
  /** Machines with any of these tags use this credential (unless they name their own). */
  scopeTags: z.array(z.string()),
  /** Used by machines that have no credential of their own and no matching tag. */
  appliesToAll: z.boolean(),
  hasPassword: z.boolean(),
  hasKey: z.boolean(),
  /** Key algorithm, e.g. "ssh-ed25519", when a private key is stored. */
  keyType: z.string().nullable(),
  hasSudoPassword: z.boolean(),
  /**
   * Ask before this credential is sent to a machine Patchwell never contacted. On by default for a credential
   * that applies to all machines or by tag: a new machine on the LAN should not receive it (and its sudo password)
   * unasked.
   */
  askFirstContact: z.boolean(),
  createdAt: epochMs,
  updatedAt: epochMs,
});
export type Credential = z.infer<typeof credential>;

const secret = (label: string) => z.string().min(1, `${label} cannot be empty`).max(16_384, `${label} is too long`);

export const credentialInput = z.object({
  name: z.string().trim().min(1, 'Give the credential a name').max(80, 'A name is at most 80 characters'),
  username: z
    .string()
    .trim()
    .min(1, 'A user name is required')
    .max(64, 'A user name is at most 64 characters')
    .regex(/^[A-Za-z0-9._][A-Za-z0-9._@\\-]*$/, 'A user name uses letters, digits, ".", "_", "-", "@" and "\\"'),
  password: secret('The password').optional(),
  privateKey: secret('The private key').optional(),
  passphrase: secret('The passphrase').optional(),
  sudoPassword: secret('The sudo password').optional(),
  /** On update: drop the stored secret of this kind. */
  clearPassword: z.boolean().optional(),
  clearKey: z.boolean().optional(),
  clearSudoPassword: z.boolean().optional(),
  scopeTags: z.array(tag).max(20).optional(),
  appliesToAll: z.boolean().optional(),
  /** Unset: on for a new credential that applies to all machines or by tag; an update keeps what was set. */
  askFirstContact: z.boolean().optional(),
});
export type CredentialInput = z.infer<typeof credentialInput>;

export const vaultStatus = z.object({
  locked: z.boolean(),
  protection: z.enum(['key-file', 'passphrase', 'safe-storage']),
});

/** A machine a credential would reach for the first time, waiting for the user's yes. */
export const firstContact = z.object({ id: z.number().int().positive(), label: z.string(), address: z.string(), credential: z.string() });
export type FirstContact = z.infer<typeof firstContact>;
