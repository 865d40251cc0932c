/**
 * Patchwell's own data folder fills up in the middle of a deployment on a real lab machine (#17 item 3). The data
 * folder is a 48 MiB tmpfs made for this test; when the machine reaches its install step the test fills it to the
 * last byte (after a WAL checkpoint, as SQLite makes on its own, so the next write must grow the WAL).
 * What must hold: the machine ends as it was (rolled back), the core stays up and says why, no new job starts,
 * nothing is lost from the audit chain, and once space is freed the deployment is interrupted and Repair settles it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../shared/contract';
import { FIXTURE_PACKAGES, resetHost, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { listAudit, verifyAudit } from '../audit/audit-log';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';

let core: Core | undefined;
let lab: LabHost[];
let mount: string;
let filler: string;
let hostId: number;

async function versions(h: LabHost, key: string): Promise<Record<string, string>> {
  const session = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', privateKey: key });
  try {
    const r = await session.exec(['dpkg-query', '-W', '-f=${Package} ${Version}\\n', ...FIXTURE_PACKAGES.map((p) => p.name)], { env: { LC_ALL: 'C' } });
    return Object.fromEntries(r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
  } finally {
    await session.close();
  }
}

/** Writes zeros until the file system refuses: nothing is left for SQLite. */
function fillUp(): void {
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(1 << 20);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // The last partial block: fill the remaining bytes too.
  try {
    for (;;) fs.writeSync(fd, block, 0, 512);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

describe.skipIf(!labEnabled)('a full data folder mid-deployment', () => {
  beforeAll(async () => {
    lab = await standardLab();
    await resetHost(hostOf(lab, 'fixture').address);
    lab = await standardLab();
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-small-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tmpfs', mount]);
    filler = path.join(mount, 'filler');
  }, LAB_TIMEOUT);

  afterAll(async () => {
    fs.rmSync(filler, { force: true });
    await core?.close();
    if (mount) {
      execFileSync('umount', [mount]);
      fs.rmSync(mount, { recursive: true, force: true });
    }
    if (lab) await resetHost(hostOf(lab, 'fixture').address);
  }, LAB_TIMEOUT);

  it('rolls the machine back, keeps the core up and the audit chain whole, and repairs once space is freed', async () => {
    const fixture = hostOf(lab, 'fixture');
    const key = fs.readFileSync(fixture.keyPath, 'utf8');
    const before = await versions(fixture, key);
    core = createCore({ dataDir: path.join(mount, 'data'), runtime: 'browser', checkResults: true });
    const c = core;
    await c.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey: key, sudoPassword: fixture.password!, appliesToAll: true });
    hostId = (await c.call('machines/create', { address: fixture.address })).id;
    const { jobId: assessJob } = await c.call('assess/start', { ids: [hostId], allowFirstContact: true });
    await c.services.jobs.idle();
    expect((await c.call('jobs/get', { id: assessJob })).state).toBe('succeeded');
    const updates = await c.call('machines/updates', { id: hostId });
    await c.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] })) });

    // The disk fills the moment the machine starts installing: its snapshot is recorded, its change is not.
    const seen: EventEnvelope[] = [];
    let filled = false;
    const off = c.subscribe((e) => {
      seen.push(e);
      if (filled || e.name !== 'job/updated') return;
      const { targets } = e.payload as { targets: { step: string | null }[] };
      if (!targets.some((t) => t.step === 'install')) return;
      filled = true;
      c.services.db.pragma('wal_checkpoint(TRUNCATE)');
      fillUp();
    });
    const { deploymentId, jobId } = await c.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await c.services.jobs.idle();
    off();
    expect(filled).toBe(true);

    // The machine is as it was; the core is up, says why, and starts nothing new.
    expect(await versions(fixture, key)).toEqual(before);
    const status = await c.call('storage/status', undefined);
    expect(status.state).toBe('full');
    expect(status.message).toContain(path.join(mount, 'data'));
    expect(seen.some((e) => e.name === 'core/storage' && (e.payload as { state: string }).state === 'full')).toBe(true);
    const lastJob = seen.filter((e) => e.name === 'job/updated' && (e.payload as { job: { id: number } }).job.id === jobId).at(-1)!.payload as {
      job: { summary: string | null };
      targets: { state: string }[];
    };
    expect(lastJob.job.summary).toMatch(/data folder is full.*1 machine\(s\) rolled back/);
    await expect(c.call('assess/start', { ids: [hostId] })).rejects.toThrow(/data folder .* is full/);
    expect(verifyAudit(c.services.db).ok).toBe(true);
    expect(c.services.storage.waiting).toBeGreaterThan(0);

    // Space freed: the waiting audit entries are appended, the deployment is interrupted where its record stops.
    fs.rmSync(filler);
    expect((await c.call('storage/check', undefined)).state).toBe('ok');
    expect(c.services.storage.waiting).toBe(0);
    const interrupted = await c.call('deploy/get', { id: deploymentId });
    expect(interrupted.state).toBe('interrupted');
    expect(interrupted.targets[0]!.state).toBe('interrupted');
    expect((await c.call('jobs/get', { id: jobId })).state).toBe('interrupted');

    // Repair reads the machine: it is not as approved, so it is rolled back (again, harmlessly) and recorded.
    await c.call('deploy/resume', { id: deploymentId, mode: 'repair' });
    await c.services.jobs.idle();
    const repaired = await c.call('deploy/get', { id: deploymentId });
    expect(repaired.targets[0]!.state).toBe('rolled-back');
    expect(await versions(fixture, key)).toEqual(before);

    const audit = listAudit(c.services.db, { limit: 200 }).reverse();
    const rollbacks = audit.filter((a) => a.action === 'deploy.rollback');
    expect(rollbacks.length).toBe(2);
    expect((rollbacks[0]!.details as { recordedLate?: boolean }).recordedLate).toBe(true);
    expect(verifyAudit(c.services.db).ok).toBe(true);
  }, LAB_TIMEOUT);
});
