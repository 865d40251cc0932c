import fs from 'node:fs';
import path from 'node:path';
import { copyImage, ensureImage, planImage } from './btrfs-image.js';
import { vmCacheEntries } from './vm.js';
import { detachLoops, removeStrayMounts } from './cleanup.js';
import { ensureCredentials, readCredentials, type Credentials } from './credentials.js';
import type { Log } from './exec.js';
import { hostnameOf, hostPaths, writePrep } from './host-files.js';
import { hostRunning, startHost as startProcess, stopHost as stopProcess } from './host-process.js';
import { hostIndexes, readPidFile, readRecord, writeRecord, type HostRecord } from './host-record.js';
import { lowerDirs } from './layers.js';
import { withLock } from './lock.js';
import { readMirrors } from './mirror.js';
import { addressOf, cacheDir, FIRST_INDEX, hostDir, hostsDir, indexOfAddress, LAST_INDEX, stateDir } from './paths.js';
import { isOurs } from './proc.js';
import { ensureLayers, makePlan, repoBinds, topLayer, type Plan } from './recipes.js';
import { labAvailable } from './available.js';
import { ALL_SCENARIOS, DEFAULT_SCENARIO, isBtrfsScenario, LabError, SCENARIOS, type LabHost, type LabUpOptions, type Scenario } from './types.js';

export const MAX_HOSTS = LAST_INDEX - FIRST_INDEX + 1;

function lockFile(): string {
  return path.join(stateDir(), 'lab.lock');
}

function requireLab(): void {
  const a = labAvailable();
  if (!a.ok) throw new LabError(`the lab cannot run here: ${a.reason}`);
}

/** Host number → scenario. Scenarios without a count: one host each; with one, they cycle. */
export function desiredHosts(opts: LabUpOptions): Map<number, Scenario> {
  const scenarios = opts.scenarios && opts.scenarios.length > 0 ? opts.scenarios : [DEFAULT_SCENARIO];
  for (const s of scenarios) {
    if (!(ALL_SCENARIOS as readonly string[]).includes(s)) throw new LabError(`unknown scenario ${JSON.stringify(s)}; known: ${ALL_SCENARIOS.join(', ')}`);
  }
  const count = opts.hosts ?? scenarios.length;
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) {
    throw new LabError(`hosts must be a whole number from 1 to ${MAX_HOSTS}, got ${String(opts.hosts)}`);
  }
  const out = new Map<number, Scenario>();
  for (let i = 0; i < count; i++) out.set(FIRST_INDEX + i, scenarios[i % scenarios.length] as Scenario);
  return out;
}

/** The record with the pid file folded in: a crash between spawn and record write loses nothing. */
function loadRecord(index: number): HostRecord | null {
  const rec = readRecord(index);
  if (!rec) return null;
  const pid = readPidFile(index);
  if (pid && (!rec.proc || rec.proc.pid !== pid.pid) && isOurs(pid)) return { ...rec, proc: pid };
  return rec;
}

function toLabHost(rec: HostRecord, creds: Credentials | null): LabHost {
  const pw = creds?.password ?? null;
  const ed = rec.hostKeyFingerprints['ssh-ed25519'] ?? '';
  return {
    index: rec.index,
    address: addressOf(rec.index),
    port: 22,
    hostname: rec.hostname,
    scenario: rec.scenario,
    user: 'admin',
    password: rec.scenario === 'key-only' ? null : pw,
    sudoPassword: rec.scenario === 'sudo-password' ? pw : null,
    keyPath: creds?.keyPath ?? '',
    hostKeyFingerprint: ed,
    hostKeyFingerprints: { ...rec.hostKeyFingerprints },
    hostPublicKeys: { ...rec.hostPublicKeys },
    running: hostRunning(rec),
  };
}

/** Stops a host (verified pid) and deletes its directory; works on half-made hosts too. */
async function destroyHost(index: number, log: Log): Promise<void> {
  const rec = loadRecord(index);
  if (rec) await stopProcess(rec, log);
  else {
    const pid = readPidFile(index);
    if (pid && isOurs(pid)) {
      await stopProcess({ index, hostname: '', scenario: DEFAULT_SCENARIO, lowerDirs: null, imageKey: null, binds: [], hostPublicKeys: {}, hostKeyFingerprints: {}, proc: pid, stopped: false }, log);
    }
  }
  await removeStrayMounts([hostDir(index)], log);
  await detachLoops([hostDir(index)], log);
  fs.rmSync(hostDir(index), { recursive: true, force: true });
}

interface Wanted {
  lowerDirs: string[] | null;
  imageKey: string | null;
  binds: { src: string; dst: string }[];
}

function wantedFor(plan: Plan, s: Scenario): Wanted {
  const binds = repoBinds(plan, s);
  if (isBtrfsScenario(s)) return { lowerDirs: null, imageKey: planImage(topLayer(plan, s)).key, binds };
  return { lowerDirs: lowerDirs(topLayer(plan, s)), imageKey: null, binds };
}

function sameHost(rec: HostRecord, s: Scenario, w: Wanted): boolean {
  return rec.scenario === s && JSON.stringify(rec.lowerDirs) === JSON.stringify(w.lowerDirs) && rec.imageKey === w.imageKey && JSON.stringify(rec.binds) === JSON.stringify(w.binds);
}

async function createHost(plan: Plan, index: number, s: Scenario, w: Wanted, creds: Credentials): Promise<HostRecord> {
  fs.mkdirSync(hostDir(index), { recursive: true, mode: 0o755 });
  const keys = await writePrep(index, s, creds);
  if (isBtrfsScenario(s)) await copyImage(planImage(topLayer(plan, s)), hostPaths(index).disk);
  const rec: HostRecord = {
    index, hostname: hostnameOf(index, s), scenario: s, ...w,
    hostPublicKeys: keys.publicKeys, hostKeyFingerprints: keys.fingerprints, proc: null, stopped: false,
  };
  writeRecord(rec);
  return rec;
}

/** Runs tasks with a small concurrency limit (host starts are cheap; 50 at once only thrash 2 cores). */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try { await fn(item); } catch (e) { errors.push(e); }
    }
  }));
  if (errors.length > 0) throw errors[0];
}

export async function up(opts: LabUpOptions = {}): Promise<LabHost[]> {
  requireLab();
  const log: Log = opts.onLog ?? (() => {});
  const desired = desiredHosts(opts);
  return withLock(lockFile(), 'lab', async () => {
    fs.mkdirSync(hostsDir(), { recursive: true });
    const creds = await ensureCredentials();
    const plan = await makePlan(readMirrors(), opts.refresh === true, log);
    const scenarios = [...new Set(desired.values())];
    await ensureLayers(plan, scenarios, log);
    for (const s of scenarios.filter(isBtrfsScenario)) await ensureImage(planImage(topLayer(plan, s)), topLayer(plan, s), log);

    // Reconcile: remove what is not wanted or differs, keep what matches, create the rest.
    for (const index of hostIndexes()) {
      const rec = loadRecord(index);
      const s = desired.get(index);
      if (rec && s && sameHost(rec, s, wantedFor(plan, s))) continue;
      log(`removing host ${addressOf(index)}${rec ? ` (${rec.scenario})` : ''}`);
      await destroyHost(index, log);
    }
    const toStart: HostRecord[] = [];
    for (const [index, s] of desired) {
      const existing = loadRecord(index);
      const rec = existing ?? await createHost(plan, index, s, wantedFor(plan, s), creds);
      if (!hostRunning(rec)) toStart.push(rec);
    }
    await pool(toStart, 8, async (rec) => { await startProcess(rec, log); });
    return listHosts();
  }, 60 * 60_000, log);
}

function listHosts(): LabHost[] {
  const creds = readCredentials();
  return hostIndexes().map(loadRecord).filter((r): r is HostRecord => r !== null).map((r) => toLabHost(r, creds));
}

export async function status(): Promise<LabHost[]> {
  return listHosts();
}

export async function down(opts: { onLog?: Log } = {}): Promise<void> {
  requireLab();
  const log: Log = opts.onLog ?? (() => {});
  await withLock(lockFile(), 'lab', async () => {
    for (const index of hostIndexes().reverse()) {
      log(`removing host ${addressOf(index)}`);
      await destroyHost(index, log);
    }
    await removeStrayMounts([stateDir(), cacheDir()], log);
    await detachLoops([stateDir(), cacheDir()], log);
    fs.rmSync(hostsDir(), { recursive: true, force: true });
  }, 10 * 60_000, log);
}

function findRecord(address: string): HostRecord {
  const index = indexOfAddress(address);
  const rec = loadRecord(index);
  if (!rec) throw new LabError(`no lab host at ${address}; run \`npm run lab -- status\` to list them`);
  return rec;
}

export async function stopHost(address: string, opts: { onLog?: Log } = {}): Promise<void> {
  requireLab();
  const log: Log = opts.onLog ?? (() => {});
  await withLock(lockFile(), 'lab', async () => {
    const rec = findRecord(address);
    writeRecord({ ...(await stopProcess(rec, log)), stopped: true });
  }, 10 * 60_000, log);
}

export async function startHost(address: string, opts: { onLog?: Log } = {}): Promise<void> {
  requireLab();
  const log: Log = opts.onLog ?? (() => {});
  await withLock(lockFile(), 'lab', async () => {
    const rec = findRecord(address);
    await startProcess({ ...rec, stopped: false }, log);
  }, 10 * 60_000, log);
}

/**
 * Puts one host back to its scenario's first state (a fresh disk layer or image, same address and scenario),
 * so a test that changed packages leaves the lab as other tests expect it. Its host keys are made anew.
 */
export async function resetHost(address: string, opts: { onLog?: Log } = {}): Promise<LabHost> {
  requireLab();
  const log: Log = opts.onLog ?? (() => {});
  return withLock(lockFile(), 'lab', async () => {
    const rec = findRecord(address);
    const creds = await ensureCredentials();
    const plan = await makePlan(readMirrors(), false, log);
    log(`resetting host ${address} (${rec.scenario})`);
    await destroyHost(rec.index, log);
    const fresh = await createHost(plan, rec.index, rec.scenario, wantedFor(plan, rec.scenario), creds);
    // Right after the old host went, its sshd may still hold the address for a moment (seen once in CI:
    // "exited while starting" with nothing in the log); a short wait and a second start settle it.
    for (let attempt = 1; ; attempt++) {
      try {
        await startProcess(fresh, log);
        break;
      } catch (e) {
        if (attempt >= 3 || !(e instanceof LabError) || !/exited while starting/.test(e.message)) throw e;
        log(`host ${address} exited while starting; trying again (${attempt}/3)`);
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
    return listHosts().find((h) => h.address === address)!;
  }, 10 * 60_000, log);
}

/**
 * Deletes cache entries no current recipe and no existing host uses (old bases after a recipe
 * change, old upgraded generations). Downloaded .debs are kept: they make rebuilds fast.
 */
export async function pruneCache(opts: { onLog?: Log } = {}): Promise<string[]> {
  requireLab();
  const log: Log = opts.onLog ?? (() => {});
  return withLock(lockFile(), 'lab', async () => {
    const plan = await makePlan(readMirrors(), false, log);
    const keep = new Set<string>([path.dirname(plan.base.dir), plan.repo.dir, path.dirname(plan.rpmRepos.dirs.rhel)]);
    for (const s of SCENARIOS.filter(isBtrfsScenario)) keep.add(path.dirname(planImage(topLayer(plan, s)).file));
    for (const l of Object.values(plan.layers)) keep.add(path.dirname(l.dir));
    if ('layer' in plan.windowsSsh) keep.add(path.dirname(plan.windowsSsh.layer.dir));
    const creds = readCredentials();
    if (creds) for (const e of vmCacheEntries(plan, creds)) keep.add(e);
    for (const index of hostIndexes()) {
      const rec = loadRecord(index);
      for (const d of rec?.lowerDirs ?? []) keep.add(path.dirname(d));
      // Apt repositories are bound whole; each RPM flavour is a subdirectory of its cache entry.
      for (const b of rec?.binds ?? []) keep.add(path.basename(path.dirname(b.src)).startsWith('rpm-repo-') ? path.dirname(b.src) : b.src);
      if (rec?.imageKey) keep.add(path.join(cacheDir(), 'images', `btrfs-${rec.imageKey}`));
    }
    const candidates: string[] = [];
    for (const sub of ['layers', 'images']) {
      const dir = path.join(cacheDir(), sub);
      if (fs.existsSync(dir)) for (const n of fs.readdirSync(dir)) candidates.push(path.join(dir, n));
    }
    for (const n of fs.readdirSync(cacheDir())) if (n.startsWith('fixture-repo-') || n.startsWith('rpm-repo-')) candidates.push(path.join(cacheDir(), n));
    const removed = candidates.filter((c) => !keep.has(c));
    // Builds hold the build lock; a `.tmp` entry may be one in progress in another process.
    await withLock(path.join(cacheDir(), 'build.lock'), 'build', async () => {
      await removeStrayMounts(removed, log);
      for (const c of removed) {
        log(`removing cache entry ${c}`);
        fs.rmSync(c, { recursive: true, force: true });
      }
    }, 60 * 60_000, log);
    return removed;
  }, 60 * 60_000, log);
}
