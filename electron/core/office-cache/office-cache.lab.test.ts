/**
 * The office cache lent to real machines (the lab's real sshd, apt and Debian's mirrors): the `no-route` host — no
 * route, no DNS, its only way out the SSH connection — is assessed (apt-get update, changelogs) and patched through
 * the cache's reverse forward; then, with the cache in offline mode, the same host from a fresh disk is assessed and
 * patched again from what the cache holds, with no byte fetched from outside.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingUpdateView } from '../../../shared/contract';
import { resetHost, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';
import { OfficeCache } from './office-cache';

let core: Core;
let cache: OfficeCache;
let lab: LabHost[];
let privateKey: string;
let hostId: number;
const dirs: string[] = [];

const tmp = (prefix: string): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};

async function sh(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const h = hostOf(lab, 'no-route');
  const session = await connectSsh({ address: h.address, port: 22, pinnedKey: null }, { username: 'admin', privateKey });
  try {
    return await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } });
  } finally {
    await session.close();
  }
}

async function jobLog(jobId: number): Promise<string> {
  return (await core.call('jobs/log', { id: jobId })).map((l) => l.message).join('\n');
}

async function assess(): Promise<{ updates: PendingUpdateView[]; log: string }> {
  const { jobId } = await core.call('assess/start', { refresh: true, allowFirstContact: true, ids: [hostId] });
  await core.services.jobs.idle();
  const log = await jobLog(jobId);
  expect((await core.call('jobs/get', { id: jobId })).state, log).toBe('succeeded');
  return { updates: await core.call('machines/updates', { id: hostId }), log };
}

/** Deploys one pending update (tzdata: small, and nothing else depends on its version) and returns what the machine then has. */
async function deployTzdata(updates: readonly PendingUpdateView[]): Promise<{ version: string; wanted: string; log: string }> {
  const tz = updates.find((u) => u.package === 'tzdata');
  expect(tz, updates.map((u) => u.package).join(', ')).toBeDefined();
  await core.call('patches/approve', { items: [{ package: 'tzdata', candidateVersion: tz!.candidateVersion, hostIds: [hostId] }], acknowledgeHistory: true });
  const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
  await core.services.jobs.idle();
  const d = await core.call('deploy/get', { id: deploymentId });
  const log = await jobLog(d.jobId!);
  expect(d.state, log).toBe('succeeded');
  const version = (await sh("dpkg-query -W -f='${Version}' tzdata")).stdout;
  return { version, wanted: tz!.candidateVersion, log };
}

describe.skipIf(!labEnabled)('the office cache on the lab', () => {
  beforeAll(async () => {
    lab = await standardLab();
    await resetHost(hostOf(lab, 'no-route').address);
    lab = await standardLab();
    privateKey = fs.readFileSync(hostOf(lab, 'no-route').keyPath, 'utf8');
    cache = new OfficeCache({ dir: tmp('pw-cache-lab-'), maxBytes: 2 * 1024 ** 3, offline: false });
    await cache.listen();
    // The test's own cache, so it can read its figures and switch it offline; the core's stays off.
    core = createCore({ dataDir: tmp('pw-cache-core-'), runtime: 'browser', officeCache: false });
    core.services.connections.setOfficeCache(() => cache);
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, appliesToAll: true });
    hostId = (await core.call('machines/create', { address: hostOf(lab, 'no-route').address, tags: ['lab'] })).id;
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
    await cache?.close();
    if (lab) await resetHost(hostOf(lab, 'no-route').address);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }, LAB_TIMEOUT);

  it('has no way out but its SSH connection', async () => {
    const routes = await sh('tail -n +2 /proc/net/route; tail -n +1 /proc/net/ipv6_route 2>/dev/null | grep -v " lo$" || true');
    expect(routes.stdout.trim()).toBe('');
    expect((await sh('getent hosts deb.debian.org')).code).not.toBe(0);
    // Into scratch directories, so the machine's own lists stay as its scenario made them.
    const direct = await sh('mkdir -p /tmp/pw-lists/partial /tmp/pw-cache/archives/partial && ' +
      'timeout 60 apt-get -q -o Debug::NoLocking=1 -o Dir::State::Lists=/tmp/pw-lists -o Dir::Cache=/tmp/pw-cache update 2>&1; true');
    expect(direct.stdout).toMatch(/(Temporary failure resolving|Could not resolve|Network is unreachable)/);
  }, LAB_TIMEOUT);

  it('is assessed and patched through the cache lent over SSH', async () => {
    const before = cache.stats();
    const { updates, log } = await assess();
    expect(log).not.toMatch(/apt-get update failed|refused the SSH reverse port forward/);
    expect(updates.filter((u) => u.isSecurity).length).toBeGreaterThan(0);
    // The changelogs (CVEs) came through the cache too: the machine downloaded the candidates' .debs through it, and
    // the core read each changelog from the cache's copy (fleet-changelogs.ts).
    expect(updates.some((u) => u.cves.length > 0)).toBe(true);
    expect(core.services.fleetChangelogs!.counters).toMatchObject({ refused: 0 });
    expect(core.services.fleetChangelogs!.counters.read).toBeGreaterThan(0);
    await cache.idle();
    const assessed = cache.stats();
    expect(assessed.misses).toBeGreaterThan(before.misses);
    expect(assessed.bytesFromUpstream).toBeGreaterThan(1_000_000);

    const { version, wanted } = await deployTzdata(updates);
    expect(version).toBe(wanted);
    await cache.idle();
    expect(cache.stats().bytesServed).toBeGreaterThan(assessed.bytesServed);
  }, LAB_TIMEOUT);

  it('in offline mode, assesses and patches a fresh copy of the machine from what the cache holds, fetching nothing', async () => {
    await resetHost(hostOf(lab, 'no-route').address);
    lab = await standardLab();
    // A fresh disk has new host keys (a reinstalled machine, to Patchwell): added again rather than accepted.
    await core.call('machines/remove', { ids: [hostId] });
    hostId = (await core.call('machines/create', { address: hostOf(lab, 'no-route').address, tags: ['lab'] })).id;
    cache.setOffline(true);
    const held = cache.stats();
    const read = core.services.fleetChangelogs!.counters.read;
    const { updates, log } = await assess();
    expect(log).not.toMatch(/apt-get update failed/);
    // Another machine (to Patchwell) with the same candidates: their changelogs are those the core already read.
    expect(updates.some((u) => u.cves.length > 0)).toBe(true);
    expect(core.services.fleetChangelogs!.counters.read).toBe(read);
    expect(core.services.fleetChangelogs!.counters.reused).toBeGreaterThan(0);
    const { version, wanted } = await deployTzdata(updates);
    expect(version).toBe(wanted);
    await cache.idle();
    const after = cache.stats();
    expect(after.bytesFromUpstream).toBe(held.bytesFromUpstream);
    expect(after.hits).toBeGreaterThan(held.hits);
  }, LAB_TIMEOUT);
});
