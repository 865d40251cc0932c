import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { hostPaths, runScript } from './host-files.js';
import { pidFile, writeRecord, type HostRecord } from './host-record.js';
import { addressOf, PROCESS_MARKER } from './paths.js';
import { identify, isOurs, killVerified, readCmdline, type ProcIdentity } from './proc.js';
import { LabError } from './types.js';
import { detachLoops } from './cleanup.js';
import type { Log } from './exec.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function markerFor(index: number): string {
  return `${PROCESS_MARKER}=${hostPaths(index).dir}`;
}

/** Resolves with the SSH banner if something answers on address:22 within the timeout, else null. */
export function sshBanner(address: string, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: 22 });
    let data = '';
    const done = (v: string | null): void => { sock.destroy(); resolve(v); };
    sock.setTimeout(timeoutMs, () => done(null));
    sock.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (data.includes('\n')) done(data.split('\n')[0]?.trim() ?? null);
    });
    sock.on('error', () => done(null));
    sock.on('close', () => done(data || null));
  });
}

export function hostRunning(rec: HostRecord): boolean {
  return rec.proc !== null && isOurs(rec.proc);
}

function logTail(index: number): string {
  try {
    return fs.readFileSync(hostPaths(index).log, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts the host detached (it outlives the calling process, so test files can share it):
 * `unshare` makes its UTS, mount and PID namespaces; the identity goes to pid.json at once.
 */
export async function startHost(rec: HostRecord, log: Log): Promise<HostRecord> {
  const address = addressOf(rec.index);
  if (hostRunning(rec)) return rec;
  const squatter = await sshBanner(address, 500);
  if (squatter !== null) {
    throw new LabError(`${address}:22 already answers (${squatter}) but no running lab host is recorded there; a process the lab did not start holds it — stop it (ss -ltnp 'sport = :22') and rerun`);
  }
  const p = hostPaths(rec.index);
  const marker = markerFor(rec.index);
  fs.writeFileSync(p.runScript, runScript(rec, marker), { mode: 0o700 });
  fs.mkdirSync(p.root, { recursive: true });
  if (rec.lowerDirs) {
    fs.mkdirSync(p.upper, { recursive: true });
    fs.mkdirSync(p.work, { recursive: true });
  }
  const out = fs.openSync(p.log, 'a');
  fs.writeSync(out, `--- start ${new Date().toISOString()}\n`);
  const child = spawn('unshare', ['--uts', '--mount', '--pid', '--fork', '--kill-child=SIGKILL', '--propagation', 'private', '--', '/bin/sh', p.runScript, marker], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
  });
  fs.closeSync(out);
  const id = child.pid === undefined ? null : identify(child.pid, marker);
  child.unref();
  if (!id) throw new LabError(`could not start host ${address}:\n${logTail(rec.index)}`);
  fs.writeFileSync(pidFile(rec.index), JSON.stringify(id));
  const started: HostRecord = { ...rec, proc: id, stopped: false };
  writeRecord(started);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const banner = await sshBanner(address, 1000);
    if (banner?.startsWith('SSH-')) break;
    if (!isOurs(id)) throw new LabError(`host ${address} (${rec.scenario}) exited while starting:\n${logTail(rec.index)}`);
    if (Date.now() > deadline) {
      await killVerified(id, 5000, 'SIGKILL');
      throw new LabError(`host ${address} (${rec.scenario}) did not answer ssh within 60 s:\n${logTail(rec.index)}`);
    }
    await sleep(100);
  }
  log(`host ${address} ${rec.hostname} up`);
  return started;
}

/** Stops the host's namespace (its sshd, sessions and mounts) if, and only if, the lab started it. */
export async function stopHost(rec: HostRecord, log: Log): Promise<HostRecord> {
  const ids: ProcIdentity[] = [];
  if (rec.proc) ids.push(rec.proc);
  for (const id of ids) {
    if (isOurs(id)) {
      log(`stopping host ${addressOf(rec.index)} (pid ${id.pid}: ${(readCmdline(id.pid) ?? []).slice(0, 1).join(' ')})`);
      // unshare blocks SIGTERM while it waits for its child, so SIGKILL it: --kill-child then
      // kills the namespace's PID 1, which takes every process and mount of the host with it.
      await killVerified(id, 5000, 'SIGKILL');
    }
  }
  if (!rec.lowerDirs) await detachLoops([hostPaths(rec.index).dir], log);
  fs.rmSync(pidFile(rec.index), { force: true });
  return { ...rec, proc: null };
}
