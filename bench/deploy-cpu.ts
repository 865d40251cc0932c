/**
 * bench/deploy-cpu: where a Debian deployment's CPU goes on the machine. On a small computer running many machines,
 * their CPU is what the wall time is made of (bench/deploy), so the overhead over a bare apt-get is the CPU that
 * Patchwell's own steps add. One fixture lab machine at a time, idle: the CPU its process tree used during each
 * step of a Patchwell deployment (read at each step change, as the step is written), and during a bare `sudo apt-get
 * install` of the same versions. The machine's CPU is read from a cpuacct cgroup (microseconds; deploy-cpu-meter.ts)
 * where the computer has one, else from /proc in 10 ms ticks. Median of R rounds, each on a fresh disk.
 *
 * Run (root, on the lab): npx tsx bench/deploy-cpu.ts [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_PACKAGES, resetHost, up, type LabHost } from '../e2e/lab/index';
import { createCore } from '../electron/core/core';
import { targetRow } from '../electron/core/deploy/deploy-queries';
import { cgroupMeter, type CpuMeter } from './deploy-cpu-meter';
import { arg, machineCpuMs, median, run, SSH_OPTS } from './deploy-shared';

const ROUNDS = arg('--rounds', 3);
const targets = FIXTURE_PACKAGES.map((p) => `${p.name}=${p.versions.at(-1)!.version}`);

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The machine's CPU meter: its cgroup's, or the ticks of its processes when there is no cgroup to use. */
function meterOf(h: LabHost): CpuMeter & { kind: string } {
  const m = cgroupMeter(h);
  if (m) return { ...m, kind: 'cgroup' };
  const start = machineCpuMs().get(h.address) ?? 0;
  return { read: () => (machineCpuMs().get(h.address) ?? 0) - start, close: () => {}, kind: '/proc ticks' };
}
let meterKind = '';

async function fresh(): Promise<LabHost> {
  const [h] = await up({ hosts: 1, scenarios: ['fixture'] });
  await resetHost(h!.address);
  const [again] = await up({ hosts: 1, scenarios: ['fixture'] });
  return again!;
}

async function bare(h: LabHost): Promise<number> {
  const meter = meterOf(h);
  meterKind = meter.kind;
  const c0 = meter.read();
  await run('ssh', ['-i', h.keyPath, ...SSH_OPTS, `admin@${h.address}`, 'sudo', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...targets]);
  const used = meter.read() - c0;
  meter.close();
  return used;
}

/** CPU milliseconds the machine used in each step of one Patchwell deployment ("connect": before the first step). */
async function patchwell(h: LabHost): Promise<Map<string, number>> {
  const core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-cpu-')), runtime: 'browser', officeCache: false });
  try {
    await core.call('credentials/create', { name: 'lab', username: 'admin', privateKey: fs.readFileSync(h.keyPath, 'utf8'), appliesToAll: true });
    await core.call('machines/create', { address: h.address });
    await core.call('settings/update', { refreshPackageLists: false });
    await core.call('assess/start', { allowFirstContact: true });
    await core.services.jobs.idle();
    const [m] = await core.call('machines/list', undefined);
    const updates = await core.call('machines/updates', { id: m!.id });
    await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [m!.id] })) });
    const used = new Map<string, number>();
    let step = 'connect';
    const meter = meterOf(h);
    let at = meter.read();
    const mark = (next: string): void => {
      const now = meter.read();
      used.set(step, (used.get(step) ?? 0) + now - at);
      step = next;
      at = now;
    };
    let deploymentId = 0;
    // The event follows the step's write at once: reading the row here (not through an asynchronous call) sees
    // each step as it starts. The event's own id: preflight starts before deploy/start has returned one.
    const off = core.subscribe((e) => {
      if (e.name !== 'deploy/changed') return;
      const s = targetRow(core.services.db, e.payload.deploymentId, m!.id)?.step;
      if (s && s !== step) mark(s);
    });
    ({ deploymentId } = await core.call('deploy/start', { deployNow: true, confirmed: true }));
    await core.services.jobs.idle();
    mark('done');
    off();
    meter.close();
    const d = await core.call('deploy/get', { id: deploymentId });
    if (d.targets[0]?.state !== 'succeeded') throw new Error(`deployment ${d.targets[0]?.state}: ${d.targets[0]?.failure?.message ?? ''}`);
    used.delete('done');
    return used;
  } finally {
    await core.close();
  }
}

async function main(): Promise<void> {
  console.log(`bench/deploy-cpu: one fixture machine, ${targets.join(' ')}, ${ROUNDS} rounds; load ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  const bares: number[] = [];
  const steps = new Map<string, number[]>();
  for (let r = 1; r <= ROUNDS; r++) {
    bares.push(await bare(await fresh()));
    const s = await patchwell(await fresh());
    for (const [k, v] of s) steps.set(k, [...(steps.get(k) ?? []), v]);
    const total = [...s.values()].reduce((a, b) => a + b, 0);
    console.log(`round ${r}: bare apt-get ${sec(bares.at(-1)!)} CPU; Patchwell ${sec(total)} CPU: ${[...s].map(([k, v]) => `${k} ${sec(v)}`).join(', ')}`);
  }
  const totals = [...Array(ROUNDS).keys()].map((i) => [...steps.values()].reduce((a, v) => a + (v[i] ?? 0), 0));
  console.log(`machine CPU read from: ${meterKind}`);
  console.log(`median: bare apt-get ${sec(median(bares))} CPU on the machine; Patchwell ${sec(median(totals))}: ${[...steps].map(([k, v]) => `${k} ${sec(median(v))}`).join(', ')}`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
});
