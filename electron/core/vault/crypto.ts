/**
 * The vault's primitives: AES-256-GCM for every secret, scrypt for passphrases. A fresh 96-bit nonce per
 * encryption, and associated data that binds a ciphertext to the row it belongs to, so a ciphertext copied
 * onto another credential fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';

export const KEY_BYTES = 32;

export interface Sealed {
  /** Version of this format, so it can change later without guessing. */
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  if (key.length !== KEY_BYTES) throw new Error('vault key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

export class VaultDecryptError extends Error {
  constructor() {
    super('A secret in the vault could not be decrypted: wrong key, or the vault was altered');
    this.name = 'VaultDecryptError';
  }
}

export function open(key: Buffer, sealed: Sealed, aad: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    throw new VaultDecryptError();
  }
}

/** scrypt parameters: N=2^17 costs ~128 MiB and a few hundred ms, OWASP's recommended floor for scrypt. */
export interface KdfParams {
  N: number;
  r: number;
  p: number;
  salt: string;
}

export function newKdfParams(): KdfParams {
  return { N: 2 ** 17, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
}

export function deriveKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCb(passphrase.normalize('NFKC'), Buffer.from(params.salt, 'base64'), KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
