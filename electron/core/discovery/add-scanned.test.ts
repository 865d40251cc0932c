import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope, ScanResult } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { insertJob } from '../jobs/job-queries';
import { insertResult, insertScan, listResults } from './discovery-queries';

let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

function result(scanId: number, address: string, patch: Partial<ScanResult> = {}): ScanResult {
  return {
    scanId, address, hostId: null, change: 'new', changes: [], hostnames: [], openPorts: [22],
    fingerprints: [{ source: 'ssh-banner', port: 22, evidence: 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13', hint: 'ubuntu' }],
    osGuess: null, mac: null, vendor: null, respondedAt: 1, ...patch,
  };
}

describe('discovery/add: machines a scan found join the inventory', () => {
  it('adds new ones with what the scan saw, passes over missing and known ones, links the results, audits each', async () => {
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-add-')), runtime: 'browser', checkResults: true, scheduler: false });
    const db = core.services.db;
    const scanId = insertScan(db, { jobId: insertJob(db, 'scan', 'scan', {}), include: '127.0.0.0/24', exclude: '', ports: [22], addressCount: 254 });
    const known = await core.call('machines/create', { address: '127.0.0.9' });
    insertResult(db, result(scanId, '127.0.0.2', {
      hostnames: ['files.office.test'], mac: '00:11:22:33:44:55', vendor: 'Acme',
      osGuess: { family: 'linux', distro: 'Ubuntu', version: '24.04', confidence: 0.9, reasons: ['banner'] },
    }));
    insertResult(db, result(scanId, '127.0.0.3', { osGuess: { family: 'windows', distro: null, version: null, confidence: 0.3, reasons: ['weak'] } }));
    insertResult(db, result(scanId, '127.0.0.4', { change: 'missing' }));
    insertResult(db, result(scanId, '127.0.0.9', { change: 'same', hostId: known.id }));
    const seen: EventEnvelope[] = [];
    core.subscribe((e) => seen.push(e));

    const { added } = await core.call('discovery/add', { scanId, addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.9'], tags: ['office'] });
    expect(added).toHaveLength(2);
    const [a, b] = await Promise.all(added.map((id) => core!.call('machines/get', { id })));
    expect(a).toMatchObject({
      address: '127.0.0.2', hostname: 'files.office.test', osFamily: 'linux', osName: 'Ubuntu', osVersion: '24.04', tags: ['office'],
      source: 'discovery', reachability: 'up', openPorts: [22], mac: '00:11:22:33:44:55', vendor: 'Acme',
    });
    expect(a!.fingerprints.map((f) => f.source)).toEqual(['ssh-banner']);
    // A weak guess is kept as evidence but not written as the machine's OS.
    expect(b).toMatchObject({ address: '127.0.0.3', osFamily: 'unknown', osName: null });
    expect(listResults(db, scanId).map((r) => [r.address, r.hostId])).toEqual([['127.0.0.2', a!.id], ['127.0.0.3', b!.id], ['127.0.0.4', null], ['127.0.0.9', known.id]]);
    expect((await core.call('audit/list', {})).filter((e) => e.action === 'host.create').map((e) => e.details)).toEqual(
      expect.arrayContaining([{ address: '127.0.0.2', from: `scan ${scanId}` }, { address: '127.0.0.3', from: `scan ${scanId}` }]),
    );
    expect(seen).toEqual([{ name: 'inventory/changed', payload: { hostIds: added, reason: 'created' } }]);
  });

  it('refuses an address the scan did not find, and adds nothing', async () => {
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-add-')), runtime: 'browser', checkResults: true, scheduler: false });
    const db = core.services.db;
    const scanId = insertScan(db, { jobId: insertJob(db, 'scan', 'scan', {}), include: '127.0.0.2', exclude: '', ports: [22], addressCount: 1 });
    insertResult(db, result(scanId, '127.0.0.2'));
    await expect(core.call('discovery/add', { scanId, addresses: ['127.0.0.2', '127.0.0.5'] })).rejects.toMatchObject({ code: 'bad-request', message: `127.0.0.5 was not found by scan ${scanId}` });
    expect(await core.call('machines/list')).toEqual([]);
  });
});
