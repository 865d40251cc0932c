/**
 * One discovery run: resolve host names, sweep addresses × ports, fingerprint the hosts that are up,
 * and hand each finished host to the caller as it completes (the job layer writes it to SQLite).
 */
import dns from 'node:dns';
import { setMaxListeners } from 'node:events';
import type { Fingerprint } from './fingerprint';
import { readNeighbours, type Neighbour } from './neighbour';
import { lookupMac } from './oui';
import { guessOs, macVendorHint, type OsGuess } from './os-guess';
import { sweep, type AddressOutcome, type AddressSource, type SweepProgress, type SweepSummary } from './probe';
import { reverseLookup } from './rdns';
import { probeSmb2, smbOsHint } from './smb2';
import { readSshBanner, sshOsHint } from './ssh-banner';
import { ipv4ToInt, rangesContain, type TargetPlan } from './targets';
import { probeWinrm, winrmOsHint } from './winrm-probe';

/** Which ports speak which protocol, so a sshd on 2222 is still fingerprinted. */
export interface ServicePorts {
  ssh: number[];
  smb: number[];
  winrmHttp: number[];
  winrmHttps: number[];
}

export const DEFAULT_SERVICE_PORTS: ServicePorts = { ssh: [22], smb: [445], winrmHttp: [5985], winrmHttps: [5986] };

export interface ScanOptions {
  ports: number[];
  concurrency: number;
  probeTimeoutMs: number;
  /** Deadline for the sweep; fingerprinting afterwards is bounded by its own per-probe timeouts. */
  budgetMs: number;
  fingerprint: boolean;
  /**
   * 'open-port' (default): a host is in the inventory only with an open port. 'any-answer': a refused
   * connection counts too — proof of a live stack on a real LAN, but every 127.x address "answers".
   */
  alivePolicy?: 'open-port' | 'any-answer';
  fingerprintConcurrency?: number;
  fingerprintTimeoutMs?: number;
  servicePorts?: Partial<ServicePorts>;
  /** Reverse DNS for hosts that are up; `servers` overrides resolv.conf. Default on. */
  rdns?: boolean | { servers: string[] };
  /** Read the kernel neighbour table for MACs (no traffic). Default on. */
  neighbours?: boolean;
  resolveTimeoutMs?: number;
  /** Host-name resolution; default dns.lookup (getaddrinfo: /etc/hosts, then DNS), IPv4 only. */
  resolve?: (hostname: string) => Promise<string[]>;
}

const systemResolve = async (name: string): Promise<string[]> =>
  (await dns.promises.lookup(name, { family: 4, all: true })).map((a) => a.address);

/** One responsive host. */
export interface HostResult {
  address: string;
  /** Names typed by the user that resolved here, then PTR names. */
  hostnames: string[];
  openPorts: number[];
  closedPorts: number[];
  filteredPorts: number[];
  /** Some port answered, open or refused: the address has a live TCP stack. */
  answered: boolean;
  fingerprints: Fingerprint[];
  /** Fingerprints that were attempted and failed, with why. */
  fingerprintErrors: { source: Fingerprint['source']; port?: number; error: string }[];
  osGuess: OsGuess;
  mac?: string;
  vendor?: string;
  /** ISO time of the first answer. */
  respondedAt: string;
}

export interface ScanProgress extends SweepProgress {
  phase: 'resolving' | 'sweeping' | 'fingerprinting' | 'done';
  fingerprintsDone: number;
  fingerprintsTotal: number;
}

export interface ScanHooks {
  onProgress?(p: ScanProgress): void;
  onHost?(h: HostResult): void;
}

export interface ScanSummary {
  status: 'completed' | 'budget-exhausted' | 'cancelled';
  elapsedMs: number;
  addressesScanned: number;
  hostsReported: number;
  hostsAnswered: number;
  unresolved: { hostname: string; error: string }[];
  sweep: SweepSummary;
}

async function resolveNames(plan: TargetPlan, timeoutMs: number, resolve: (name: string) => Promise<string[]>): Promise<{ extra: Map<number, string[]>; unresolved: ScanSummary['unresolved'] }> {
  const extra = new Map<number, string[]>();
  const unresolved: ScanSummary['unresolved'] = [];
  await Promise.all(plan.hostnames.map(async (name) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      // getaddrinfo cannot be cancelled; on timeout we stop waiting and let it finish in the background.
      const addrs = await Promise.race([
        resolve(name),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), timeoutMs); }),
      ]);
      for (const address of addrs) {
        const n = ipv4ToInt(address);
        if (n === null || rangesContain(plan.excludedRanges, n)) continue;
        extra.set(n, [...(extra.get(n) ?? []), name]);
      }
      if (addrs.length === 0) unresolved.push({ hostname: name, error: 'no IPv4 address' });
    } catch (e) {
      unresolved.push({ hostname: name, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }));
  return { extra, unresolved };
}

/** Random access over plan ranges plus resolved extras, via prefix sums and binary search. */
function addressSource(plan: TargetPlan, extras: readonly number[]): AddressSource {
  const starts: number[] = [];
  let acc = 0;
  for (const r of plan.ranges) { starts.push(acc); acc += r.end - r.start + 1; }
  return {
    count: acc + extras.length,
    at(i: number): number {
      if (i >= acc) return extras[i - acc] as number;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((starts[mid] as number) <= i) lo = mid; else hi = mid - 1;
      }
      return (plan.ranges[lo]?.start as number) + (i - (starts[lo] as number));
    },
  };
}

/** A tiny semaphore: at most `limit` fingerprint jobs at once. */
function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((r) => queue.push(r));
    active++;
    try { return await fn(); } finally { active--; queue.shift()?.(); }
  };
}

export async function runScan(plan: TargetPlan, options: ScanOptions, hooks: ScanHooks, outer: AbortSignal): Promise<ScanSummary> {
  const started = performance.now();
  // One listener on the caller's signal; every probe listens on our own, which may have hundreds.
  const inner = new AbortController();
  const signal = inner.signal;
  setMaxListeners(0, signal);
  const relay = (): void => inner.abort();
  if (outer.aborted) inner.abort(); else outer.addEventListener('abort', relay, { once: true });
  const svc: ServicePorts = { ...DEFAULT_SERVICE_PORTS, ...options.servicePorts };
  const fpTimeout = options.fingerprintTimeoutMs ?? 3000;
  const policy = options.alivePolicy ?? 'open-port';
  let sweepProgress: SweepProgress = { addressesDone: 0, addressesTotal: plan.addressCount, found: 0, probesDone: 0, probesTotal: 0 };
  let phase: ScanProgress['phase'] = 'resolving';
  let fpDone = 0;
  let fpTotal = 0;
  let reported = 0;
  let answered = 0;
  const report = (): void => hooks.onProgress?.({ ...sweepProgress, phase, fingerprintsDone: fpDone, fingerprintsTotal: fpTotal });
  report();

  const { extra, unresolved } = plan.hostnames.length
    ? await resolveNames(plan, options.resolveTimeoutMs ?? 3000, options.resolve ?? systemResolve)
    : { extra: new Map<number, string[]>(), unresolved: [] };
  const extras = [...extra.keys()].filter((n) => !rangesContain(plan.ranges, n)).sort((a, b) => a - b);
  const source = addressSource(plan, extras);

  let neighbours: { at: number; list: Promise<Neighbour[]> } | null = null;
  const neighbourOf = async (ip: string): Promise<Neighbour | undefined> => {
    if (options.neighbours === false) return undefined;
    // The sweep keeps adding ARP entries; re-read at most once a second.
    if (!neighbours || performance.now() - neighbours.at > 1000) neighbours = { at: performance.now(), list: readNeighbours() };
    return (await neighbours.list).find((n) => n.ip === ip);
  };

  const limit = limiter(Math.max(1, options.fingerprintConcurrency ?? 16));
  const pending: Promise<void>[] = [];

  const finishHost = async (o: AddressOutcome): Promise<void> => {
    const openPorts: number[] = [];
    const closedPorts: number[] = [];
    const filteredPorts: number[] = [];
    o.states.forEach((s, i) => {
      const p = options.ports[i] as number;
      if (s === 'open') openPorts.push(p); else if (s === 'closed') closedPorts.push(p); else if (s === 'filtered') filteredPorts.push(p);
    });
    const fingerprints: Fingerprint[] = [];
    const errors: HostResult['fingerprintErrors'] = [];
    const hostnames = [...(extra.get(ipv4ToInt(o.address) ?? -1) ?? [])];
    const host = o.address;
    if (options.fingerprint && openPorts.length > 0) {
      const jobs: Promise<void>[] = [];
      const on = (list: number[]): number[] => openPorts.filter((p) => list.includes(p));
      const common = { timeoutMs: fpTimeout, signal };
      for (const port of on(svc.ssh)) {
        jobs.push(readSshBanner(host, port, common).then((r) => {
          if (r.ok) fingerprints.push({ kind: 'ssh', source: 'ssh-banner', port, evidence: r.banner.raw, hint: sshOsHint(r.banner), data: r.banner });
          else errors.push({ source: 'ssh-banner', port, error: r.error });
        }));
      }
      for (const port of on(svc.smb)) {
        jobs.push(probeSmb2(host, port, common).then((r) => {
          if (r.ok) {
            const t = r.ntlm?.targetInfo;
            const ev = [`SMB ${r.negotiate?.dialectName ?? '?'}`, t?.dnsComputerName ?? t?.nbComputerName, r.ntlm?.version && `NTLM version ${r.ntlm.version.major}.${r.ntlm.version.minor}.${r.ntlm.version.build}`].filter(Boolean).join('; ');
            fingerprints.push({ kind: 'smb', source: 'smb2', port, evidence: ev, hint: smbOsHint(r), data: r });
          }
          if (r.error) errors.push({ source: 'smb2', port, error: r.error });
        }));
      }
      for (const [list, tls] of [[svc.winrmHttp, false], [svc.winrmHttps, true]] as const) {
        for (const port of on(list)) {
          const src = tls ? 'winrm-https' : 'winrm-http';
          jobs.push(probeWinrm(host, port, { ...common, tls }).then((r) => {
            if (r.ok) {
              const ev = `HTTP ${r.status ?? '?'}; Server: ${r.server ?? '-'}; WWW-Authenticate: ${r.challenges.map((c) => c.scheme).join(', ') || '-'}`;
              fingerprints.push({ kind: 'winrm', source: src, port, evidence: ev, hint: winrmOsHint(r), data: r });
            } else errors.push({ source: src, port, error: r.error ?? 'failed' });
          }));
        }
      }
      // Loopback names live in /etc/hosts, not DNS: asking a resolver about 127.x would only send a query
      // off the machine for nothing.
      if (options.rdns !== false && !host.startsWith('127.')) {
        const servers = typeof options.rdns === 'object' ? options.rdns.servers : undefined;
        jobs.push(reverseLookup(host, { timeoutMs: Math.min(fpTimeout, 2000), signal, servers }).then((r) => {
          if (r.names.length) {
            hostnames.push(...r.names.filter((n) => !hostnames.includes(n)));
            fingerprints.push({ kind: 'dns', source: 'rdns', evidence: r.names.join(', '), hint: null, data: { names: r.names } });
          } else if (r.error) errors.push({ source: 'rdns', error: r.error });
        }));
      }
      await Promise.all(jobs);
    }
    const n = await neighbourOf(host);
    let mac: string | undefined;
    let vendor: string | undefined;
    if (n?.mac) {
      const info = lookupMac(n.mac);
      if (info) {
        mac = info.mac;
        vendor = info.vendor;
        const note = info.locallyAdministered && !info.vendor ? ' (locally administered: randomised or virtual)' : '';
        fingerprints.push({ kind: 'mac', source: 'neighbour', evidence: `${info.mac}${vendor ? ` ${vendor}` : ''}${note}`, hint: macVendorHint(vendor), data: { ...info, state: n.state } });
      }
    }
    if (signal.aborted) return;
    const result: HostResult = {
      address: host,
      hostnames,
      openPorts,
      closedPorts,
      filteredPorts,
      answered: openPorts.length + closedPorts.length > 0,
      fingerprints,
      fingerprintErrors: errors,
      osGuess: guessOs(fingerprints, openPorts),
      respondedAt: new Date(o.firstAnswerAt ?? Date.now()).toISOString(),
    };
    if (mac) result.mac = mac;
    if (vendor) result.vendor = vendor;
    reported++;
    hooks.onHost?.(result);
  };

  phase = 'sweeping';
  const sweepSummary = await sweep(source, options, {
    onProgress: (p) => { sweepProgress = p; report(); },
    onAddress: (o) => {
      const isAnswered = o.states.some((s) => s === 'open' || s === 'closed');
      if (isAnswered) answered++;
      const alive = policy === 'any-answer' ? isAnswered : o.states.includes('open');
      if (!alive) return;
      fpTotal++;
      pending.push(limit(() => finishHost(o)).catch(() => undefined).then(() => { fpDone++; report(); }));
    },
  }, signal);
  phase = 'fingerprinting';
  report();
  await Promise.all(pending);
  phase = 'done';
  outer.removeEventListener('abort', relay);
  report();
  const status = signal.aborted ? 'cancelled' : sweepSummary.status;
  return {
    status,
    elapsedMs: Math.round(performance.now() - started),
    addressesScanned: source.count,
    hostsReported: reported,
    hostsAnswered: answered,
    unresolved,
    sweep: sweepSummary,
  };
}

