/**
 * The credential vault. Secrets (SSH password, private key and its passphrase, sudo password) are sealed
 * with AES-256-GCM under the master key, bound to their row; only metadata ever leaves the core. The
 * secrets themselves are read only by the transports, at connect time.
 */
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { AppError, type Credential, type CredentialInput } from '../../../shared/contract';
import type { Db } from '../db/open';
import { KEY_BYTES, open, seal, VaultDecryptError, type Sealed } from './crypto';
import {
  commitStagedPassphrase,
  discardStagedPassphrase,
  hasStagedPassphrase,
  loadOrCreateKeyFile,
  protectionInUse,
  stagePassphrase,
  unlockWithPassphrase,
  WrongPassphraseError,
  type KeyProtection,
} from './key-store';

/** What a transport gets to log in with. Never serialised, never sent to a renderer. */
export interface Secrets {
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  sudoPassword?: string;
}

interface CredentialRow {
  id: number;
  name: string;
  username: string;
  scope_tags: string;
  applies_to_all: number;
  has_password: number;
  has_key: number;
  key_type: string | null;
  has_sudo_password: number;
  ask_first_contact: number;
  sealed: string;
  created_at: number;
  updated_at: number;
}

function toCredential(r: CredentialRow): Credential {
  return {
    id: r.id,
    name: r.name,
    username: r.username,
    scopeTags: JSON.parse(r.scope_tags) as string[],
    appliesToAll: r.applies_to_all === 1,
    hasPassword: r.has_password === 1,
    hasKey: r.has_key === 1,
    keyType: r.key_type,
    hasSudoPassword: r.has_sudo_password === 1,
    askFirstContact: r.ask_first_contact === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const aad = (id: number): string => `patchwell-credential:${id}`;

function lockedError(): AppError {
  return new AppError('unavailable', 'The vault is locked: unlock it with its passphrase in Settings first');
}

export class Vault {
  private key: Buffer | null = null;
  private protection: KeyProtection;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    providedKey?: Buffer,
  ) {
    if (providedKey) {
      this.key = providedKey;
      this.protection = 'safe-storage';
    } else if (protectionInUse(dataDir) === 'passphrase') {
      this.protection = 'passphrase'; // stays locked until the user unlocks it
    } else {
      this.protection = 'key-file';
      this.key = loadOrCreateKeyFile(dataDir);
      if (hasStagedPassphrase(dataDir)) this.finishInterruptedRekey(this.key);
    }
  }

  /**
   * A move to a passphrase stopped between staging the new key and making it the one in use. When the key file
   * still opens the secrets, the re-seal did not commit: the staged file is dropped. When it no longer does,
   * the re-seal committed: the staged file is made the key store, and the vault waits for the passphrase.
   */
  private finishInterruptedRekey(fileKey: Buffer): void {
    if (this.opensSecrets(fileKey)) {
      discardStagedPassphrase(this.dataDir);
      return;
    }
    commitStagedPassphrase(this.dataDir);
    this.key = null;
    this.protection = 'passphrase';
  }

  /** True when `key` opens the stored secrets (all are sealed under one key, so the first tells); true when there are none. */
  private opensSecrets(key: Buffer): boolean {
    const row = this.db.prepare('SELECT id, sealed FROM credentials ORDER BY id LIMIT 1').get() as { id: number; sealed: string } | undefined;
    if (!row) return true;
    try {
      open(key, JSON.parse(row.sealed) as Sealed, aad(row.id));
      return true;
    } catch (err) {
      if (err instanceof VaultDecryptError) return false;
      throw err;
    }
  }

  status(): { locked: boolean; protection: KeyProtection } {
    return { locked: this.key === null, protection: this.protection };
  }

  /**
   * Throws the one "vault is locked" error users see. Work that signs in to machines checks this before it
   * starts, so a locked vault is a clear refusal rather than a job whose every machine fails.
   */
  assertUnlocked(): void {
    if (!this.key) throw lockedError();
  }

  async unlock(passphrase: string): Promise<void> {
    if (this.protection !== 'passphrase') return;
    let live: Buffer | null = null;
    try {
      live = await unlockWithPassphrase(this.dataDir, passphrase);
    } catch (err) {
      if (!(err instanceof WrongPassphraseError)) throw err;
    }
    // A change of passphrase that stopped before its staged file was made the one in use: whichever key the
    // secrets are sealed under wins.
    if (hasStagedPassphrase(this.dataDir) && !(live && this.opensSecrets(live))) {
      const staged = await unlockWithPassphrase(this.dataDir, passphrase, true).catch(() => null);
      if (staged && this.opensSecrets(staged)) {
        commitStagedPassphrase(this.dataDir);
        this.key = staged;
        return;
      }
      if (live) throw new AppError('bad-request', 'A change of passphrase was interrupted: unlock with the new passphrase', { passphrase: 'Use the new passphrase' });
    } else if (hasStagedPassphrase(this.dataDir)) {
      discardStagedPassphrase(this.dataDir);
    }
    if (!live) throw new AppError('bad-request', 'Wrong passphrase', { passphrase: 'Wrong passphrase' });
    this.key = live;
  }

  /**
   * Moves from the key file to a passphrase, or to a new passphrase (headless host only: the app uses the OS
   * keychain). The master key is replaced and every secret re-sealed under the new one: the old key file, in a
   * backup or still on the disk's free blocks, opens nothing afterwards.
   */
  async setPassphrase(passphrase: string): Promise<void> {
    if (this.protection === 'safe-storage') throw new AppError('bad-request', 'The desktop app protects the vault with the system keychain');
    const oldKey = this.requireKey();
    const newKey = randomBytes(KEY_BYTES);
    await stagePassphrase(this.dataDir, newKey, passphrase);
    try {
      this.db.transaction(() => {
        const rows = this.db.prepare('SELECT id, sealed FROM credentials').all() as { id: number; sealed: string }[];
        const update = this.db.prepare('UPDATE credentials SET sealed = ? WHERE id = ?');
        for (const r of rows) {
          const plain = open(oldKey, JSON.parse(r.sealed) as Sealed, aad(r.id));
          update.run(JSON.stringify(seal(newKey, plain, aad(r.id))), r.id);
          plain.fill(0);
        }
      })();
    } catch (err) {
      discardStagedPassphrase(this.dataDir);
      throw err;
    }
    commitStagedPassphrase(this.dataDir);
    this.key = newKey;
    this.protection = 'passphrase';
  }

  list(): Credential[] {
    return (this.db.prepare('SELECT * FROM credentials ORDER BY name COLLATE NOCASE').all() as CredentialRow[]).map(toCredential);
  }

  get(id: number): Credential | undefined {
    const r = this.db.prepare('SELECT * FROM credentials WHERE id = ?').get(id) as CredentialRow | undefined;
    return r && toCredential(r);
  }

  /** Creates or replaces a credential. On update, secrets left out keep their stored values. */
  save(input: CredentialInput, id?: number, now = Date.now()): Credential {
    const key = this.requireKey();
    const previous = id === undefined ? {} : this.secretsOf(id);
    const secrets: Omit<Secrets, 'username'> = {
      password: input.password ?? previous.password,
      privateKey: input.privateKey ?? previous.privateKey,
      passphrase: input.passphrase ?? previous.passphrase,
      sudoPassword: input.sudoPassword ?? previous.sudoPassword,
    };
    if (input.clearPassword) delete secrets.password;
    if (input.clearKey) {
      delete secrets.privateKey;
      delete secrets.passphrase;
    }
    if (input.clearSudoPassword) delete secrets.sudoPassword;
    if (!secrets.password && !secrets.privateKey) {
      throw new AppError('bad-request', 'A credential needs a password or a private key', { password: 'Give a password or a private key' });
    }
    const keyType = secrets.privateKey ? checkPrivateKey(secrets.privateKey, secrets.passphrase) : null;
    return this.db.transaction(() => {
      const values = {
        name: input.name,
        username: input.username,
        scopeTags: JSON.stringify(input.scopeTags ?? []),
        appliesToAll: input.appliesToAll ? 1 : 0,
        hasPassword: secrets.password ? 1 : 0,
        hasKey: secrets.privateKey ? 1 : 0,
        keyType,
        hasSudo: secrets.sudoPassword ? 1 : 0,
        askFirstContact: (input.askFirstContact ?? (id === undefined ? !!input.appliesToAll || (input.scopeTags ?? []).length > 0 : this.get(id)?.askFirstContact)) ? 1 : 0,
        now,
      };
      let rowId = id;
      if (rowId === undefined) {
        const info = this.db
          .prepare(
            `INSERT INTO credentials (name, username, scope_tags, applies_to_all, has_password, has_key, key_type,
               has_sudo_password, ask_first_contact, sealed, created_at, updated_at)
             VALUES (@name, @username, @scopeTags, @appliesToAll, @hasPassword, @hasKey, @keyType, @hasSudo, @askFirstContact, '{}', @now, @now)`,
          )
          .run(values);
        rowId = Number(info.lastInsertRowid);
      } else {
        const info = this.db
          .prepare(
            `UPDATE credentials SET name = @name, username = @username, scope_tags = @scopeTags, applies_to_all = @appliesToAll,
               has_password = @hasPassword, has_key = @hasKey, key_type = @keyType, has_sudo_password = @hasSudo,
               ask_first_contact = @askFirstContact, updated_at = @now
             WHERE id = @id`,
          )
          .run({ ...values, id: rowId });
        if (info.changes === 0) throw new AppError('not-found', `No credential ${rowId}`);
      }
      const sealed = seal(key, Buffer.from(JSON.stringify(secrets), 'utf8'), aad(rowId));
      this.db.prepare('UPDATE credentials SET sealed = ? WHERE id = ?').run(JSON.stringify(sealed), rowId);
      return this.get(rowId)!;
    })();
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM credentials WHERE id = ?').run(id);
  }

  /** The secrets of one credential, for a transport about to connect. */
  secrets(id: number): Secrets {
    const row = this.db.prepare('SELECT username FROM credentials WHERE id = ?').get(id) as { username: string } | undefined;
    if (!row) throw new AppError('not-found', `No credential ${id}`);
    return { username: row.username, ...this.secretsOf(id) };
  }

  /**
   * The credential for a machine: its own if set, else the first whose tags it shares, else one that
   * applies to every machine.
   */
  resolveFor(host: { credentialId: number | null; tags: readonly string[] }): Credential | undefined {
    if (host.credentialId !== null) return this.get(host.credentialId);
    const all = this.list();
    return all.find((c) => c.scopeTags.some((t) => host.tags.includes(t))) ?? all.find((c) => c.appliesToAll);
  }

  private secretsOf(id: number): Omit<Secrets, 'username'> {
    const row = this.db.prepare('SELECT sealed FROM credentials WHERE id = ?').get(id) as { sealed: string } | undefined;
    if (!row) return {};
    return JSON.parse(open(this.requireKey(), JSON.parse(row.sealed) as Sealed, aad(id)).toString('utf8')) as Omit<Secrets, 'username'>;
  }

  private requireKey(): Buffer {
    if (!this.key) throw lockedError();
    return this.key;
  }
}

/** Parses a private key the way the SSH client will, so a bad key or passphrase is caught when saved. */
function checkPrivateKey(privateKey: string, passphrase: string | undefined): string {
  const parsed = ssh2.utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    const message = encrypted
      ? passphrase
        ? 'The passphrase does not open this private key'
        : 'This private key is encrypted: give its passphrase'
      : 'Not a private key Patchwell can read (OpenSSH, PEM or PuTTY format)';
    throw new AppError('bad-request', message, encrypted ? { passphrase: message } : { privateKey: message });
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) throw new AppError('bad-request', 'This is a public key; give the private key', { privateKey: 'This is a public key' });
  return key.type;
}
