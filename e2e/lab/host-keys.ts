import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './exec.js';

/** Key types each host gets; the key file names follow OpenSSH's own. */
export const HOST_KEY_TYPES = [
  { file: 'ssh_host_ed25519_key', args: ['-t', 'ed25519'] },
  { file: 'ssh_host_ecdsa_key', args: ['-t', 'ecdsa', '-b', '256'] },
] as const;

/** `SHA256:<base64 without padding>` of the key blob, the form `ssh-keygen -l` and OpenSSH clients print. */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key: ${publicKeyLine}`);
  const digest = crypto.createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

export interface HostKeys {
  /** key type (e.g. `ssh-ed25519`) → `type base64` without comment */
  publicKeys: Record<string, string>;
  fingerprints: Record<string, string>;
}

/** Generates a host's keys into dir (private 0600); fresh keys per host, like separate machines. */
export async function generateHostKeys(dir: string, hostname: string): Promise<HostKeys> {
  const publicKeys: Record<string, string> = {};
  const fingerprints: Record<string, string> = {};
  for (const k of HOST_KEY_TYPES) {
    const file = path.join(dir, k.file);
    await run('ssh-keygen', ['-q', ...k.args, '-N', '', '-C', `root@${hostname}`, '-f', file]);
    const [type, blob] = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
    if (!type || !blob) throw new Error(`ssh-keygen wrote an unreadable ${file}.pub`);
    publicKeys[type] = `${type} ${blob}`;
    fingerprints[type] = fingerprintOf(`${type} ${blob}`);
  }
  return { publicKeys, fingerprints };
}
