/**
 * "Repair (dpkg --configure -a)" on the lab's broken-dpkg machine (a package unpacked, never configured), through
 * the core's calls as the app runs them: the assessment flags it and the plan refuses it, the repair job runs
 * over SSH with the pinned key and is audited, and dpkg is healthy afterwards — by the app's own re-check and by
 * `dpkg --audit` read directly. The machine is reset to its broken state before and after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRepairDpkg, machineProblems } from '../../../shared/machine-state';
import { FIXTURE_REPO, resetHost, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';

let core: Core;
let broken: LabHost;
let privateKey: string;
let id: number;

async function dpkgAudit(): Promise<string> {
  const session = await connectSsh({ address: broken.address, port: 22, pinnedKey: broken.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    return (await session.exec(['sh', '-c', 'sudo dpkg --audit'], { env: { LC_ALL: 'C' } })).stdout;
  } finally {
    await session.close();
  }
}

async function runJob(start: Promise<{ jobId: number }>): Promise<Awaited<ReturnType<Core['call']>> & { state: string }> {
  const { jobId } = await start;
  await core.services.jobs.idle();
  return await core.call('jobs/get', { id: jobId });
}

describe.skipIf(!labEnabled)('dpkg repair on the lab', () => {
  beforeAll(async () => {
    let lab = await standardLab();
    await resetHost(hostOf(lab, 'broken-dpkg').address);
    lab = await standardLab();
    broken = hostOf(lab, 'broken-dpkg');
    privateKey = fs.readFileSync(broken.keyPath, 'utf8');
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-repair-')), runtime: 'browser', checkResults: true });
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, sudoPassword: broken.password!, appliesToAll: true });
    id = (await core.call('machines/create', { address: broken.address, tags: ['lab'] })).id;
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
    if (broken) await resetHost(broken.address);
  }, LAB_TIMEOUT);

  it('flags the interrupted dpkg, repairs it over SSH, audits it, and finds it healthy again', async () => {
    expect(await dpkgAudit()).toContain(FIXTURE_REPO.brokenPackage.name);

    const assessed = await runJob(core.call('assess/start', { ids: [id], refresh: false, allowFirstContact: true }));
    expect(assessed.state).toBe('succeeded');
    const flagged = await core.call('machines/get', { id });
    expect(machineProblems(flagged).map((p) => p.kind)).toEqual(['package-manager']);
    expect(machineProblems(flagged)[0]!.reason).toContain(FIXTURE_REPO.brokenPackage.name);
    expect(canRepairDpkg(flagged)).toBe(true);

    const repaired = await runJob(core.call('machines/repair', { id }));
    expect(repaired.state).toBe('succeeded');
    const after = await core.call('machines/get', { id });
    expect(after.health).toEqual({ ok: true, problems: [] });
    expect(machineProblems(after)).toEqual([]);
    expect(after.sshHostKey).toBe(broken.hostKeyFingerprint);
    expect(await dpkgAudit()).toBe('');

    const audit = await core.call('audit/list', { limit: 100 });
    const request = audit.find((a) => a.action === 'host.repair-dpkg.request');
    const result = audit.find((a) => a.action === 'host.repair-dpkg');
    expect(request).toMatchObject({ actor: 'user', targetId: String(id) });
    expect(result?.details).toMatchObject({ command: 'dpkg --configure -a', exitCode: 0, after: [] });
    expect(JSON.stringify((result?.details as { before: unknown }).before)).toContain(FIXTURE_REPO.brokenPackage.name);
    expect(await core.call('audit/verify', undefined)).toMatchObject({ ok: true });

    // "Check again" contacts it afresh and agrees; a second repair is refused (nothing left to repair).
    const checked = await runJob(core.call('machines/recheck', { ids: [id] }));
    expect(checked.state).toBe('succeeded');
    expect(await core.call('machines/get', { id })).toMatchObject({ reachability: 'up', health: { ok: true, problems: [] } });
    await expect(core.call('machines/repair', { id })).rejects.toThrow(/no interrupted dpkg to repair/);
  }, 600_000);
});
