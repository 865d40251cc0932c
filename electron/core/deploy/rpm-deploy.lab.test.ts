/**
 * Deployment and rollback on the lab's RPM machines, through the core's calls as the app runs them: the
 * rpm-fixture host (real dnf 4 and rpm in a root that says it is Rocky 9) and the suse-fixture host (real zypper
 * and rpm, saying openSUSE Leap 15.6). Assessed, approved, deployed with the old .rpms kept, verified, rolled back
 * to the exact previous versions. The fixture packages are signed by the lab's throwaway key, which the hosts trust:
 * the rollback installs the kept files with the package manager's signature check, with the repository made
 * unreachable first to prove it needs none; and a kept file whose signature cannot be checked is refused, the
 * versions then coming from the repositories, as the log says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail, PendingUpdateView } from '../../../shared/contract';
import { resetHost, type LabHost } from '../../../e2e/lab/index';
import { RPM_FIXTURE_PACKAGES, RPM_FIXTURE_REPO } from '../../../e2e/lab/rpm-fixture-packages';
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

const repoFile = (s: RpmScenario): string => RPM_FIXTURE_REPO.repoFile[s === 'rpm-fixture' ? 'rhel' : 'suse'];
const pm = (s: RpmScenario): string => (s === 'rpm-fixture' ? 'dnf' : 'zypper');

/** Points the repository at a directory that does not exist and drops the cached metadata: the machine is offline. */
async function cutRepository(s: RpmScenario): Promise<void> {
  const clean = s === 'rpm-fixture' ? 'dnf -q clean all' : 'zypper -n -q clean -a';
  await sh(s, `sudo -n sh -c 'set -e; sed -i.pw-offline "s#^baseurl=.*#baseurl=file:///srv/pw-unreachable-repo#" ${repoFile(s)}; ${clean}'`);
}

async function restoreRepository(s: RpmScenario): Promise<void> {
  const refresh = s === 'rpm-fixture' ? 'dnf -q makecache' : 'zypper -n -q refresh';
  await sh(s, `sudo -n sh -c 'if [ -f ${repoFile(s)}.pw-offline ]; then mv -f ${repoFile(s)}.pw-offline ${repoFile(s)}; fi; ${refresh}'`);
}

/** Assesses, approves every fixture update and deploys it; returns the deployment and its log. */
async function deployAll(s: RpmScenario): Promise<{ deploymentId: number; updates: PendingUpdateView[]; log: string }> {
  const hostId = ids.get(s)!;
  const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
  await core.services.jobs.idle();
  expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
  expect((await core.call('machines/get', { id: hostId })).platform).toBe(s === 'rpm-fixture' ? 'rhel' : 'suse');
  const updates: PendingUpdateView[] = (await core.call('machines/updates', { id: hostId })).filter((u) => !isSusePatchName(u.package));
  expect(updates.map((u) => u.package).sort()).toEqual(names);
  // Each test deploys the versions an earlier test rolled back on purpose: fleet memory asks, the test acknowledges.
  await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })), acknowledgeHistory: true });
  const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
  await core.services.jobs.idle();
  const d = await core.call('deploy/get', { id: deploymentId });
  const log = await logOf(d);
  expect(d.targets[0], log).toMatchObject({ state: 'succeeded', step: 'done', failure: null });
  expect(await versions(s)).toEqual(Object.fromEntries(updates.map((u) => [u.package, u.candidateVersion])));
  return { deploymentId, updates, log };
}

async function rollBack(s: RpmScenario, deploymentId: number): Promise<string> {
  const { deploymentId: rid } = await core.call('deploy/rollback', { id: deploymentId });
  await core.services.jobs.idle();
  const r = await core.call('deploy/get', { id: rid });
  const rlog = await logOf(r);
  expect(r.state, rlog).toBe('succeeded');
  expect((await core.call('deploy/get', { id: deploymentId })).targets[0]!.state).toBe('rolled-back');
  expect(await versions(s)).toEqual(installed);
  expect(await sh(s, 'test -e /usr/share/pw-rpm-a/NEW-IN-1.1 && echo present || echo gone')).toBe('gone\n');
  expect(rlog).toMatch(/Rollback verified: every package is at its snapshot version/);
  return rlog;
}

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
    it(`${s}: deploys the approved exact versions, keeps the old signed .rpms, and rolls back from them with the repository unreachable`, async () => {
      const { deploymentId, log } = await deployAll(s);
      expect(await sh(s, 'cat /usr/share/pw-rpm-a/NEW-IN-1.1')).toBe('added in 1.1-1\n');
      expect(log).toMatch(/rollback packages kept: 3$/m);
      // Kept by root, in a folder only root can read, as the files the repository served (signed by the lab's key).
      const kept = await sh(s, 'sudo -n sh -c "stat -c %U:%a /var/cache/patchwell/rollback; ls /var/cache/patchwell/rollback"');
      expect(kept.trim().split('\n')).toEqual(['root:700', 'pw-rpm-a-1.0-1.noarch.rpm', 'pw-rpm-b-2.0-1.noarch.rpm', 'pw-rpm-c-0.9-1.noarch.rpm']);
      expect(await sh(s, 'sudo -n sh -c "rpm -K /var/cache/patchwell/rollback/*.rpm"')).toMatch(/^(?:\S+: digests signatures OK\n){3}$/);

      await cutRepository(s);
      try {
        // Nothing to fall back on: the versions can only come from the kept files.
        const offered = s === 'rpm-fixture' ? 'dnf -q --showduplicates list --available pw-rpm-a' : 'zypper -n search -s pw-rpm-a';
        expect(await sh(s, `sudo -n ${offered} 2>&1 || true`)).not.toMatch(/1\.0-1/);
        const rlog = await rollBack(s, deploymentId);
        expect(rlog).toMatch(new RegExp(`Restored 3 of 3 packages from the files kept on the machine, their signatures checked by ${pm(s)}$`, 'm'));
        expect(rlog).not.toMatch(/restoring from the repositories instead/);
      } finally {
        await restoreRepository(s);
      }
    }, LAB_TIMEOUT);

    it(`${s}: a kept file whose signature cannot be checked is not installed; the versions come from the repository`, async () => {
      const { deploymentId } = await deployAll(s);
      // The kept pw-rpm-b loses its signature: its digests still match, but the machine can no longer tell who made it.
      await sh(s, 'sudo -n rpmsign --delsign /var/cache/patchwell/rollback/pw-rpm-b-2.0-1.noarch.rpm >/dev/null');
      expect(await sh(s, 'sudo -n rpm -K /var/cache/patchwell/rollback/pw-rpm-b-2.0-1.noarch.rpm')).toMatch(/: digests OK$/m);
      const rlog = await rollBack(s, deploymentId);
      expect(rlog).toMatch(/could not be checked against a signing key .*restoring from the repositories instead/);
      expect(rlog).not.toMatch(/Restored \d+ of \d+ packages from the files kept/);
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
