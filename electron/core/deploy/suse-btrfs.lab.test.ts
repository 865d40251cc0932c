/**
 * SUSE on btrfs with snapper, as SUSE installs it: the lab's suse-btrfs host (real zypper and rpm, its root on a
 * btrfs image with snapper configured for /). The deployment's snapshot is a snapper snapshot, chosen by what the
 * machine has, and the one-click rollback restores from it with `snapper undochange` (without D-Bus, as the host
 * has none): the rpm database, the package files and zypper's own history come back as they were, so no version is
 * left for zypper to put back. snapper compares the snapshot with the live system by size and time stamp; the
 * fixture packages are built with fixed time stamps and same-size files, so some files the update replaced look
 * unchanged to it: `rpm -V` finds them and they are written again from the kept .rpms, and the test checks the
 * files' contents, not only what the rpm database says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail } from '../../../shared/contract';
import { resetHost, type LabHost } from '../../../e2e/lab/index';
import { RPM_FIXTURE_PACKAGES } from '../../../e2e/lab/rpm-fixture-packages';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';
import { isSusePatchName } from './deployers/suse';

let core: Core;
let lab: LabHost[];
let privateKey: string;
let hostId: number;
const names = RPM_FIXTURE_PACKAGES.map((p) => p.name);
const installed = Object.fromEntries(RPM_FIXTURE_PACKAGES.map((p) => [p.name, p.installed]));

async function sh(command: string): Promise<string> {
  const h = hostOf(lab, 'suse-btrfs');
  const session = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    return (await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } })).stdout;
  } finally {
    await session.close();
  }
}

async function versions(): Promise<Record<string, string>> {
  const out = await sh(`rpm -q --qf '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n' ${names.join(' ')}`);
  return Object.fromEntries(out.trim().split('\n').map((l) => {
    const [n = '', evr = ''] = l.split(' ');
    return [n, evr.replace(/^0:/, '')];
  }));
}

/** The files each fixture version ships: its version file, and the file only pw-rpm-a 1.1-1 adds. */
const files = (): Promise<string> => sh('cat /usr/share/pw-rpm-a/VERSION /usr/share/pw-rpm-b/VERSION /usr/share/pw-rpm-c/VERSION; test -e /usr/share/pw-rpm-a/NEW-IN-1.1 && echo NEW-IN-1.1 present || echo NEW-IN-1.1 gone');

/** Lines zypper wrote to its history for installing pw-rpm-a 1.1-1 (a file snapper's undochange puts back too). */
const historyOfNewA = async (): Promise<number> => Number((await sh("sudo -n grep -c '|install|pw-rpm-a|1.1-1|' /var/log/zypp/history || true")).trim());

const logOf = async (d: DeploymentDetail): Promise<string> => (await core.call('jobs/log', { id: d.jobId! })).map((l) => l.message).join('\n');

describe.skipIf(!labEnabled)('SUSE on btrfs: a snapper snapshot, and the rollback from it (suse-btrfs lab machine)', () => {
  beforeAll(async () => {
    lab = await standardLab();
    await resetHost(hostOf(lab, 'suse-btrfs').address);
    lab = await standardLab();
    const h = hostOf(lab, 'suse-btrfs');
    privateKey = fs.readFileSync(h.keyPath, 'utf8');
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-suse-btrfs-')), runtime: 'browser', checkResults: true, scheduler: false });
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, sudoPassword: h.password!, appliesToAll: true });
    hostId = (await core.call('machines/create', { address: h.address, tags: ['lab'] })).id;
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
    if (lab) await resetHost(hostOf(lab, 'suse-btrfs').address);
  }, LAB_TIMEOUT);

  it('deploys with a snapper snapshot taken first, and the one-click rollback undoes the change from it', async () => {
    expect((await sh('stat -f -c %T /')).trim()).toBe('btrfs');
    const before = await files();
    expect(before).toBe('1.0-1\n2.0-1\n1:0.9-1\nNEW-IN-1.1 gone\n');

    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
    expect((await core.call('machines/get', { id: hostId })).platform).toBe('suse');
    const updates = (await core.call('machines/updates', { id: hostId })).filter((u) => !isSusePatchName(u.package));
    expect(updates.map((u) => u.package).sort()).toEqual(names);
    await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })) });
    const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    const d = await core.call('deploy/get', { id: deploymentId });
    const log = await logOf(d);
    expect(d.targets[0], log).toMatchObject({ state: 'succeeded', step: 'done', failure: null });

    // The provider came from what the machine has (btrfs root, snapper installed), not from a setting.
    const snap = /^Snapshot taken: btrfs snapshot \(root is on btrfs\), snapper snapshot (\d+) of \/; /m.exec(log);
    expect(snap, log).not.toBeNull();
    const number = snap![1]!;
    expect(d.targets[0]!.snapshot).toMatchObject({ provider: 'btrfs', ref: number });
    // On the machine: snapper's own list has it, under the deployment's name.
    expect(await sh('sudo -n snapper --no-dbus -c root list --columns number,description')).toMatch(new RegExp(`^\\s*${number}\\s*\\|\\s*patchwell-deployment-${deploymentId}-[a-z0-9]+\\s*$`, 'm'));

    expect(await versions()).toEqual(Object.fromEntries(updates.map((u) => [u.package, u.candidateVersion])));
    expect(await files()).toBe('1.1-1\n2.0-2\n1:1.0-1\nNEW-IN-1.1 present\n');
    expect(await historyOfNewA()).toBe(1);

    const { deploymentId: rid } = await core.call('deploy/rollback', { id: deploymentId });
    await core.services.jobs.idle();
    const r = await core.call('deploy/get', { id: rid });
    const rlog = await logOf(r);
    expect(r.state, rlog).toBe('succeeded');
    expect((await core.call('deploy/get', { id: deploymentId })).targets[0]!.state).toBe('rolled-back');
    expect(rlog).toContain(`Restored btrfs snapshot ${number} (snapper undochange ${number}..0)`);
    // snapper put every version back in the rpm database: the package step found no version to restore.
    expect(rlog).toMatch(/^Package state differs from the snapshot: nothing differs$/m);
    // Files snapper took for unchanged (same size and time stamp as the fixture's old ones) were found and rewritten.
    expect(rlog).toMatch(/^rpm -V: files of .* are not as the restored package database says/m);
    expect(rlog).toMatch(/^Installed .* again \(\d+ from the files kept on the machine\): rpm -V finds every file as the package database says$/m);
    expect(rlog).not.toMatch(/Restored \d+ of \d+ packages from the files kept/);
    expect(rlog).toMatch(/Rollback verified: every package is at its snapshot version/);

    expect(await versions()).toEqual(installed);
    expect(await files()).toBe(before);
    // Files no package manager rolls back came back too: zypper's history is as it was before the deployment.
    expect(await historyOfNewA()).toBe(0);
  }, LAB_TIMEOUT);
});
