/**
 * Where the vault's master key lives between runs. Three protections, one per situation:
 * - `safe-storage`: the desktop app; Electron's main process wraps the key with the OS keychain
 *   (safeStorage) and hands the clear key to the core over its private channel.
 * - `key-file`: the headless host's default; 32 random bytes in an owner-only file beside the database.
 * - `passphrase`: the key is wrapped with a key derived from the user's passphrase (scrypt) and must be
 *   unlocked after each start.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deriveKey, KEY_BYTES, newKdfParams, open, seal, type KdfParams, type Sealed } from './crypto';

export type KeyProtection = 'key-file' | 'passphrase' | 'safe-storage';

interface PassphraseFile {
  protection: 'passphrase';
  kdf: KdfParams;
  wrapped: Sealed;
}

const KEY_FILE = 'vault.key';
const PASSPHRASE_FILE = 'vault-passphrase.json';

export class KeyFilePermissionError extends Error {
  constructor(file: string, mode: number) {
    super(`${file} can be read by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it, then restart Patchwell`);
    this.name = 'KeyFilePermissionError';
  }
}

export function protectionInUse(dataDir: string): KeyProtection | null {
  if (fs.existsSync(path.join(dataDir, PASSPHRASE_FILE))) return 'passphrase';
  if (fs.existsSync(path.join(dataDir, KEY_FILE))) return 'key-file';
  return null;
}

/** Reads the key file, creating it on first use; refuses a file that others can read. */
export function loadOrCreateKeyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  if (!fs.existsSync(file)) {
    const key = randomBytes(KEY_BYTES);
    // 'wx' fails if another process created it meanwhile, instead of overwriting its key.
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  }
  const st = fs.statSync(file);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) throw new KeyFilePermissionError(file, st.mode);
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${file} does not hold a 32-byte key`);
  return key;
}

/** Wraps `key` with a passphrase and stores it; the key file, if any, is removed afterwards. */
export async function protectWithPassphrase(dataDir: string, key: Buffer, passphrase: string): Promise<void> {
  const kdf = newKdfParams();
  const kek = await deriveKey(passphrase, kdf);
  const record: PassphraseFile = { protection: 'passphrase', kdf, wrapped: seal(kek, key, 'patchwell-vault-key') };
  const file = path.join(dataDir, PASSPHRASE_FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.rmSync(path.join(dataDir, KEY_FILE), { force: true });
}

export class WrongPassphraseError extends Error {
  constructor() {
    super('Wrong passphrase');
    this.name = 'WrongPassphraseError';
  }
}

export async function unlockWithPassphrase(dataDir: string, passphrase: string): Promise<Buffer> {
  const record = JSON.parse(fs.readFileSync(path.join(dataDir, PASSPHRASE_FILE), 'utf8')) as PassphraseFile;
  const kek = await deriveKey(passphrase, record.kdf);
  try {
    return open(kek, record.wrapped, 'patchwell-vault-key');
  } catch {
    throw new WrongPassphraseError();
  }
}
