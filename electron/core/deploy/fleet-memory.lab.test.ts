/**
 * Fleet memory on the lab's real Debian machines: a health check that fails on one machine rolls it back; the next
 * policy run does not auto-approve that version for another machine (and audits why); the Patches list carries
 * the history; a later version, offered by a repository on the machine, clears the mark.
 * The fixture machine is reset to its first state before and after; broken-dpkg is only assessed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingUpdateView } from '../../../shared/contract';
import { resetHost, type LabHost, type Scenario } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';

let core: Core;
let lab: LabHost[];
let privateKey: string;
const ids = new Map<Scenario, number>();
const PKG = 'pw-fixture-a';
const NEWER = '1.2-1';

async function sh(s: Scenario, command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const h = hostOf(lab, s);
  const session = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    return await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } });
  } finally {
    await session.close();
  }
}

async function assess(s: Scenario): Promise<PendingUpdateView[]> {
  const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [ids.get(s)!] });
  await core.services.jobs.idle();
  expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
  return await core.call('machines/updates', { id: ids.get(s)! });
}

/** A flat, unsigned repository on the machine offering pw-fixture-a 1.2-1, indexed on its own. */
const NEWER_REPO = [
  'set -e',
  'd=$(mktemp -d)',
  'mkdir -p "$d/pkg/DEBIAN" /srv/pw-memory-repo',
  `printf 'Package: ${PKG}\\nVersion: ${NEWER}\\nArchitecture: all\\nMaintainer: Patchwell lab <lab@localhost>\\nDescription: a later fixture A\\n' > "$d/pkg/DEBIAN/control"`,
  `dpkg-deb --build "$d/pkg" /srv/pw-memory-repo/${PKG}_${NEWER}_all.deb >/dev/null`,
  'cd /srv/pw-memory-repo',
  `f=${PKG}_${NEWER}_all.deb`,
  `{ cat "$d/pkg/DEBIAN/control"; echo "Filename: ./$f"; echo "Size: $(stat -c %s "$f")"; echo "SHA256: $(sha256sum "$f" | cut -d' ' -f1)"; } > Packages`,
  `echo 'deb [trusted=yes] file:/srv/pw-memory-repo ./' > /etc/apt/sources.list.d/pw-memory.list`,
  'apt-get update -qq -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/pw-memory.list -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0',
].join('\n');

describe.skipIf(!labEnabled)('fleet memory on the lab', () => {
  beforeAll(async () => {
    lab = await standardLab();
    await resetHost(hostOf(lab, 'fixture').address);
    lab = await standardLab();
    const any = hostOf(lab, 'fixture');
    privateKey = fs.readFileSync(any.keyPath, 'utf8');
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-memory-lab-')), runtime: 'browser', checkResults: true, scheduler: false });
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, sudoPassword: any.password!, appliesToAll: true });
    for (const s of ['fixture', 'broken-dpkg'] as const) ids.set(s, (await core.call('machines/create', { address: hostOf(lab, s).address, tags: ['lab'] })).id);
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
    if (lab) await resetHost(hostOf(lab, 'fixture').address);
  }, LAB_TIMEOUT);

  it('remembers a rollback, keeps the version from auto-approval elsewhere, shows the history, and forgets it for a later version', async () => {
    const fixture = ids.get('fixture')!;
    const other = ids.get('broken-dpkg')!;
    const updates = await assess('fixture');
    const version = updates.find((u) => u.package === PKG)!.candidateVersion;
    // The other machine is missing the same exact version.
    expect((await assess('broken-dpkg')).some((u) => u.package === PKG && u.candidateVersion === version)).toBe(true);

    // 1. A health check that fails on the fixture machine rolls it back.
    await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [fixture] })) });
    await core.call('deploy/set-settings', { ids: [fixture], patch: { healthCheck: { kind: 'command', command: 'test -e /etc/pw-not-there' } } });
    const { deploymentId } = await core.call('deploy/start', { hostIds: [fixture], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    await core.call('deploy/set-settings', { ids: [fixture], patch: { healthCheck: null } });
    const d = await core.call('deploy/get', { id: deploymentId });
    expect(d.targets[0]).toMatchObject({ state: 'rolled-back' });

    // 2. The next policy run does not approve that version for the other machine, and audits why.
    const { evaluation } = await core.call('policies/save-rule', { name: 'Everything', mode: 'auto', approveKev: true, approveBand: null, approveScore: null, afterDays: 0, securityOnly: false });
    const held = evaluation.decisions.find((x) => x.hostId === other && x.package === PKG && x.toVersion === version);
    expect(held).toMatchObject({ outcome: 'held' });
    expect(held!.why).toMatch(/this version failed before: rolled back on .+, \d{1,2} [A-Z][a-z]{2}: .*Health check failed \(exit 1\): test -e \/etc\/pw-not-there/);
    const approvedForOther = core.services.db
      .prepare(`SELECT count(*) AS n FROM approvals WHERE host_id = ? AND package = ? AND to_version = ? AND state = 'approved'`)
      .get(other, PKG, version) as { n: number };
    expect(approvedForOther.n).toBe(0);
    const skips = (await core.call('audit/list', { limit: 1000 })).filter((a) => a.action === 'policy.skip-failed-version');
    expect(skips.some((a) => a.targetId === String(other) && JSON.stringify(a.details).includes(PKG))).toBe(true);

    // 3. The Patches list carries the history; approving by hand needs it acknowledged.
    const row = (await core.call('patches/list', undefined)).rows.find((r) => r.package === PKG && r.candidateVersion === version)!;
    expect(row.memory).toMatchObject({ marked: true });
    expect(row.memory!.failures[0]).toMatchObject({ event: 'rolled-back', cause: 'health check failed', hostId: fixture, deploymentId, active: true });
    const refused = await core.call('patches/approve', { items: [{ package: PKG, candidateVersion: version, hostIds: [other] }] }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'conflict' });

    // 4. A later version offered on the machine clears the mark at the next evaluation.
    const built = await sh('fixture', `sudo sh -c '${NEWER_REPO.replace(/'/g, `'\\''`)}'`);
    expect(built.code, built.stderr).toBe(0);
    expect((await assess('fixture')).find((u) => u.package === PKG)?.candidateVersion).toBe(NEWER);
    await core.call('policies/evaluate', undefined);
    expect(await core.call('patches/history', { package: PKG, version })).toMatchObject({ marked: false, failures: [{ active: false }] });
    const cleared = (await core.call('audit/list', { limit: 1000 })).find((a) => a.action === 'memory.clear');
    expect(JSON.stringify(cleared?.details)).toContain(`a newer version is offered: ${NEWER}`);
    expect(await core.call('audit/verify', undefined)).toMatchObject({ ok: true });
  }, 900_000);
});
