import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';
import { stateDir } from './paths.js';

/** One admin key pair and password per lab, kept across `down` so app settings stay valid. */
export interface Credentials {
  password: string;
  keyPath: string;
  publicKey: string;
}

function dir(): string {
  return path.join(stateDir(), 'credentials');
}

export function readCredentials(): Credentials | null {
  const keyPath = path.join(dir(), 'id_ed25519');
  const pw = path.join(dir(), 'password');
  if (!fs.existsSync(keyPath) || !fs.existsSync(`${keyPath}.pub`) || !fs.existsSync(pw)) return null;
  return { password: fs.readFileSync(pw, 'utf8').trim(), keyPath, publicKey: fs.readFileSync(`${keyPath}.pub`, 'utf8').trim() };
}

export async function ensureCredentials(): Promise<Credentials> {
  const existing = readCredentials();
  if (existing) return existing;
  fs.mkdirSync(dir(), { recursive: true, mode: 0o700 });
  const keyPath = path.join(dir(), 'id_ed25519');
  fs.rmSync(keyPath, { force: true });
  fs.rmSync(`${keyPath}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'admin@patchwell-lab', '-f', keyPath]);
  fs.chmodSync(keyPath, 0o600);
  // Letters and digits only: the password travels through shells, sshpass and chpasswd unquoted-safe.
  const password = `pw-lab-${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
  fs.writeFileSync(path.join(dir(), 'password'), `${password}\n`, { mode: 0o600 });
  return { password, keyPath, publicKey: fs.readFileSync(`${keyPath}.pub`, 'utf8').trim() };
}
