/** nmap run side by side with Patchwell's sweep in the discovery benches, and the open ports both found. */
import { spawn } from 'node:child_process';

/** Address → its open ports, ascending. */
export type OpenMap = Map<string, number[]>;

export interface NmapRun {
  ms: number;
  /** nmap's own elapsed seconds, as it reports them. */
  elapsed: string;
  /** How many hosts nmap counted as up. */
  up: number;
  open: OpenMap;
}

/** Runs nmap with `args` (which must include `-oX -`) and reads the open TCP ports from its XML. */
export async function runNmap(args: readonly string[]): Promise<NmapRun> {
  const t0 = performance.now();
  const xml = await new Promise<string>((resolve, reject) => {
    const p = spawn('nmap', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`nmap exited ${code}`))));
  });
  const ms = performance.now() - t0;
  const open: OpenMap = new Map();
  for (const block of xml.split('<host ').slice(1)) {
    const addr = /<address addr="([\d.]+)" addrtype="ipv4"/.exec(block)?.[1];
    if (!addr) continue;
    const ports = [...block.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="open"/g)].map((m) => Number(m[1]));
    if (ports.length) open.set(addr, ports.sort((a, b) => a - b));
  }
  return { ms, elapsed: /elapsed="([\d.]+)"/.exec(xml)?.[1] ?? '?', up: Number(/<hosts up="(\d+)"/.exec(xml)?.[1] ?? NaN), open };
}

export function sameOpen(a: OpenMap, b: OpenMap): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (JSON.stringify(b.get(k)) !== JSON.stringify(v)) return false;
  return true;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
