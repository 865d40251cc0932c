/**
 * The whole Windows flow through the core's calls, as the app runs them: a machine reached over WinRM (real
 * NTLM and sealed messages, on loopback) with a simulated Windows behind the test server — assess, the Patches
 * page, approve exact updates, deploy (restore point, install as SYSTEM, verify), roll back (KB removal), an
 * install that fails and rolls itself back, and an update Windows will not remove.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeploymentDetail, PatchRow } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { SimulatedWindows, sampleUpdates } from '../platforms/windows/testing/simulated-windows';
import { testKeyPair } from '../transports/testing/test-keys';
import { WinrmTestServer } from '../winrm/testing/test-server';

// Every script runs in PowerShell 7 (one runspace each, and one more for a SYSTEM task): seconds, not milliseconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

let core: Core;
let server: WinrmTestServer;
let win: SimulatedWindows;
let hostId: number;

beforeEach(async () => {
  win = new SimulatedWindows();
  win.pending = sampleUpdates();
  server = new WinrmTestServer({ username: 'patchwell', password: 'S3cret-pass!', domain: 'OFFICE' }, win.onCommand);
  const port = await server.listen();
  core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-win-')), runtime: 'browser', checkResults: true, scheduler: false, deployTimings: { serviceGraceMs: 50 } });
  await core.call('credentials/create', { name: 'Office admin', username: 'OFFICE\\patchwell', password: 'S3cret-pass!', appliesToAll: true });
  const h = await core.call('machines/create', { address: '127.0.0.1', displayName: 'Reception PC', transport: 'winrm', winrmPort: port, osFamily: 'windows' });
  hostId = h.id;
});

afterEach(async () => {
  await core.close();
  await server.close();
});

async function assess(): Promise<void> {
  const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
  await core.services.jobs.idle();
  const job = await core.call('jobs/get', { id: jobId });
  expect(job.state, JSON.stringify(job)).toBe('succeeded');
}

async function deploy(): Promise<DeploymentDetail> {
  const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
  await core.services.jobs.idle();
  return await core.call('deploy/get', { id: deploymentId });
}

const rows = async (): Promise<PatchRow[]> => (await core.call('patches/list', undefined)).rows;
const logOf = async (d: DeploymentDetail): Promise<string> => (await core.call('jobs/log', { id: d.jobId! })).map((l) => l.message).join('\n');

describe('Windows over WinRM: assess → approve → deploy → roll back', () => {
  it('installs exactly the approved update with a restore point first, verifies it, and rolls it back by removing the KB', async () => {
    await assess();
    const host = await core.call('machines/get', { id: hostId });
    expect(host).toMatchObject({ platform: 'windows', osFamily: 'windows', osName: 'Microsoft Windows 11 Pro', hostname: 'RECEPTION-PC', pendingCount: 2, securityCount: 2 });
    const list = await rows();
    expect(list.map((r) => r.package).sort()).toEqual(['KB5045935', 'KB5046633']);
    const cu = list.find((r) => r.package === 'KB5046633')!;
    expect(cu).toMatchObject({ candidateVersion: '2f1e3b6a-7c44-4d2e-9a8b-1c0d5e6f7a81/200', cves: ['CVE-2024-38063', 'CVE-2024-43451'], isSecurity: true });
    expect(cu.risk.why).toMatch(/critical severity/);

    await core.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const d = await deploy();
    expect(d.targets[0]).toMatchObject({ state: 'succeeded' });
    expect(win.hotfixes.map((h) => h.kb)).toContain('KB5046633');
    expect(win.pending.map((u) => u.kbs[0])).toEqual(['KB5045935']);
    expect(win.restorePoints).toEqual([expect.objectContaining({ sequence: 41, description: `Patchwell deployment ${d.id}` })]);
    const log = await logOf(d);
    expect(log).toMatch(/Restore point #41 made/);
    expect(log).toMatch(/A reboot is needed .* and is not allowed on this machine/);
    expect(win.tasks.filter((t) => t.startsWith('register')).length).toBe(win.tasks.filter((t) => t.startsWith('remove')).length);
    expect((await rows()).map((r) => r.package)).toEqual(['KB5045935']);
    expect((await core.call('machines/get', { id: hostId })).rebootRequired).toBe(true);

    const { deploymentId: rid } = await core.call('deploy/rollback', { id: d.id });
    await core.services.jobs.idle();
    expect((await core.call('deploy/get', { id: rid })).state).toBe('succeeded');
    expect((await core.call('deploy/get', { id: d.id })).targets[0]!.state).toBe('rolled-back');
    expect(win.hotfixes.map((h) => h.kb)).not.toContain('KB5046633');
    expect((await rows()).map((r) => r.package).sort()).toEqual(['KB5045935', 'KB5046633']);
    const actions = (await core.call('audit/list', { limit: 100 })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['patch.approve', 'deploy.snapshot', 'deploy.install', 'deploy.rollback']));
    expect(await core.call('audit/verify', undefined)).toMatchObject({ ok: true });
  });

  it('an update that fails to install rolls the machine back by itself; a second deployment the same day gets no new restore point, and says so', async () => {
    win.pending[1]!.failWith = 0x80240022;
    await assess();
    const list = await rows();
    await core.call('patches/approve', { items: list.map((r) => ({ package: r.package, candidateVersion: r.candidateVersion, hostIds: [hostId] })) });
    const d = await deploy();
    expect(d.targets[0]).toMatchObject({ state: 'rolled-back' });
    expect(d.targets[0]!.failure?.message).toMatch(/KB5045935 \(failed: 0x80240022 WU_E_ALL_UPDATES_FAILED/);
    // The update that did install was removed again.
    expect(win.hotfixes.map((h) => h.kb)).not.toContain('KB5046633');

    expect(win.pending.map((u) => u.kbs[0]).sort()).toEqual(['KB5045935', 'KB5046633']);
    win.pending = win.pending.filter((u) => u.kbs[0] !== 'KB5045935');
    await assess();
    await core.call('patches/approve', { items: (await rows()).map((r) => ({ package: r.package, candidateVersion: r.candidateVersion, hostIds: [hostId] })) });
    const again = await deploy();
    expect(again.targets[0]).toMatchObject({ state: 'succeeded' });
    expect(await logOf(again)).toMatch(/Windows made no new restore point: it allows one per 24 hours by default/);
  });

  it('an update that stops a service that ran before is rolled back; one that comes back within the grace period is not', async () => {
    win.stopsServices.set('KB5046633', ['Spooler']);
    await assess();
    const cu = (await rows()).find((r) => r.package === 'KB5046633')!;
    await core.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const d = await deploy();
    expect(d.targets[0]).toMatchObject({ state: 'rolled-back' });
    expect(d.targets[0]!.failure?.message).toMatch(/Services that ran before the update no longer run: Spooler$/);
    expect(await logOf(d)).toMatch(/Not running after the install: Spooler; looking again in 0 s/);
    expect(win.hotfixes.map((h) => h.kb)).not.toContain('KB5046633');

    // The same update again, but Windows brings the service back while Patchwell waits: the first look after the
    // install sees it stopped, the second sees it running.
    win.services.push('Spooler');
    win.comesBackAfter.set('Spooler', 1);
    await assess();
    const again = (await rows()).find((r) => r.package === 'KB5046633')!;
    await core.call('patches/approve', { items: [{ package: again.package, candidateVersion: again.candidateVersion, hostIds: [hostId] }] });
    const ok = await deploy();
    expect(ok.targets[0]).toMatchObject({ state: 'succeeded' });
    expect(await logOf(ok)).toMatch(/Verified: KB5046633 installed; 6 automatic services still running/);
  });

  it('says plainly, before approval and at rollback, what Windows will not remove', async () => {
    win.pending[0]!.uninstallable = false;
    win.permanent.add('KB5046633');
    await assess();
    const cu = (await rows()).find((r) => r.package === 'KB5046633')!;
    expect(cu.notes).toEqual(['Windows says this update cannot be uninstalled: a rollback cannot remove it']);
    await core.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const d = await deploy();
    expect(d.targets[0]!.state).toBe('succeeded');
    const { deploymentId: rid } = await core.call('deploy/rollback', { id: d.id });
    await core.services.jobs.idle();
    const r = await core.call('deploy/get', { id: rid });
    expect(r.state).toBe('failed');
    expect(await logOf(r)).toMatch(/Windows would not remove KB5046633\. Restore point #41, made before the change, can still undo it/);
  });

  it('restarts the machine when a reboot is needed and allowed, and waits for the new boot', async () => {
    await assess();
    await core.call('deploy/set-settings', { ids: [hostId], patch: { allowReboot: true } });
    const cu = (await rows()).find((r) => r.package === 'KB5046633')!;
    await core.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const bootBefore = win.lastBoot.getTime();
    const d = await deploy();
    expect(d.targets[0]!.state).toBe('succeeded');
    expect(win.calls.map((c) => c.script)).toContain('restart');
    expect(win.lastBoot.getTime()).toBeGreaterThan(bootBefore);
    expect(await logOf(d)).toMatch(/Back after the restart/);
    expect((await core.call('machines/get', { id: hostId })).rebootRequired).toBe(false);
    expect((await core.call('audit/list', { limit: 100 })).map((a) => a.action)).toContain('deploy.reboot');
  });

  it('upgrades an application through winget with the KBs, and says at rollback that it stays', async () => {
    win.appUpgrades = [{ name: '7-Zip 23.01 (x64)', id: '7zip.7zip', installed: '23.01', available: '24.08' }];
    await assess();
    const app = (await rows()).find((r) => r.package === '7zip.7zip')!;
    expect(app).toMatchObject({ candidateVersion: '24.08', installedVersions: ['23.01'], notes: [expect.stringMatching(/cannot roll it back/)] });
    const cu = (await rows()).find((r) => r.package === 'KB5046633')!;
    await core.call('patches/approve', { items: [app, cu].map((r) => ({ package: r.package, candidateVersion: r.candidateVersion, hostIds: [hostId] })) });
    const d = await deploy();
    expect(d.targets[0]!.state).toBe('succeeded');
    expect(win.apps.find((a) => a.name === '7-Zip 23.01 (x64)')!.version).toBe('24.08');
    expect((await rows()).map((r) => r.package)).toEqual(['KB5045935']);
    const { deploymentId: rid } = await core.call('deploy/rollback', { id: d.id });
    await core.services.jobs.idle();
    const r = await core.call('deploy/get', { id: rid });
    expect(r.state).toBe('succeeded');
    expect(await logOf(r)).toMatch(/Application upgrades stay as they are \(winget keeps no previous version\): 7zip\.7zip 24\.08/);
    expect(win.hotfixes.map((h) => h.kb)).not.toContain('KB5046633');
  });

  it('says in the job log when a WinRM connection dropped and was signed in again, and still finishes', async () => {
    // The third Receive (inside the facts script's output loop or the next script) loses its connection.
    server.dropAt({ action: 'Receive', when: 'before', skip: 2 });
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
    expect(server.dropped).toEqual([{ action: 'Receive', when: 'before' }]);
    const log = (await core.call('jobs/log', { id: jobId })).filter((l) => /connection dropped/.test(l.message));
    expect(log).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^WinRM at 127\.0\.0\.1:\d+: connection dropped \(receive: .+\); signing in again on a new connection \(reconnection 1 in this session\)$/) })]);
    expect((await rows()).map((r) => r.package).sort()).toEqual(['KB5045935', 'KB5046633']);
  });

  it('refuses a credential without a password, with a clear message', async () => {
    const { private: privateKey } = testKeyPair();
    const keyOnly = await core.call('credentials/create', { name: 'Key only', username: 'admin', privateKey });
    await core.call('machines/set-credential', { ids: [hostId], credentialId: keyOnly.id });
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: jobId })).state).toBe('failed');
    const log = (await core.call('jobs/log', { id: jobId })).map((l) => l.message).join('\n');
    expect(log).toMatch(/The credential "Key only" has no password: WinRM signs in with a user name and password/);
    expect(win.calls).toEqual([]);
  });
});
