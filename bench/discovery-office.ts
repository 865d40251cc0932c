/**
 * bench/discovery --office: discovery on a network that looks like an office, where most addresses have no
 * machine. The bench makes its own network namespace (no route out: only its loopback, which owns all of
 * 127.0.0.0/8), puts a few SSH-banner listeners on port 22 of addresses in 127.77.0.0/20, and has nftables drop
 * every packet to the other addresses, as a LAN does for an address with no machine (no SYN-ACK, no RST, no
 * ICMP). Then Patchwell's sweep (the app's default concurrency and probe timeout) and `nmap -sT -T4` (its
 * default host discovery) scan a /24 and a /20 side by side; the open ports found must be the same.
 * Prints every round, the median of each, and nmap/Patchwell. Needs root, nft and nmap.
 *
 *   npx tsx bench/discovery.ts --office [rounds] [--nmap-20]
 */
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { DEFAULT_SCAN_OPTIONS } from '../electron/core/discovery/discovery-job';
import { DEFAULT_PORTS } from '../electron/core/discovery/probe';
import { runScan, type HostResult } from '../electron/core/discovery/scan';
import { ipv4ToInt, parseTargets, rangesContain } from '../electron/core/discovery/targets';
import { median, runNmap, sameOpen, type OpenMap } from './nmap';

const NETNS = `pw-bench-office-${process.pid}`;
const INSIDE = '--office-inside';
const PORTS = [...DEFAULT_PORTS];
/** The machines that exist: a handful in the first /24, two more further into the /20. */
const ANSWERING = ['127.77.0.10', '127.77.0.11', '127.77.0.12', '127.77.0.20', '127.77.0.50', '127.77.0.101', '127.77.5.30', '127.77.15.200'];
const NETWORKS = [
  { cidr: '127.77.0.0/24', nmapRange: '127.77.0.1-254' },
  // The same 4,094 addresses Patchwell sweeps: it leaves out the /20's network and broadcast addresses.
  { cidr: '127.77.0.0/20', nmapRange: '127.77.0.0/20 --exclude 127.77.0.0,127.77.15.255' },
];

const describe = (m: OpenMap): string => [...m].map(([a, p]) => `${a}:${p.join(',')}`).join(' ');

async function listeners(): Promise<net.Server[]> {
  const servers: net.Server[] = [];
  for (const host of ANSWERING) {
    const server = net.createServer((s) => { s.on('error', () => undefined); s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'); });
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(22, host, resolve); });
    servers.push(server);
  }
  return servers;
}

async function patchwell(cidr: string): Promise<{ ms: number; open: OpenMap }> {
  const parsed = parseTargets(cidr, '');
  if (!parsed.ok) throw new Error(`bad target ${cidr}`);
  const hosts: HostResult[] = [];
  const t0 = performance.now();
  const summary = await runScan(parsed.targets, {
    ...DEFAULT_SCAN_OPTIONS, ports: PORTS, fingerprint: false,
    // No resolver inside the namespace, and the sweep is what is compared.
    rdns: false, neighbours: false,
  }, { onHost: (h) => hosts.push(h) }, new AbortController().signal);
  const ms = performance.now() - t0;
  if (summary.status !== 'completed') throw new Error(`Patchwell's sweep ended ${summary.status}`);
  return { ms, open: new Map(hosts.filter((h) => h.openPorts.length).map((h) => [h.address, [...h.openPorts].sort((a, b) => a - b)])) };
}

function nmap(range: string): ReturnType<typeof runNmap> {
  return runNmap(['-sT', '-T4', '-n', `-p${PORTS.join(',')}`, '-oX', '-', ...range.split(' ')]);
}

/**
 * Runs inside the namespace: the listeners, then both scanners on each network. nmap counts every loopback
 * address as up whatever its host discovery sees, so here it probes every port of every address (as with -Pn):
 * about 105 s for the /24, so half an hour a round for the /20, which it only runs with --nmap-20.
 */
async function inside(rounds: number, nmapOn20: boolean): Promise<void> {
  const servers = await listeners();
  let agree = true;
  try {
    for (const { cidr, nmapRange } of NETWORKS) {
      const withNmap = nmapOn20 || cidr.endsWith('/24');
      const expected: OpenMap = new Map(ANSWERING.filter((a) => inCidr(a, cidr)).map((a) => [a, [22]]));
      const pw: number[] = [];
      const nm: number[] = [];
      for (let r = 1; r <= rounds; r++) {
        // Alternate who goes first so neither always finds a warm kernel.
        const p1 = r % 2 ? await patchwell(cidr) : undefined;
        const n = withNmap ? await nmap(nmapRange) : undefined;
        const p = p1 ?? (await patchwell(cidr));
        const match = sameOpen(p.open, expected) && (!n || sameOpen(p.open, n.open));
        agree &&= match;
        pw.push(p.ms);
        if (n) nm.push(n.ms);
        const vs = n ? `, nmap ${n.ms.toFixed(0)} ms (its own elapsed ${n.elapsed} s, ${n.up} hosts up), nmap/patchwell ${(n.ms / p.ms).toFixed(2)}x` : ' (nmap not run on the /20 without --nmap-20)';
        console.log(`${cidr} round ${r}: patchwell ${p.ms.toFixed(0)} ms${vs}, same open ports${n ? '' : ' as the machines that exist'}: ` +
          `${match ? 'yes' : `NO (patchwell ${describe(p.open)}; nmap ${n ? describe(n.open) : '-'}; expected ${describe(expected)})`}`);
      }
      const vs = nm.length ? `, nmap ${median(nm).toFixed(0)} ms, nmap/patchwell ${(median(nm) / median(pw)).toFixed(2)}x` : '';
      console.log(`${cidr} median of ${rounds}: patchwell ${median(pw).toFixed(0)} ms${vs} (${expected.size} machines answer, the rest silent)`);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
  if (!agree) throw new Error('the open ports found were not the same in every round');
}

function inCidr(address: string, cidr: string): boolean {
  const parsed = parseTargets(cidr, '');
  const n = ipv4ToInt(address);
  return parsed.ok && n !== null && rangesContain(parsed.targets.ranges, n);
}

const sh = (cmd: string, args: string[], input?: string): void => {
  execFileSync(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'], input });
};

/** Everything addressed to 127.77.0.0/16 that is not a machine is dropped on arrival: no answer of any kind. */
const ruleset = `table inet pw_bench_office {
  set machines { type ipv4_addr; elements = { ${ANSWERING.join(', ')} } }
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "lo" ip daddr 127.77.0.0/16 ip daddr != @machines drop
  }
}
`;

/** Runs outside: makes the namespace, re-runs this bench inside it, and removes the namespace whatever happens. */
async function outside(rounds: number, nmapOn20: boolean): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the office mode makes a network namespace: run it as root');
  const cleanup = (): void => {
    try {
      // Whatever still runs in the namespace (the inner bench, an nmap) was started by this bench; end it
      // first, or it outlives the namespace's name.
      const pids = execFileSync('ip', ['netns', 'pids', NETNS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).map(Number);
      for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
      execFileSync('ip', ['netns', 'delete', NETNS], { stdio: 'ignore' });
    } catch { /* already gone */ }
  };
  process.once('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => { cleanup(); process.exit(130); });
  sh('ip', ['netns', 'add', NETNS]);
  try {
    sh('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
    sh('ip', ['netns', 'exec', NETNS, 'nft', '-f', '-'], ruleset);
    const routes = execFileSync('ip', ['-n', NETNS, 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
    // The namespace must have no way out: only loopback's local routes.
    if (routes.split('\n').some((l) => l.trim() && !/\bdev lo\b/.test(l))) throw new Error(`unexpected route in ${NETNS}:\n${routes}`);
    console.log(`office network: namespace ${NETNS} (loopback only, no route out), ${ANSWERING.length} machines with port 22 open in 127.77.0.0/20, ` +
      `every other address silent (nftables drops all it is sent); ports ${PORTS.join(',')}; Patchwell at the app's defaults ` +
      `(concurrency ${DEFAULT_SCAN_OPTIONS.concurrency}, probe timeout ${DEFAULT_SCAN_OPTIONS.probeTimeoutMs} ms), nmap -sT -T4 with its default host discovery`);
    const script = process.argv[1] as string;
    await new Promise<void>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', NETNS, process.execPath, ...process.execArgv, script, INSIDE, String(rounds), ...(nmapOn20 ? ['--nmap-20'] : [])], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the bench inside the namespace exited ${code}`))));
    });
  } finally {
    cleanup();
  }
}

export async function officeBench(argv: readonly string[]): Promise<void> {
  const rounds = Math.max(1, Number(argv.find((a) => /^\d+$/.test(a)) ?? 3) || 3);
  const nmapOn20 = argv.includes('--nmap-20');
  if (argv.includes(INSIDE)) await inside(rounds, nmapOn20); else await outside(rounds, nmapOn20);
}
