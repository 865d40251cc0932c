/** Discovery against the lab's real sshd hosts on its /24 (127.0.0.0/24 unless PATCHWELL_LAB_NET says otherwise), through the core's calls. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type Job, type ScanResult } from '../../../shared/contract';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { labCidr, startHost, stopHost, type LabHost } from '../../../e2e/lab/index';
import { createCore, type Core } from '../core';

let core: Core;
let lab: LabHost[];

async function scan(include: string): Promise<{ job: Job; results: ScanResult[] }> {
  const { jobId } = await core.call('discovery/start', { include });
  await core.services.jobs.idle();
  const job = await core.call('jobs/get', { id: jobId });
  const { results } = await core.call('discovery/results', { jobId });
  return { job, results };
}

describe.skipIf(!labEnabled)('discovery on the lab', () => {
  beforeAll(async () => {
    lab = await standardLab();
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-disc-')), runtime: 'browser', checkResults: true });
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
  });

  it('a scan of the lab subnet finds exactly the lab hosts, each with its SSH banner and a Debian 12 hint', async () => {
    const { job, results } = await scan(labCidr());
    expect(job.state).toBe('succeeded');
    expect(job.current).toBe(254);
    expect(results.map((r) => r.address).sort()).toEqual(lab.map((h) => h.address).sort());
    for (const r of results) {
      expect(r.change).toBe('new');
      expect(r.openPorts).toEqual([22]);
      const ssh = r.fingerprints.find((f) => f.source === 'ssh-banner');
      expect(ssh?.evidence).toMatch(/^SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u\d+/);
      expect(r.osGuess).toMatchObject({ family: 'linux', distro: 'Debian' });
      expect(r.osGuess?.version).toMatch(/^12/);
      expect(r.osGuess?.confidence).toBeGreaterThan(0.5);
    }
  }, 120_000);

  it('adds the found machines to the inventory, and a machine that goes down is marked, never removed', async () => {
    const first = await core.call('discovery/results', {});
    const scanId = first.scan!.id;
    const { added } = await core.call('discovery/add', { scanId, addresses: lab.map((h) => h.address), tags: ['lab'] });
    expect(added).toHaveLength(lab.length);
    let hosts = await core.call('machines/list', undefined);
    expect(hosts.every((h) => h.source === 'discovery' && h.osFamily === 'linux' && h.reachability === 'up' && h.tags[0] === 'lab')).toBe(true);
    expect(hosts[0]!.fingerprints.some((f) => f.source === 'ssh-banner')).toBe(true);

    const victim = hostOf(lab, 'current');
    await stopHost(victim.address);
    try {
      const { job, results } = await scan(labCidr());
      expect(job.summary).toMatch(/1 no longer answering/);
      expect(results.find((r) => r.address === victim.address)?.change).toBe('missing');
      expect(results.filter((r) => r.change === 'same')).toHaveLength(lab.length - 1);
      hosts = await core.call('machines/list', undefined);
      expect(hosts).toHaveLength(lab.length);
      expect(hosts.find((h) => h.address === victim.address)).toMatchObject({ reachability: 'down' });
    } finally {
      await startHost(victim.address);
    }
    const { results } = await scan(labCidr());
    expect(results.find((r) => r.address === victim.address)?.change).toBe('same');
    hosts = await core.call('machines/list', undefined);
    expect(hosts.find((h) => h.address === victim.address)?.reachability).toBe('up');
  }, 300_000);

  it('refuses bad targets before sending anything', async () => {
    const before = (await core.call('jobs/list', {})).length;
    for (const include of ['300.1.1.1', '127.0.0.0/33', '10.0.0.0/8', '127.0.0.1-300', 'bad_host!', '']) {
      await expect(core.call('discovery/start', { include })).rejects.toBeInstanceOf(AppError);
    }
    // A /16 needs the user's confirmation.
    await expect(core.call('discovery/start', { include: '127.9.0.0/16' })).rejects.toThrow(/confirm/);
    expect((await core.call('jobs/list', {})).length).toBe(before);
    const check = await core.call('discovery/check', { include: '127.0.0.0/24 !127.0.0.1', exclude: '127.0.0.200-210' });
    expect(check).toMatchObject({ ok: true, addressCount: 254 - 1 - 11, needsConfirmation: false });
  });

  it('a cancel stops a large scan within a second', async () => {
    const { jobId } = await core.call('discovery/start', { include: '127.8.0.0/16', confirmLarge: true });
    // Wait until probes are in flight.
    for (let i = 0; i < 200; i++) {
      const j = await core.call('jobs/get', { id: jobId });
      if (j.current > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const t0 = performance.now();
    await core.call('jobs/cancel', { id: jobId });
    await core.services.jobs.idle();
    const elapsed = performance.now() - t0;
    const job = await core.call('jobs/get', { id: jobId });
    expect(job.state).toBe('cancelled');
    expect(job.current).toBeLessThan(job.total);
    expect(elapsed).toBeLessThan(1000);
    const { scan } = await core.call('discovery/results', { jobId });
    expect(scan?.status).toBe('cancelled');
  }, 60_000);
});
