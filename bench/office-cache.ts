/**
 * bench/office-cache: the office cache on N stale lab machines (real apt, Debian's real mirrors).
 *
 * (a) Bytes fetched from outside for the machines' assessment (apt-get update, changelogs) + deployment (tzdata and
 *     libexpat1, their rollback .debs kept first): without the cache, every machine fetches its own copy — counted
 *     by a pass-through proxy lent the same way, which only forwards and counts; with it, the cache's
 *     bytesFromUpstream. Printed with the ratio and the bytes the machines received.
 * (b) Cold assessment wall time (fresh disks, empty changelog memory, apt-get update on each): machines fetching
 *     directly as today, then through the cache (empty at the start of the round: the fleet shares one download),
 *     then through the cache held from the rounds before (warm; with one round, that run fills an empty store, so it
 *     is a second empty-cache figure). Median of R rounds each. Beside them the floor: every machine at once running
 *     only what any tool must to know its pending updates, `sudo apt-get update` then apt-get's simulation, over
 *     plain ssh (no changelogs, no CVEs).
 * (c) and offline mode are lab tests: electron/core/office-cache/office-cache.lab.test.ts.
 *
 * Run (root, lab env vars): npx tsx bench/office-cache.ts [--hosts 20] [--rounds 3] [--skip-bytes] [--skip-time]
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { labAvailable, resetHost, up, type LabHost } from '../e2e/lab/index';
import { createCore, type Core } from '../electron/core/core';
import { OfficeCache } from '../electron/core/office-cache/office-cache';
import type { OfficeCacheLink } from '../electron/core/transports/connections';
import { arg, cpuBetween, machineCpuMs, median, run, SSH_OPTS } from './deploy-shared';

const count = arg('--hosts', 20);
const rounds = arg('--rounds', 3);
const DEPLOYED = ['tzdata', 'libexpat1'];
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(', ');
const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
const dirs: string[] = [];
const tmp = (prefix: string): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/**
 * The "without" side of (a): a forward proxy that caches nothing, so each machine's request goes out as it would
 * without one; it counts the bytes of every answer from outside. http:// only (the lab's sources are http).
 */
async function countingProxy(): Promise<OfficeCacheLink & { bytes: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    const out = http.request(req.url ?? '', { method: req.method, headers: { ...req.headers, connection: 'close' } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (d: Buffer) => (bytes += d.length));
      up.pipe(res);
    });
    out.on('error', (e) => {
      res.writeHead(502);
      res.end(e.message);
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stats: () => ({ offline: false }),
    bytes: () => bytes,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function freshHosts(): Promise<LabHost[]> {
  const hosts = await up({ hosts: count, scenarios: ['stale'] });
  for (const h of hosts) await resetHost(h.address);
  return up({ hosts: count, scenarios: ['stale'] });
}

async function newCore(hosts: readonly LabHost[], link: (() => OfficeCacheLink | null) | null): Promise<Core> {
  // The core's own cache stays off: each run lends the one it is measuring (or none, for "directly").
  const core = createCore({ dataDir: tmp('pw-bench-cache-'), runtime: 'browser', maxConnections: count * 2, officeCache: false });
  if (link) core.services.connections.setOfficeCache(link);
  await core.call('settings/update', { maxConcurrentHosts: count });
  await core.call('credentials/create', { name: 'lab', username: 'admin', privateKey: fs.readFileSync(hosts[0]!.keyPath, 'utf8'), appliesToAll: true });
  for (const h of hosts) await core.call('machines/create', { address: h.address });
  return core;
}

/** Where the time of the last assessment went: this process (core and cache) and the machines, in CPU seconds. */
let lastCpu = '';

async function assessAll(core: Core): Promise<number> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const machines = machineCpuMs();
  const { jobId } = await core.call('assess/start', { refresh: true, allowFirstContact: true });
  await core.services.jobs.idle();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const perMachine = cpuBetween(machines, machineCpuMs());
  const total = perMachine.reduce((a, b) => a + b, 0);
  // The machines and this process share the computer's cores: their CPU over the cores is a floor for the wall time.
  lastCpu = `CPU: core+cache ${((used.user + used.system) / 1e6).toFixed(1)} s, machines ${(total / 1000).toFixed(1)} s ` +
    `(median ${(median(perMachine) / 1000).toFixed(1)} s each); all of it over ${os.cpus().length} cores ` +
    `${((total / 1000 + (used.user + used.system) / 1e6) / os.cpus().length).toFixed(1)} s`;
  const fleet = core.services.fleetChangelogs?.counters;
  if (fleet) lastCpu += `; changelogs read by the core ${fleet.read}, reused for other machines ${fleet.reused}`;
  const job = await core.call('jobs/get', { id: jobId });
  if (job.state !== 'succeeded') throw new Error(`assessment ${job.state}: ${job.summary ?? ''}`);
  const log = (await core.call('jobs/log', { id: jobId })).map((l) => l.message);
  const bad = log.filter((l) => /apt-get update failed|refused the SSH reverse port forward/.test(l));
  if (bad.length) throw new Error(`assessment warnings: ${bad[0]}`);
  return ms;
}

/** The floor: apt-get update and the simulation on every machine at once, over plain ssh, fetching directly. */
async function bareAll(hosts: readonly LabHost[]): Promise<number> {
  const t = performance.now();
  const machines = machineCpuMs();
  await Promise.all(hosts.map((h) => run('ssh', ['-i', h.keyPath, ...SSH_OPTS, `admin@${h.address}`,
    'sudo apt-get update -q >/dev/null && apt-get -s -o Debug::NoLocking=1 dist-upgrade >/dev/null'])));
  const ms = performance.now() - t;
  const perMachine = cpuBetween(machines, machineCpuMs());
  lastCpu = `CPU: machines ${(perMachine.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s (median ${(median(perMachine) / 1000).toFixed(1)} s each)`;
  return ms;
}

async function deployAll(core: Core): Promise<void> {
  const all = await core.call('machines/list', undefined);
  for (const h of all) {
    const updates = (await core.call('machines/updates', { id: h.id })).filter((u) => DEPLOYED.includes(u.package));
    if (updates.length !== DEPLOYED.length) throw new Error(`${h.address}: expected updates of ${DEPLOYED.join(', ')}, found ${updates.map((u) => u.package).join(', ')}`);
    await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [h.id] })), acknowledgeHistory: true });
  }
  await core.call('deploy/set-settings', { ids: all.map((h) => h.id), patch: { ring: 0 } });
  const { deploymentId } = await core.call('deploy/start', { deployNow: true, confirmed: true, concurrency: count });
  await core.services.jobs.idle();
  const d = await core.call('deploy/get', { id: deploymentId });
  const bad = d.targets.filter((x) => x.state !== 'succeeded');
  if (bad.length) throw new Error(`${bad.length} machines did not succeed: ${bad.map((b) => `${b.label} ${b.failure?.message}`).join('; ')}`);
}

async function bytesFigure(): Promise<void> {
  console.log(`(a) bytes from outside, ${count} machines: assessment (apt-get update + changelogs) + deployment of ${DEPLOYED.join(', ')}`);
  let hosts = await freshHosts();
  const counter = await countingProxy();
  let core = await newCore(hosts, () => counter);
  await assessAll(core);
  await deployAll(core);
  await core.close();
  const without = counter.bytes();
  await counter.close();
  console.log(`    without the cache (each machine its own copy, counted by a pass-through proxy): ${mb(without)}   [load ${load()}]`);

  hosts = await freshHosts();
  const cache = new OfficeCache({ dir: tmp('pw-bench-store-'), maxBytes: 8 * 1024 ** 3, offline: false });
  await cache.listen();
  core = await newCore(hosts, () => cache);
  await assessAll(core);
  await deployAll(core);
  await core.close();
  await cache.idle();
  const s = cache.stats();
  await cache.close();
  console.log(`    with the cache (empty at the start):  ${mb(s.bytesFromUpstream)} from outside, ${mb(s.bytesServed)} served to the machines; ` +
    `${s.files} files held, ${s.hits} hits, ${s.misses} misses   [load ${load()}]`);
  console.log(`    ratio without / with: ${(without / Math.max(1, s.bytesFromUpstream)).toFixed(1)}× (each file once would be ${count}×)`);
}

async function timeFigure(): Promise<void> {
  console.log(`(b) cold assessment wall time, ${count} stale machines (fresh disks, apt-get update, changelogs), ${rounds} round(s) each`);
  const direct: number[] = [];
  const empty: number[] = [];
  const warm: number[] = [];
  const bare: number[] = [];
  const show = (label: string, xs: number[]): void => console.log(`    ${label.padEnd(44)} ${xs.map((x) => (x / 1000).toFixed(1)).join(' / ')} s   median ${(median(xs) / 1000).toFixed(1)} s`);
  const warmStore = tmp('pw-bench-warm-');
  for (let r = 0; r < rounds; r++) {
    bare.push(await bareAll(await freshHosts()));
    console.log(`    round ${r + 1}: floor, apt-get update + simulation over ssh ${(bare.at(-1)! / 1000).toFixed(1)} s; ${lastCpu}   [load ${load()}]`);

    let hosts = await freshHosts();
    let core = await newCore(hosts, null);
    direct.push(await assessAll(core));
    await core.close();
    console.log(`    round ${r + 1}: direct ${(direct.at(-1)! / 1000).toFixed(1)} s; ${lastCpu}   [load ${load()}]`);

    hosts = await freshHosts();
    const cold = new OfficeCache({ dir: tmp('pw-bench-empty-'), maxBytes: 8 * 1024 ** 3, offline: false });
    await cold.listen();
    core = await newCore(hosts, () => cold);
    empty.push(await assessAll(core));
    await core.close();
    await cold.close();
    console.log(`    round ${r + 1}: cache empty at start ${(empty.at(-1)! / 1000).toFixed(1)} s; ${lastCpu}   [load ${load()}]`);

    hosts = await freshHosts();
    const held = new OfficeCache({ dir: warmStore, maxBytes: 8 * 1024 ** 3, offline: false });
    await held.listen();
    core = await newCore(hosts, () => held);
    const ms = await assessAll(core);
    await core.close();
    await held.close();
    // The first pass over the warm store fills it; from the second on it is warm.
    if (r > 0 || rounds === 1) warm.push(ms);
    console.log(`    round ${r + 1}: cache held from before ${(ms / 1000).toFixed(1)} s${r === 0 && rounds > 1 ? ' (fills the store; not counted)' : ''}; ${lastCpu}   [load ${load()}]`);
  }
  show('directly (as today):', direct);
  show('through the cache, empty at the start:', empty);
  show('through the cache, warm:', warm);
  show('floor (apt-get update + simulation only):', bare);
  console.log(`    speed-up: empty cache ${(median(direct) / median(empty)).toFixed(2)}×, warm cache ${(median(direct) / median(warm)).toFixed(2)}×; ` +
    `over the floor: direct ${(median(direct) / median(bare)).toFixed(2)}×, empty cache ${(median(empty) / median(bare)).toFixed(2)}×   [load ${load()}]`);
}

async function main(): Promise<void> {
  const available = labAvailable();
  if (!available.ok) throw new Error(`the lab cannot run here: ${available.reason}`);
  console.log(`office cache bench: ${count} hosts, ${os.cpus().length} cores, load ${load()}`);
  if (!process.argv.includes('--skip-bytes')) await bytesFigure();
  if (!process.argv.includes('--skip-time')) await timeFigure();
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
