/**
 * The LVM snapshot provider on a machine whose root is a logical volume: the lab VM's lvm variant
 * (e2e/lab/vm.ts), Debian with lvm2 and an initramfs that activates the root LV.
 *
 * A deployment takes a copy-on-write snapshot of the root LV before the change; a rollback puts the package
 * versions back at once and starts merging the snapshot into the root, which LVM completes when the root
 * is next activated — at the reboot. The test proves both halves, with a file no package owns written after
 * the snapshot: only the merge can take it away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PACKAGES } from '../../../e2e/lab/index';
import { LVM_VG, vmDown } from '../../../e2e/lab/vm';
import type { Core } from '../core';
import { startVmUnderTest, vmTestsEnabled, type VmUnderTest } from '../../../e2e/lab/vm-support';

let core: Core;
let hostId: number;
let sh: VmUnderTest['sh'];

const bootId = async (): Promise<string> => (await sh('cat /proc/sys/kernel/random/boot_id')).trim();
const versions = async (): Promise<string[]> =>
  (await sh(`dpkg-query -W -f='\${Package}=\${Version}\\n' ${FIXTURE_PACKAGES.map((p) => p.name).join(' ')}`)).trim().split('\n').sort();
const lvs = async (): Promise<string> => sh(`sudo lvs --noheadings -o lv_name,lv_attr,origin ${LVM_VG}`);

async function rebootAndWait(): Promise<void> {
  const before = await bootId();
  await sh('sudo systemctl reboot').catch(() => undefined);
  const until = Date.now() + 10 * 60_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 5000));
    const now = await bootId().catch(() => null);
    if (now && now !== before) return;
    if (Date.now() > until) throw new Error('the lab VM did not come back within 10 minutes of the reboot');
  }
}

describe.skipIf(!vmTestsEnabled)('LVM snapshots on the lab VM (root on a logical volume)', () => {
  beforeAll(async () => {
    ({ core, hostId, sh } = await startVmUnderTest('lvm'));
  }, 30 * 60_000);

  afterAll(async () => {
    await core?.close();
    await vmDown();
  }, 60_000);

  it('deploys with a snapshot of the root LV; the one-click rollback restores versions at once and every file at the reboot', async () => {
    expect((await sh('findmnt -n -o SOURCE /')).trim()).toBe(`/dev/mapper/${LVM_VG}-root`);
    const before = await versions();
    const updates = await core.call('machines/updates', { id: hostId });
    expect(updates.map((u) => u.package).sort()).toEqual(FIXTURE_PACKAGES.map((p) => p.name).sort());
    await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })) });
    const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    const d = await core.call('deploy/get', { id: deploymentId });
    const log = (await core.call('jobs/log', { id: d.jobId! })).map((l) => l.message).join('\n');
    expect(d.state, log).toBe('succeeded');
    expect(d.targets[0]!.snapshot).toMatchObject({ provider: 'lvm', state: 'ready' });
    expect(log).toContain('lvm snapshot (root is on a logical volume)');
    // The name carries a per-attempt token after the deployment number (see snapshotLabel).
    const label = d.targets[0]!.snapshot!.ref.split('/').pop()!;
    expect(label).toMatch(new RegExp(`^patchwell-deployment-${deploymentId}-[0-9a-f]{8}$`));
    expect(await lvs()).toMatch(new RegExp(`^\\s*${label}\\s+s\\S*\\s+root\\s*$`, 'm'));
    expect(await versions()).toEqual(FIXTURE_PACKAGES.map((p) => `${p.name}=${p.versions.at(-1)!.version}`).sort());

    // Written after the snapshot and owned by no package: the package-state half of a rollback leaves it.
    await sh('echo after-the-update | sudo tee /etc/pw-lvm-marker >/dev/null');

    const { deploymentId: rid } = await core.call('deploy/rollback', { id: deploymentId });
    await core.services.jobs.idle();
    const r = await core.call('deploy/get', { id: rid });
    const rlog = (await core.call('jobs/log', { id: r.jobId! })).map((l) => l.message).join('\n');
    expect(r.state, rlog).toBe('succeeded');
    expect(rlog).toContain(`Restored lvm snapshot ${LVM_VG}/${label} (completes at the next reboot)`);
    expect(await versions()).toEqual(before);
    expect((await sh('cat /etc/pw-lvm-marker')).trim()).toBe('after-the-update');

    await rebootAndWait();
    // The merge ran when the root LV was activated: the snapshot is gone into it, and so is the marker.
    expect((await sh('test -e /etc/pw-lvm-marker && echo present || echo gone')).trim()).toBe('gone');
    expect(await lvs()).not.toContain(label);
    expect(await versions()).toEqual(before);
    expect((await sh('test -e /usr/share/pw-fixture-a/NEW-IN-1.1 && echo present || echo gone')).trim()).toBe('gone');
    expect(await sh('sudo dpkg --audit')).toBe('');
  }, 30 * 60_000);
});
