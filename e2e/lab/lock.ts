import fs from 'node:fs';
import path from 'node:path';
import { readStartTime } from './proc.js';
import { LabError } from './types.js';

interface LockOwner {
  pid: number;
  startTime: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ownerAlive(file: string): boolean {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return readStartTime(owner.pid) === owner.startTime;
  } catch {
    // Unreadable or half-written: the writer died between open and write, or is writing now.
    const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    return age < 2000;
  }
}

/**
 * Runs fn while holding an exclusive lock file. Several test workers call `up` at once;
 * one builds, the others wait and then find the lab up. A lock left by a dead process is taken over.
 */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>, timeoutMs = 30 * 60_000, log?: (l: string) => void): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, startTime: readStartTime(process.pid) ?? '' };
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!ownerAlive(file)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new LabError(`timed out waiting for the ${what} lock ${file}`);
      if (!told) { log?.(`waiting for another lab process (${what} lock ${file})`); told = true; }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
