/**
 * MAC address → NIC vendor. A bundled table covers the common cases offline; a full registry file
 * already on the machine (nmap, arp-scan, ieee-data) is used instead when present.
 */
import fs from 'node:fs';
import { BUNDLED_OUI } from './oui-table';

export interface MacInfo {
  /** Normalised "aa:bb:cc:dd:ee:ff". */
  mac: string;
  vendor?: string;
  /** U/L bit set: randomised (phones, Windows "random hardware addresses") or a VM's made-up MAC. */
  locallyAdministered: boolean;
  multicast: boolean;
}

const SYSTEM_FILES = ['/usr/share/nmap/nmap-mac-prefixes', '/usr/share/arp-scan/ieee-oui.txt', '/usr/share/ieee-data/oui.txt'];
/** Cap on a registry file we are willing to read (the IEEE file is ~6 MB). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Normalise "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff" or "aa:bb:…" to lower-case colon form, or null. */
export function normaliseMac(text: string): string | null {
  const hex = text.trim().toLowerCase().replace(/[:.-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

/** Parse nmap-mac-prefixes ("AABBCC Vendor"), arp-scan ("AABBCC\tVendor") or IEEE oui.txt ("AA-BB-CC   (hex)\t\tVendor"). */
export function parseOuiText(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9A-Fa-f]{6})\s+(?:\(base 16\)\s+)?(.+)$/.exec(line) ?? /^([0-9A-Fa-f]{2}-[0-9A-Fa-f]{2}-[0-9A-Fa-f]{2})\s+\(hex\)\s+(.+)$/.exec(line);
    if (m) map.set((m[1] as string).replace(/-/g, '').toLowerCase(), (m[2] as string).trim().slice(0, 120));
  }
  return map;
}

function bundled(): Map<string, string> {
  const map = new Map<string, string>();
  for (const [vendor, prefixes] of BUNDLED_OUI) for (const p of prefixes.split(' ')) map.set(p.toLowerCase(), vendor);
  return map;
}

let cached: Map<string, string> | null = null;

/** The OUI map in use: the first readable system registry file, else the bundled table. */
export function ouiDatabase(files: readonly string[] = SYSTEM_FILES): Map<string, string> {
  if (cached) return cached;
  for (const f of files) {
    try {
      if (fs.statSync(f).size > MAX_FILE_BYTES) continue;
      const map = parseOuiText(fs.readFileSync(f, 'utf8'));
      if (map.size > 1000) { cached = map; return map; }
    } catch {
      // Not installed; try the next one.
    }
  }
  cached = bundled();
  return cached;
}

/** Vendor and address-type facts for one MAC. */
export function lookupMac(text: string, db: Map<string, string> = ouiDatabase()): MacInfo | null {
  const mac = normaliseMac(text);
  if (!mac) return null;
  const first = parseInt(mac.slice(0, 2), 16);
  const prefix = mac.slice(0, 8).replace(/:/g, '');
  const info: MacInfo = { mac, locallyAdministered: (first & 2) !== 0, multicast: (first & 1) !== 0 };
  // 52:54:00 is locally administered, yet by convention QEMU/KVM (libvirt) owns it.
  const vendor = prefix === '525400' ? 'QEMU/KVM' : info.locallyAdministered ? undefined : db.get(prefix);
  if (vendor) info.vendor = vendor;
  return info;
}

/** For tests: use the bundled table regardless of what is installed. */
export function bundledOuiDatabase(): Map<string, string> {
  return bundled();
}
