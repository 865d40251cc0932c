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
const STAGED_FILE = 'vault-passphrase.json.staged';

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

/**
 * A move to a passphrase happens in three steps, so that a stop at any point leaves a key that opens the
 * secrets: the new key, wrapped with the passphrase, is staged beside the live key store; the secrets are
 * re-sealed under it in one database transaction; then the staged file replaces the live one (a rename) and
 * the key file is removed. Until the rename the old key store stays in use; see `resolveStagedPassphrase`.
 */
export async function stagePassphrase(dataDir: string, key: Buffer, passphrase: string): Promise<void> {
  const kdf = newKdfParams();
  const kek = await deriveKey(passphrase, kdf);
  const record: PassphraseFile = { protection: 'passphrase', kdf, wrapped: seal(kek, key, 'patchwell-vault-key') };
  const staged = path.join(dataDir, STAGED_FILE);
  fs.writeFileSync(staged, JSON.stringify(record), { mode: 0o600 });
  syncFile(staged);
}

/** Makes the staged passphrase file the one in use and removes the key file. */
export function commitStagedPassphrase(dataDir: string): void {
  fs.renameSync(path.join(dataDir, STAGED_FILE), path.join(dataDir, PASSPHRASE_FILE));
  syncFile(dataDir);
  fs.rmSync(path.join(dataDir, KEY_FILE), { force: true });
}

export function discardStagedPassphrase(dataDir: string): void {
  fs.rmSync(path.join(dataDir, STAGED_FILE), { force: true });
}

export function hasStagedPassphrase(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, STAGED_FILE));
}

/** Flushes a file (or a folder's entries) to disk, so a rename after it never lands before its content. */
function syncFile(file: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open a folder for fsync; its renames are durable on NTFS.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export class WrongPassphraseError extends Error {
  constructor() {
    super('Wrong passphrase');
    this.name = 'WrongPassphraseError';
  }
}

export async function unlockWithPassphrase(dataDir: string, passphrase: string, staged = false): Promise<Buffer> {
  const record = JSON.parse(fs.readFileSync(path.join(dataDir, staged ? STAGED_FILE : PASSPHRASE_FILE), 'utf8')) as PassphraseFile;
  const kek = await deriveKey(passphrase, record.kdf);
  try {
    return open(kek, record.wrapped, 'patchwell-vault-key');
  } catch {
    throw new WrongPassphraseError();
  }
}
