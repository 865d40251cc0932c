import os from 'node:os';
import path from 'node:path';
import { LabError } from './types.js';

/** Marker put on every process command line the lab starts, checked before any kill. */
export const PROCESS_MARKER = 'patchwell-lab-host';

/** First loopback host number: 127.0.0.1-10 stay free for the app and other services. */
export const FIRST_INDEX = 11;
export const LAST_INDEX = 254;

// The lab deletes directories under these roots, so refuse roots where a typo would hurt.
const FORBIDDEN_ROOTS = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/var/tmp', '/work']);

function checkedRoot(value: string, envName: string): string {
  if (!path.isAbsolute(value)) throw new LabError(`${envName} must be an absolute path, got ${JSON.stringify(value)}`);
  const resolved = path.resolve(value);
  if (FORBIDDEN_ROOTS.has(resolved)) throw new LabError(`${envName}=${resolved} is a system directory; point it at a folder of its own`);
  if (/[\s'"\\$`:,]/.test(resolved)) throw new LabError(`${envName}=${JSON.stringify(resolved)} must not contain spaces, quotes, colons or commas (they break mount options)`);
  return resolved;
}

/** Per-lab state: host layers, logs, credentials, the state file. */
export function stateDir(): string {
  return checkedRoot(process.env.PATCHWELL_LAB_DIR ?? '/var/tmp/patchwell-lab', 'PATCHWELL_LAB_DIR');
}

/** Shared build cache: base root, layers, images, the fixture repository, downloaded .debs. */
export function cacheDir(): string {
  return checkedRoot(process.env.PATCHWELL_LAB_CACHE ?? path.join(os.homedir(), '.cache', 'patchwell-lab'), 'PATCHWELL_LAB_CACHE');
}

export function hostsDir(): string {
  return path.join(stateDir(), 'hosts');
}

export function hostDir(index: number): string {
  return path.join(hostsDir(), String(index));
}

/**
 * The /24 inside 127.0.0.0/8 the lab's hosts live in: `PATCHWELL_LAB_NET` (three octets, default 127.0.0), so a
 * second lab can run beside the default one — and beside a discovery test scanning 127.0.0.0/24 — without either
 * seeing the other's hosts.
 */
export function labNet(): string {
  const value = process.env.PATCHWELL_LAB_NET ?? '127.0.0';
  const m = /^127\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!m || [m[1], m[2]].some((o) => Number(o) > 255 || String(Number(o)) !== o)) {
    throw new LabError(`PATCHWELL_LAB_NET must be three octets inside 127.0.0.0/8 such as 127.0.1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The lab's subnet in CIDR form, for scans of exactly the lab. */
export function labCidr(): string {
  return `${labNet()}.0/24`;
}

export function addressOf(index: number): string {
  return `${labNet()}.${index}`;
}

/** Parses `NET.N` (the lab's net, N within the lab's range) and nothing else. */
export function indexOfAddress(address: string): number {
  const net = labNet();
  const prefix = `${net}.`;
  const rest = address.startsWith(prefix) ? address.slice(prefix.length) : '';
  const n = /^\d{1,3}$/.test(rest) ? Number(rest) : NaN;
  if (!Number.isInteger(n) || n < FIRST_INDEX || n > LAST_INDEX || String(n) !== rest) {
    throw new LabError(`not a lab address: ${JSON.stringify(address)} (expected ${net}.${FIRST_INDEX}-${LAST_INDEX})`);
  }
  return n;
}
