/**
 * The kernel's neighbour (ARP) table: after the sweep has talked to a LAN host, its MAC is there,
 * which names the NIC vendor (a VM, a Pi, a printer…) without sending anything more.
 */
import fs from 'node:fs/promises';
import { lookupMac } from './oui';

export type NeighbourState = 'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'incomplete' | 'permanent' | 'noarp' | 'complete' | 'unknown';

export interface Neighbour {
  ip: string;
  /** Lower-case colon form; absent while resolution is incomplete or failed. */
  mac?: string;
  state: NeighbourState;
  device?: string;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const MAX_LINES = 65_536;

/** /proc/net/arp: "IP address  HW type  Flags  HW address  Mask  Device". */
export function parseProcNetArp(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  const lines = text.split('\n').slice(1, MAX_LINES);
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !IPV4.test(f[0] as string)) continue;
    const flags = parseInt(f[2] as string, 16);
    const mac = lookupMac(f[3] as string, new Map())?.mac;
    // ATF_COM (0x2) = resolved; ATF_PERM (0x4) = static entry.
    const state: NeighbourState = Number.isNaN(flags) ? 'unknown' : flags & 4 ? 'permanent' : flags & 2 ? 'complete' : 'incomplete';
    const n: Neighbour = { ip: f[0] as string, state, device: (f[5] as string).slice(0, 32) };
    if (mac && mac !== '00:00:00:00:00:00' && state !== 'incomplete') n.mac = mac;
    out.push(n);
  }
  return out;
}

/** `ip neigh` output: "10.0.0.1 dev eth0 lladdr aa:bb:cc:dd:ee:ff [router] REACHABLE". */
export function parseIpNeigh(text: string): Neighbour[] {
  const out: Neighbour[] = [];
  for (const line of text.split('\n').slice(0, MAX_LINES)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || !f[0]) continue;
    const ip = f[0];
    if (!IPV4.test(ip) && !ip.includes(':')) continue;
    const n: Neighbour = { ip, state: 'unknown' };
    for (let i = 1; i < f.length; i++) {
      const w = f[i] as string;
      if (w === 'dev' && f[i + 1]) n.device = (f[++i] as string).slice(0, 32);
      else if (w === 'lladdr' && f[i + 1]) {
        const mac = lookupMac(f[++i] as string, new Map())?.mac;
        if (mac) n.mac = mac;
      } else if (/^[A-Z]+$/.test(w)) {
        const s = w.toLowerCase();
        if (['reachable', 'stale', 'delay', 'probe', 'failed', 'incomplete', 'permanent', 'noarp'].includes(s)) n.state = s as NeighbourState;
      }
    }
    out.push(n);
  }
  return out;
}

/** Read the IPv4 neighbour table; empty when not on Linux or not readable. Sends no traffic. */
export async function readNeighbours(path = '/proc/net/arp'): Promise<Neighbour[]> {
  try {
    const fh = await fs.open(path, 'r');
    try {
      // /proc files report size 0 and hand out a page per read; read until EOF, at most 1 MiB.
      const buf = Buffer.alloc(1 << 20);
      let used = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, used, buf.length - used, null);
        used += bytesRead;
        if (bytesRead === 0 || used === buf.length) break;
      }
      return parseProcNetArp(buf.toString('utf8', 0, used));
    } finally {
      await fh.close();
    }
  } catch {
    return [];
  }
}
