/**
 * The reboot step on a machine that really reboots: the lab VM (e2e/lab/vm.ts), Debian with systemd and its
 * own kernel. The namespace hosts of the other lab tests cannot reboot.
 *
 * What needs the reboot is Debian's own flag, /run/reboot-required (with .pkgs), which kernel, libc or
 * systemd updates write from their postinst; the test writes it the same way before the deployment, since
 * the fixture packages do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail } from '../../../shared/contract';
import { FIXTURE_PACKAGES } from '../../../e2e/lab/index';
import { vmDown, type LabVm } from '../../../e2e/lab/vm';
import type { Core } from '../core';
import { startVmUnderTest, vmTestsEnabled, type VmUnderTest } from '../../../e2e/lab/vm-support';

let vm: LabVm;
let core: Core;
let hostId: number;
let sh: VmUnderTest['sh'];

async function deployApproved(names: readonly string[]): Promise<{ d: DeploymentDetail; log: string }> {
  const updates = (await core.call('machines/updates', { id: hostId })).filter((u) => names.includes(u.package));
  expect(updates.map((u) => u.package).sort()).toEqual([...names].sort());
  await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })) });
  const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
  await core.services.jobs.idle();
  const d = await core.call('deploy/get', { id: deploymentId });
  const log = (await core.call('jobs/log', { id: d.jobId! })).map((l) => l.message).join('\n');
  return { d, log };
}

const flagReboot = (pkg: string): Promise<string> =>
  sh(`echo '*** System restart required ***' | sudo tee /run/reboot-required >/dev/null && echo ${pkg} | sudo tee -a /run/reboot-required.pkgs >/dev/null`);

describe.skipIf(!vmTestsEnabled)('deployment reboots on the lab VM', () => {
  beforeAll(async () => {
    ({ vm, core, hostId, sh } = await startVmUnderTest('plain'));
    const pending = (await core.call('machines/updates', { id: hostId })).map((u) => u.package).sort();
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
    expect((await core.call('machines/get', { id: hostId })).rebootRequired).toBe(true);
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
    expect((await core.call('machines/get', { id: hostId })).rebootRequired).toBe(false);
    const actions = (await core.call('audit/list', { limit: 1000 })).map((a) => a.action);
    expect(actions).toContain('deploy.reboot');
    expect(await core.call('audit/verify', undefined)).toMatchObject({ ok: true });
    console.log(`lab VM (${vm.accel}): deployment with reboot took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 20 * 60_000);
});
