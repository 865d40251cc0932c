import fs from 'node:fs';

/** What the lab records about a process it started, so it can prove ownership before a kill. */
export interface ProcIdentity {
  pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks after boot; a recycled pid gets a different one. */
  startTime: string;
  /** An argument that must appear, whole, in the process's command line. */
  marker: string;
}

export function readStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A zombie has finished; it only waits for its parent to reap it.
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function readCmdline(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s) => s.length > 0);
  } catch {
    return null;
  }
}

function readPpid(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

export function identify(pid: number, marker: string): ProcIdentity | null {
  const startTime = readStartTime(pid);
  return startTime ? { pid, startTime, marker } : null;
}

/** True only if the pid is still the very process recorded (same start time, marker among its arguments). */
export function isOurs(id: ProcIdentity): boolean {
  if (readStartTime(id.pid) !== id.startTime) return false;
  const cmd = readCmdline(id.pid);
  // Whole-argument match: the marker of host 11 must not match host 110's.
  return cmd !== null && cmd.some((arg) => arg === id.marker);
}

/** The process and all its descendants (the host's sshd and sessions), for memory figures. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = readPpid(pid);
    if (ppid === null) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Resident and proportional set size in KiB (PSS splits shared pages fairly between hosts). */
export function memoryOf(pid: number): { rssKiB: number; pssKiB: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pick = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssKiB: pick('Rss'), pssKiB: pick('Pss') };
  } catch {
    return { rssKiB: 0, pssKiB: 0 };
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Stops a process the lab started: `first` (SIGTERM), then SIGKILL after the grace time.
 * Does nothing unless the identity still matches, so a recycled pid is never hit.
 */
export async function killVerified(id: ProcIdentity, graceMs = 5000, first: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isOurs(id)) return;
  try { process.kill(id.pid, first); } catch { return; }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (readStartTime(id.pid) !== id.startTime) return;
    await sleep(50);
  }
  if (isOurs(id)) {
    try { process.kill(id.pid, 'SIGKILL'); } catch { return; }
  }
  while (readStartTime(id.pid) === id.startTime) await sleep(50);
}
