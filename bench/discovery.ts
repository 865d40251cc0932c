/**
 * Discovery sweep speed against nmap: the same loopback /24 and management ports, Patchwell's runScan
 * (sweep only, then with fingerprinting) next to `nmap -sT -Pn -T4`, and whether both found the same
 * open ports. Loopback only: every target here is inside 127.0.0.0/8.
 *
 *   npx tsx bench/discovery.ts [rounds]
 *
 * Here every address of the /24 answers at once (loopback refuses instantly), which flatters a sweep. For a
 * network where most addresses are silent, as in an office, see discovery-office.ts:
 *
 *   npx tsx bench/discovery.ts --office [rounds]     (as root: it makes its own network namespace)
 */
import net from 'node:net';
import { DEFAULT_PORTS } from '../electron/core/discovery/probe';
import { runScan, type HostResult } from '../electron/core/discovery/scan';
import { parseTargets } from '../electron/core/discovery/targets';
import { officeBench } from './discovery-office';
import { median, runNmap, sameOpen, type OpenMap } from './nmap';

const TARGET = '127.0.0.0/24';
const PORTS = [...DEFAULT_PORTS];
const OFFICE = process.argv.some((a) => a.startsWith('--office'));
const ROUNDS = Math.max(1, Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3) || 3);


async function labHosts(): Promise<string[]> {
  try {
    const lab = (await import('../e2e/lab/index.ts')) as { status(): Promise<{ address: string }[]> };
    return (await lab.status()).map((h) => h.address).filter((a) => a.startsWith('127.'));
  } catch {
    return [];
  }
}

/** Stand-in for the lab: SSH-banner listeners on a few 127.0.0.x:22. */
async function ownListeners(): Promise<{ addresses: string[]; servers: net.Server[] }> {
  const servers: net.Server[] = [];
  const addresses: string[] = [];
  // Below the lab's range (127.0.0.11–254) and clear of 127.0.0.1, so a lab coming up meanwhile never finds its address taken.
  for (let i = 2; i <= 7; i++) {
    const host = `127.0.0.${i}`;
    const server = net.createServer((s) => { s.on('error', () => undefined); s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'); });
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(22, host, resolve); });
    servers.push(server);
    addresses.push(host);
  }
  return { addresses, servers };
}

async function patchwell(fingerprint: boolean): Promise<{ ms: number; open: OpenMap; hosts: HostResult[] }> {
  const parsed = parseTargets(TARGET, '');
  if (!parsed.ok) throw new Error('bad target');
  const hosts: HostResult[] = [];
  const t0 = performance.now();
  await runScan(parsed.targets, {
    ports: PORTS, concurrency: 256, probeTimeoutMs: 1000, budgetMs: 0, fingerprint,
    // Reverse DNS would ask the system resolver, which may be off-host; this bench stays on loopback.
    rdns: false,
  }, { onHost: (h) => hosts.push(h) }, new AbortController().signal);
  const ms = performance.now() - t0;
  return { ms, open: new Map(hosts.map((h) => [h.address, [...h.openPorts].sort((a, b) => a - b)])), hosts };
}

function nmap(): ReturnType<typeof runNmap> {
  // Same 254 addresses runScan sweeps (it skips .0 and .255 of a /24).
  return runNmap(['-sT', '-Pn', '-T4', `-p${PORTS.join(',')}`, '-oX', '-', '127.0.0.1-254']);
}


async function main(): Promise<void> {
  let servers: net.Server[] = [];
  let hosts = await labHosts();
  let source = `lab up: ${hosts.length} hosts (${hosts.slice(0, 3).join(', ')}${hosts.length > 3 ? ', …' : ''})`;
  if (hosts.length === 0) {
    const own = await ownListeners();
    servers = own.servers;
    hosts = own.addresses;
    source = `lab not up: bench started its own SSH-banner listeners on ${hosts.join(', ')} port 22`;
  }
  console.log(`targets ${TARGET}, ports ${PORTS.join(',')}; ${source}`);
  const pw: number[] = [];
  const nm: number[] = [];
  let agree = true;
  let lastOpen: OpenMap = new Map();
  for (let r = 1; r <= ROUNDS; r++) {
    // Alternate who goes first so neither benefits from a warm kernel state every round.
    const order = r % 2 ? ['pw', 'nmap'] : ['nmap', 'pw'];
    let p: Awaited<ReturnType<typeof patchwell>> | undefined;
    let n: Awaited<ReturnType<typeof nmap>> | undefined;
    for (const who of order) {
      if (who === 'pw') p = await patchwell(false); else n = await nmap();
    }
    if (!p || !n) throw new Error('unreachable');
    const match = sameOpen(p.open, n.open);
    agree &&= match;
    lastOpen = p.open;
    pw.push(p.ms);
    nm.push(n.ms);
    console.log(`round ${r}: patchwell sweep ${p.ms.toFixed(0)} ms, nmap ${n.ms.toFixed(0)} ms (nmap's own elapsed ${n.elapsed} s), ` +
      `ratio nmap/patchwell ${(n.ms / p.ms).toFixed(2)}x, hosts with open ports ${p.open.size} vs ${n.open.size}, same open ports: ${match ? 'yes' : 'NO'}`);
  }
  const fp = await patchwell(true);
  console.log(`median: patchwell ${median(pw).toFixed(0)} ms, nmap ${median(nm).toFixed(0)} ms, nmap/patchwell ${(median(nm) / median(pw)).toFixed(2)}x; ` +
    `open-port sets identical in every round: ${agree ? 'yes' : 'NO'}`);
  console.log(`patchwell sweep + fingerprinting (SSH/SMB/WinRM, no rDNS): ${fp.ms.toFixed(0)} ms, ${fp.hosts.length} hosts`);
  for (const h of fp.hosts.slice(0, 5)) {
    console.log(`  ${h.address} open ${h.openPorts.join(',')} → ${h.osGuess.family}${h.osGuess.distro ? ` ${h.osGuess.distro}` : ''}${h.osGuess.version ? ` ${h.osGuess.version}` : ''} (${h.osGuess.confidence})`);
  }
  if (fp.hosts.length > 5) console.log(`  … ${fp.hosts.length - 5} more`);
  const expected = new Set(hosts);
  const missing = [...expected].filter((a) => !lastOpen.has(a));
  if (missing.length) console.log(`warning: expected hosts without open ports: ${missing.join(', ')}`);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
}

(OFFICE ? officeBench(process.argv.slice(2)) : main()).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
