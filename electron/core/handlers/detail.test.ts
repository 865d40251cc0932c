/**
 * The detail calls through the core's dispatch, with every result checked against the contract's schema: the
 * shapes the renderer receives, and the refusals of bad arguments and unknown targets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, type MachineDetail, type UpdateDetail } from '../../../shared/contract';
import { createCore, type Core } from '../core';

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('patches/detail and machines/detail', () => {
  it('answer in the contract’s shapes, and refuse bad arguments and unknown targets', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-detail-'));
    core = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false });
    const db = core.services.db;
    db.prepare(`INSERT INTO hosts (address, hostname, criticality, open_ports, created_at, updated_at) VALUES ('127.0.0.2', 'files', 'high', '[22]', 1, 1)`).run();
    const id = Number(
      db.prepare(`INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, source, is_security, urgency, detected_at) VALUES (1, 'openssl', 'amd64', '3.0.14', '3.0.15', 's', 1, 'high', 1)`).run().lastInsertRowid,
    );
    db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2024-5535', 'changelog')`).run(id);
    const dep = Number(db.prepare(`INSERT INTO deployments (state, created_by, created_at, title) VALUES ('failed', 'user', 5, 'openssl')`).run().lastInsertRowid);
    db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, step, failure, updated_at) VALUES (?, 1, 1, 'failed', 'install', ?, 6)`).run(
      dep,
      JSON.stringify({ message: 'apt is busy', command: 'apt-get install', exitCode: 100, stderrTail: 'E: Could not get lock' }),
    );

    const u = (await core.call('patches/detail', { package: 'openssl', candidateVersion: '3.0.15' })) as UpdateDetail;
    expect(u.cves.map((c) => c.url)).toEqual(['https://www.cve.org/CVERecord?id=CVE-2024-5535']);
    expect(u.machines[0]!.risk.factors.some((f) => f.key === 'cves')).toBe(true);
    const m = (await core.call('machines/detail', { id: 1 })) as MachineDetail;
    expect(m.updates.map((x) => x.package)).toEqual(['openssl']);
    expect(m.deployments[0]!.failure?.message).toBe('apt is busy');

    expect(await codeOf(core.call('patches/detail', { package: 'openssl', candidateVersion: '9' }))).toBe('not-found');
    expect(await codeOf(core.call('machines/detail', { id: 42 }))).toBe('not-found');
    expect(await codeOf(core.callFromWire('patches/detail', { package: '', candidateVersion: '1' }))).toBe('bad-request');
    expect(await codeOf(core.callFromWire('machines/detail', { id: -1 }))).toBe('bad-request');
  });
});
