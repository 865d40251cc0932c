/**
 * Deployment and rollback on the lab's RPM machines, through the core's calls as the app runs them: the
 * rpm-fixture host (real dnf 4 and rpm in a root that says it is Rocky 9) and the suse-fixture host (real zypper
 * and rpm, saying openSUSE Leap 15.6). Assessed, approved, deployed with the old .rpms kept, verified, rolled back
 * to the exact previous versions. The fixture packages are unsigned, so the rollback cannot install the kept files
 * (both package managers refuse an unsigned local file) and restores from the repositories instead, as it says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail, PendingUpdateView } from '../../../shared/contract';
import { resetHost, type LabHost } from '../../../e2e/lab/index';
import { RPM_FIXTURE_PACKAGES } from '../../../e2e/lab/rpm-fixture-packages';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';
import { isSusePatchName } from './deployers/suse';

type RpmScenario = 'rpm-fixture' | 'suse-fixture';
const SCENARIOS: RpmScenario[] = ['rpm-fixture', 'suse-fixture'];

let core: Core;
let lab: LabHost[];
let privateKey: string;
const ids = new Map<RpmScenario, number>();
const names = RPM_FIXTURE_PACKAGES.map((p) => p.name);
const installed = Object.fromEntries(RPM_FIXTURE_PACKAGES.map((p) => [p.name, p.installed]));

async function sh(s: RpmScenario, command: string): Promise<string> {
  const h = hostOf(lab, s);
  const session = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    return (await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } })).stdout;
  } finally {
    await session.close();
  }
}

async function versions(s: RpmScenario): Promise<Record<string, string>> {
  const out = await sh(s, `rpm -q --qf '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n' ${names.join(' ')}`);
  return Object.fromEntries(out.trim().split('\n').map((l) => {
    const [n = '', evr = ''] = l.split(' ');
    return [n, evr.replace(/^0:/, '')];
  }));
}

const logOf = async (d: DeploymentDetail): Promise<string> => (await core.call('jobs/log', { id: d.jobId! })).map((l) => l.message).join('\n');

describe.skipIf(!labEnabled)('deployment on the RPM lab machines (dnf, zypper)', () => {
  beforeAll(async () => {
    lab = await standardLab();
    for (const s of SCENARIOS) await resetHost(hostOf(lab, s).address);
    lab = await standardLab();
    const any = hostOf(lab, 'rpm-fixture');
    privateKey = fs.readFileSync(any.keyPath, 'utf8');
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-rpm-deploy-')), runtime: 'browser', checkResults: true, scheduler: false });
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, sudoPassword: any.password!, appliesToAll: true });
    for (const s of SCENARIOS) ids.set(s, (await core.call('machines/create', { address: hostOf(lab, s).address, tags: ['lab'] })).id);
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
    if (lab) for (const s of SCENARIOS) await resetHost(hostOf(lab, s).address);
  }, LAB_TIMEOUT);

  for (const s of SCENARIOS) {
    it(`${s}: deploys the approved exact versions, keeps the old .rpms, and rolls back to the exact previous versions`, async () => {
      const hostId = ids.get(s)!;
      const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
      await core.services.jobs.idle();
      expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
      expect((await core.call('machines/get', { id: hostId })).platform).toBe(s === 'rpm-fixture' ? 'rhel' : 'suse');

      const updates: PendingUpdateView[] = (await core.call('machines/updates', { id: hostId })).filter((u) => !isSusePatchName(u.package));
      expect(updates.map((u) => u.package).sort()).toEqual(names);
      await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })) });

      const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
      await core.services.jobs.idle();
      const d = await core.call('deploy/get', { id: deploymentId });
      const log = await logOf(d);
      expect(d.targets[0], log).toMatchObject({ state: 'succeeded', step: 'done', failure: null });
      expect(await versions(s)).toEqual(Object.fromEntries(updates.map((u) => [u.package, u.candidateVersion])));
      expect(await sh(s, 'cat /usr/share/pw-rpm-a/NEW-IN-1.1')).toBe('added in 1.1-1\n');
      expect(log).toMatch(/rollback packages kept: 3$/m);
      // Kept by root, in a folder only root can read, as the files the repository served.
      const kept = await sh(s, 'sudo -n sh -c "stat -c %U:%a /var/cache/patchwell/rollback; ls /var/cache/patchwell/rollback"');
      expect(kept.trim().split('\n')).toEqual(['root:700', 'pw-rpm-a-1.0-1.noarch.rpm', 'pw-rpm-b-2.0-1.noarch.rpm', 'pw-rpm-c-0.9-1.noarch.rpm']);

      const { deploymentId: rid } = await core.call('deploy/rollback', { id: deploymentId });
      await core.services.jobs.idle();
      const r = await core.call('deploy/get', { id: rid });
      const rlog = await logOf(r);
      expect(r.state, rlog).toBe('succeeded');
      expect((await core.call('deploy/get', { id: deploymentId })).targets[0]!.state).toBe('rolled-back');
      expect(await versions(s)).toEqual(installed);
      expect(await sh(s, 'test -e /usr/share/pw-rpm-a/NEW-IN-1.1 && echo present || echo gone')).toBe('gone\n');
      expect(rlog).toMatch(/Rollback verified: every package is at its snapshot version/);
      // Unsigned kept files are refused by the package manager's signature check; the repositories serve the versions.
      expect(rlog).toMatch(/could not be checked against a signing key .*restoring from the repositories instead/);
    }, LAB_TIMEOUT);
  }

  it('suse-fixture: a SUSE patch approved on its own is refused before any change, with the way to deploy it', async () => {
    const hostId = ids.get('suse-fixture')!;
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
    const patch = (await core.call('machines/updates', { id: hostId })).find((u) => isSusePatchName(u.package))!;
    expect(patch).toBeDefined();
    await core.call('patches/approve', { items: [{ package: patch.package, candidateVersion: patch.candidateVersion, hostIds: [hostId] }] });
    const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    const d = await core.call('deploy/get', { id: deploymentId });
    expect(d.targets[0]).toMatchObject({ state: 'failed', snapshot: null });
    expect(d.targets[0]!.failure!.message).toMatch(/is a SUSE patch: approve the package updates it brings instead/);
    expect(await versions('suse-fixture')).toEqual(installed);
  }, LAB_TIMEOUT);
});
