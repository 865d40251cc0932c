/**
 * What bench/deploy (apt) and bench/deploy-rpm (dnf) share: the Patchwell run through the core's calls (assess,
 * approve everything, one ring, deploy N at once), its per-step times from the job log, and the figures' format.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCore } from '../electron/core/core';
import { targetRow } from '../electron/core/deploy/deploy-queries';
import { hostProcessIds, type LabHost } from '../e2e/lab/index';

export const run = promisify(execFile);
export const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes'];

/** Per-step seconds of every machine, from each machine's "Done in N s (preflight 1.2 s, snapshot …)" log line. */
export type StepTimes = Record<string, number[]>;

export function parseStepTimes(lines: readonly string[]): StepTimes {
  const out: StepTimes = {};
  for (const line of lines) {
    const m = /^Done in ([\d.]+) s \((.*)\)$/.exec(line);
    if (!m) continue;
    (out.total ??= []).push(Number(m[1]));
    for (const part of m[2]!.split(', ')) {
      const p = /^(\w+) ([\d.]+) s$/.exec(part);
      if (p) (out[p[1]!] ??= []).push(Number(p[2]));
    }
  }
  return out;
}

export interface PatchwellRun {
  ms: number;
  /** CPU milliseconds the core (this process) used during the deployment: it shares the cores with the machines. */
  cpuMs: number;
  steps: StepTimes | null;
  /** With `meters`: each step's machine CPU (milliseconds), one entry per machine; "connect" is before the first step. */
  stepCpu: StepTimes | null;
}

/** A machine's CPU meter (bench/deploy-cpu-meter's cgroup, or its /proc ticks): milliseconds since it was made. */
export interface StepMeter {
  read(): number;
}

/**
 * Each machine's CPU per deployment step: `mark(machine, step)` when the machine's row shows its next step charges
 * the CPU used since the previous mark to the previous step (the first one is "connect", before any step).
 */
export class StepCpu<K> {
  private readonly at = new Map<K, { step: string; cpu: number }>();
  private readonly used = new Map<K, Map<string, number>>();

  constructor(private readonly meterOf: (machine: K) => StepMeter | undefined) {}

  start(machine: K): void {
    const meter = this.meterOf(machine);
    if (meter) this.at.set(machine, { step: 'connect', cpu: meter.read() });
  }

  mark(machine: K, next: string): void {
    const meter = this.meterOf(machine);
    const prev = this.at.get(machine);
    if (!meter || !prev || prev.step === next) return;
    const now = meter.read();
    const steps = this.used.get(machine) ?? new Map<string, number>();
    steps.set(prev.step, (steps.get(prev.step) ?? 0) + now - prev.cpu);
    this.used.set(machine, steps);
    this.at.set(machine, { step: next, cpu: now });
  }

  /** One machine's milliseconds per step, in the order the steps came. */
  of(machine: K): Map<string, number> {
    return this.used.get(machine) ?? new Map();
  }

  /** Every machine's milliseconds per step, one entry per machine that went through it. */
  all(): StepTimes {
    const out: StepTimes = {};
    for (const steps of this.used.values()) for (const [step, ms] of steps) (out[step] ??= []).push(ms);
    return out;
  }
}

/** Assesses the machines, approves every update found, and times one deployment to all of them at once. */
export async function patchwellDeploy(hosts: readonly LabHost[], onStart: () => void = () => {}, meters?: { get(address: string): StepMeter | undefined }): Promise<PatchwellRun> {
  const n = hosts.length;
  const core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-deploy-')), runtime: 'browser', maxConnections: n * 2 });
  try {
    const key = fs.readFileSync(hosts[0]!.keyPath, 'utf8');
    await core.call('credentials/create', { name: 'lab', username: 'admin', privateKey: key, appliesToAll: true });
    for (const h of hosts) await core.call('machines/create', { address: h.address });
    await core.call('settings/update', { maxConcurrentHosts: n, refreshPackageLists: false });
    await core.call('assess/start', { allowFirstContact: true });
    await core.services.jobs.idle();
    for (const h of await core.call('machines/list', undefined)) {
      const updates = await core.call('machines/updates', { id: h.id });
      await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [h.id] })) });
    }
    // One ring, all at once: the benchmark compares install throughput, not the canary's wait.
    const all = await core.call('machines/list', undefined);
    await core.call('deploy/set-settings', { ids: all.map((h) => h.id), patch: { ring: 0 } });
    onStart();
    // Each machine's CPU per step, read when its deployment row shows the next step (as bench/deploy-cpu does for one
    // machine): under 20-fold load this says which step's CPU grows, not only the total.
    const byHost = new Map((await core.call('machines/list', undefined)).map((h) => [h.id, h.address]));
    const stepCpu = new StepCpu<number>((hostId) => meters?.get(byHost.get(hostId) ?? ''));
    for (const hostId of byHost.keys()) stepCpu.start(hostId);
    const off = meters
      ? core.subscribe((e) => {
        if (e.name !== 'deploy/changed') return;
        for (const hostId of byHost.keys()) {
          const step = targetRow(core.services.db, e.payload.deploymentId, hostId)?.step;
          if (step) stepCpu.mark(hostId, step);
        }
      })
      : () => {};
    const t = performance.now();
    const cpu = process.cpuUsage();
    const { deploymentId } = await core.call('deploy/start', { deployNow: true, confirmed: true, concurrency: n });
    await core.services.jobs.idle();
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    off();
    for (const hostId of byHost.keys()) stepCpu.mark(hostId, 'done');
    const perStep = stepCpu.all();
    const d = await core.call('deploy/get', { id: deploymentId });
    const bad = d.targets.filter((x) => x.state !== 'succeeded');
    if (bad.length) throw new Error(`Patchwell: ${bad.length} machines did not succeed: ${bad.map((b) => `${b.label} ${b.failure?.message}`).join('; ')}`);
    let steps: StepTimes | null = null;
    if (d.jobId) {
      const log = await core.call('jobs/log', { id: d.jobId });
      steps = parseStepTimes(log.map((l) => l.message));
      if ((steps.total?.length ?? 0) !== n) throw new Error(`Patchwell: ${steps.total?.length ?? 0} "Done in" lines for ${n} machines`);
    }
    return { ms, cpuMs: (used.user + used.system) / 1000, steps, stepCpu: Object.keys(perStep).length ? perStep : null };
  } finally {
    await core.close();
  }
}

export function describeSteps(st: StepTimes): string {
  return Object.entries(st).map(([k, v]) => `${k} ${median(v).toFixed(1)} [${Math.max(...v).toFixed(1)}] s`).join(', ');
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Each step's share of the machines' time: its seconds summed over the machines over their summed totals. */
export function stepShares(st: StepTimes): Record<string, number> {
  const total = sum(st.total ?? []);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(st)) if (k !== 'total' && total > 0) out[k] = sum(v) / total;
  return out;
}

/** Per step: the median over rounds of the per-machine medians, and of the shares. */
export function describeStepRounds(rounds: readonly StepTimes[]): string {
  const names = [...new Set(rounds.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'total');
  return names
    .map((k) => {
      const med = median(rounds.map((r) => median(r[k] ?? [0])));
      const share = median(rounds.map((r) => stepShares(r)[k] ?? 0));
      return `${k} ${med.toFixed(1)} s (${(share * 100).toFixed(0)}%)`;
    })
    .join(', ');
}

const CLOCK_TICKS = 100;

/**
 * CPU milliseconds each lab machine has used so far (everything its sshd ran, finished or running), by address. The
 * machines share this computer's cores, so their CPU is what the wall time is made of once they queue for them. A
 * finished process's time is in its parent's cutime/cstime; a running one's in its own utime/stime.
 */
export function machineCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [address, pids] of hostProcessIds()) {
    let ticks = 0;
    // pids[0] is the lab's unshare (outside the machine); the rest is the machine's process tree.
    for (const pid of pids.slice(1)) {
      try {
        const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      } catch {
        // The process ended between the listing and the read: its time is in its parent's children's time.
      }
    }
    out.set(address, (ticks / CLOCK_TICKS) * 1000);
  }
  return out;
}

/** Per machine CPU milliseconds used between two `machineCpuMs` readings. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): number[] {
  return [...after].map(([k, v]) => v - (before.get(k) ?? 0));
}
