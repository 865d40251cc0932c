/**
 * A lab machine's CPU at microsecond resolution: its processes moved into a cpuacct cgroup of their own, whose
 * usage counts every process the machine starts from then on, finished or running. /proc's per-process times
 * (bench/deploy-shared's machineCpuMs) count in 10 ms ticks, too coarse for steps that start a few short commands.
 * Needs root and the cgroup v1 cpuacct hierarchy; null elsewhere, and the caller falls back to the ticks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hostProcessIds, type LabHost } from '../e2e/lab/index';

const ROOT = '/sys/fs/cgroup/cpuacct';

export interface CpuMeter {
  /** CPU milliseconds the machine used since the meter was made. */
  read(): number;
  /** Moves the machine's processes back and removes the cgroup. */
  close(): void;
}

export function cgroupMeter(h: LabHost): CpuMeter | null {
  const pids = hostProcessIds().get(h.address)?.slice(1) ?? [];
  if (pids.length === 0 || !fs.existsSync(path.join(ROOT, 'cpuacct.usage'))) return null;
  const dir = path.join(ROOT, `patchwell-bench-${process.pid}-${h.address}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const pid of pids) fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  } catch {
    return null;
  }
  const usage = (): number => Number(fs.readFileSync(path.join(dir, 'cpuacct.usage'), 'utf8')) / 1e6;
  const start = usage();
  return {
    read: () => usage() - start,
    close: () => {
      try {
        for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) fs.writeFileSync(path.join(ROOT, 'cgroup.procs'), pid);
        fs.rmdirSync(dir);
      } catch {
        // A process ended meanwhile, or the host went: the empty cgroup is removed on the next try or stays empty.
      }
    },
  };
}
