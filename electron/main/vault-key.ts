/**
 * The vault's master key in the desktop app: generated once, stored wrapped by the OS keychain
 * (safeStorage: DPAPI on Windows, Keychain on macOS, libsecret/kwallet on Linux), and handed to the core
 * over its private channel at start. Where no keychain is available, returns null and the core falls back
 * to its owner-only key file.
 */
import { safeStorage } from 'electron';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function loadVaultKey(dataDir: string): Buffer | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  // On Linux without a keyring, safeStorage "works" with a hard-coded password; that is no protection.
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return null;
  const file = path.join(dataDir, 'vault.safe');
  if (fs.existsSync(file)) {
    const key = Buffer.from(safeStorage.decryptString(fs.readFileSync(file)), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a vault key`);
    return key;
  }
  const key = randomBytes(32);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, safeStorage.encryptString(key.toString('base64')), { mode: 0o600, flag: 'wx' });
  return key;
}
