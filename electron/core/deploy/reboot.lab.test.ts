/**
 * The reboot step on a machine that really reboots: the lab VM (e2e/lab/vm.ts), Debian with systemd and its
 * own kernel. The namespace hosts of the other lab tests cannot reboot.
 *
 * What needs the reboot is Debian's own flag, /run/reboot-required (with .pkgs), which kernel, libc or
 * systemd updates write from their postinst; the test writes it the same way before the deployment, since
 * the fixture packages do not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail, Host, JobLogLine, PendingUpdateView } from '../../../shared/contract';
import { FIXTURE_PACKAGES } from '../../../e2e/lab/index';
import { labEnabled } from '../../../e2e/lab/test-support';
import { vmAvailable, vmDown, vmUp, type LabVm } from '../../../e2e/lab/vm';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';

const available = vmAvailable();
if (labEnabled && !available.ok && !process.env.CI) console.warn(`lab VM tests skipped here: ${available.reason}`);
// In CI a VM that cannot run is a failure with its reason (vmUp throws it), never a silent skip.
const enabled = labEnabled && (available.ok || !!process.env.CI);

let vm: LabVm;
let core: Core;
let hostId: number;
let privateKey: string;

async function sh(command: string): Promise<string> {
  const session = await connectSsh({ address: vm.address, port: 22, pinnedKey: vm.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    const r = await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } });
    if (r.code !== 0) throw new Error(`${command}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  } finally {
    await session.close();
  }
}

async function deployApproved(names: readonly string[]): Promise<{ d: DeploymentDetail; log: string }> {
  const updates = ((await core.call('hosts/updates', { id: hostId })) as PendingUpdateView[]).filter((u) => names.includes(u.package));
  expect(updates.map((u) => u.package).sort()).toEqual([...names].sort());
  await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })) });
  const { deploymentId } = (await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true })) as { deploymentId: number };
  await core.services.jobs.idle();
  const d = (await core.call('deploy/get', { id: deploymentId })) as DeploymentDetail;
  const log = ((await core.call('jobs/log', { id: d.jobId! })) as JobLogLine[]).map((l) => l.message).join('\n');
  return { d, log };
}

const flagReboot = (pkg: string): Promise<string> =>
  sh(`echo '*** System restart required ***' | sudo tee /run/reboot-required >/dev/null && echo ${pkg} | sudo tee -a /run/reboot-required.pkgs >/dev/null`);

describe.skipIf(!enabled)('deployment reboots on the lab VM', () => {
  beforeAll(async () => {
    vm = await vmUp();
    privateKey = fs.readFileSync(vm.keyPath, 'utf8');
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-reboot-')), runtime: 'browser', checkResults: true });
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, appliesToAll: true });
    // The VM reaches no network: assess from the package lists its image carries.
    await core.call('settings/update', { refreshPackageLists: false });
    hostId = ((await core.call('hosts/create', { address: vm.address, tags: ['lab-vm'] })) as Host).id;
    await core.call('assess/start', { ids: [hostId] });
    await core.services.jobs.idle();
    const pending = ((await core.call('hosts/updates', { id: hostId })) as PendingUpdateView[]).map((u) => u.package).sort();
    expect(pending).toEqual(FIXTURE_PACKAGES.map((p) => p.name).sort());
  }, 20 * 60_000);

  afterAll(async () => {
    await core?.close();
    await vmDown();
  }, 60_000);

  it('a reboot that is needed but not allowed is said, and the machine stays flagged', async () => {
    const bootBefore = (await sh('cat /proc/sys/kernel/random/boot_id')).trim();
    await flagReboot('pw-fixture-b');
    const { d, log } = await deployApproved(['pw-fixture-b']);
    expect(d.state).toBe('succeeded');
    expect(log).toMatch(/A reboot is needed \(.*\/var\/run\/reboot-required \(pw-fixture-b\).*\) and is not allowed on this machine/);
    expect(log).not.toContain('Rebooting');
    expect((await sh('cat /proc/sys/kernel/random/boot_id')).trim()).toBe(bootBefore);
    expect(((await core.call('hosts/get', { id: hostId })) as Host).rebootRequired).toBe(true);
  }, 10 * 60_000);

  it('reboots when needed and allowed: waits for SSH, checks the new boot and the kernel, and records the machine', async () => {
    const bootBefore = (await sh('cat /proc/sys/kernel/random/boot_id')).trim();
    await core.call('deploy/set-settings', { ids: [hostId], patch: { allowReboot: true } });
    await flagReboot('pw-fixture-a');
    const started = Date.now();
    const { d, log } = await deployApproved(['pw-fixture-a', 'pw-fixture-c']);
    expect(d.state, log).toBe('succeeded');
    expect(d.targets[0]).toMatchObject({ state: 'succeeded', step: 'done' });
    expect(log).toContain('Rebooting');
    expect(log).toContain(`Back after reboot, kernel ${vm.kernelRelease}`);
    // A new boot, the flag gone with it (it lives in /run), the approved versions in place.
    expect((await sh('cat /proc/sys/kernel/random/boot_id')).trim()).not.toBe(bootBefore);
    expect((await sh('test -e /run/reboot-required && echo flagged || echo clear')).trim()).toBe('clear');
    expect((await sh('uname -r')).trim()).toBe(vm.kernelRelease);
    const got = await sh("dpkg-query -W -f='${Package}=${Version}\\n' pw-fixture-a pw-fixture-b pw-fixture-c");
    expect(got.trim().split('\n').sort()).toEqual(FIXTURE_PACKAGES.map((p) => `${p.name}=${p.versions.at(-1)!.version}`).sort());
    expect(((await core.call('hosts/get', { id: hostId })) as Host).rebootRequired).toBe(false);
    const actions = ((await core.call('audit/list', { limit: 1000 })) as { action: string }[]).map((a) => a.action);
    expect(actions).toContain('deploy.reboot');
    expect((await core.call('audit/verify', undefined)) as { ok: boolean }).toMatchObject({ ok: true });
    console.log(`lab VM (${vm.accel}): deployment with reboot took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 20 * 60_000);
});
