/**
 * The memory and CPU of a process group (Linux /proc): Chromium is a browser process plus zygotes, renderers and
 * utilities, all in the group the core starts it in (chromium-pipe.ts). RSS counts shared pages once per process;
 * PSS shares them out, so it is the fairer total. Null where /proc is not there.
 */
import fs from 'node:fs';

export interface GroupMemory {
  processes: number;
  rssKiB: number;
  /** Null when smaps_rollup cannot be read (an older kernel). */
  pssKiB: number | null;
}

export function groupMemory(pgid: number): GroupMemory | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  let processes = 0;
  let rssKiB = 0;
  let pssKiB: number | null = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after its last ')'.
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== pgid) continue;
      rssKiB += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1] ?? 0);
      processes++;
      try {
        const pss = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${name}/smaps_rollup`, 'utf8'))?.[1];
        pssKiB = pssKiB === null || pss === undefined ? null : pssKiB + Number(pss);
      } catch {
        pssKiB = null;
      }
    } catch {
      // Gone between the listing and the read.
    }
  }
  return { processes, rssKiB, pssKiB };
}

/** CPU (user + system) used so far by the processes now in the group, in ms; null where /proc is not there. */
export function groupCpuMs(pgid: number): number | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  // /proc counts in clock ticks: 100 a second on Linux.
  let ticks = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After comm: state ppid pgrp … utime (14th field of the line, 12th here) stime.
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return ticks * 10;
}

export function formatGroupMemory(m: GroupMemory | null): string {
  if (!m) return 'n/a (no /proc)';
  const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;
  return `${m.processes} processes, RSS ${mib(m.rssKiB)}${m.pssKiB === null ? '' : ` (PSS ${mib(m.pssKiB)})`}`;
}
