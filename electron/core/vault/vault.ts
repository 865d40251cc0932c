/**
 * The credential vault. Secrets (SSH password, private key and its passphrase, sudo password) are sealed
 * with AES-256-GCM under the master key, bound to their row; only metadata ever leaves the core. The
 * secrets themselves are read only by the transports, at connect time.
 */
import ssh2 from 'ssh2';
import { AppError, type Credential, type CredentialInput } from '../../../shared/contract';
import type { Db } from '../db/open';
import { open, seal, type Sealed } from './crypto';
import {
  loadOrCreateKeyFile,
  protectionInUse,
  protectWithPassphrase,
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
    try {
      this.key = await unlockWithPassphrase(this.dataDir, passphrase);
    } catch (err) {
      if (err instanceof WrongPassphraseError) throw new AppError('bad-request', 'Wrong passphrase', { passphrase: 'Wrong passphrase' });
      throw err;
    }
  }

  /** Moves from the key file to a passphrase (headless host only: the app uses the OS keychain). */
  async setPassphrase(passphrase: string): Promise<void> {
    if (this.protection === 'safe-storage') throw new AppError('bad-request', 'The desktop app protects the vault with the system keychain');
    const key = this.requireKey();
    await protectWithPassphrase(this.dataDir, key, passphrase);
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
        now,
      };
      let rowId = id;
      if (rowId === undefined) {
        const info = this.db
          .prepare(
            `INSERT INTO credentials (name, username, scope_tags, applies_to_all, has_password, has_key, key_type,
               has_sudo_password, sealed, created_at, updated_at)
             VALUES (@name, @username, @scopeTags, @appliesToAll, @hasPassword, @hasKey, @keyType, @hasSudo, '{}', @now, @now)`,
          )
          .run(values);
        rowId = Number(info.lastInsertRowid);
      } else {
        const info = this.db
          .prepare(
            `UPDATE credentials SET name = @name, username = @username, scope_tags = @scopeTags, applies_to_all = @appliesToAll,
               has_password = @hasPassword, has_key = @hasKey, key_type = @keyType, has_sudo_password = @hasSudo, updated_at = @now
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
