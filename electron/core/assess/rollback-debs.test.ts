import { describe, expect, it } from 'vitest';
import { debianPackageManager } from '../deploy/deployers/debian';
import { fakeMachine } from '../deploy/deployers/fake-machine';
import { FakeRemote } from '../platforms/fake-remote';
import type { Facts, InstalledPackage, PendingUpdate, RollbackDebLookup } from '../platforms/platform';
import { recordAssessment } from './assessment-queries';
import { knownRollbackDebs, recordRollbackDebs, ROLLBACK_DEB_TTL_MS, rollbackDebSources } from './rollback-debs';

const facts = { osName: 'Debian GNU/Linux 12 (bookworm)', osVersion: '12', kernel: '6.1.0-18-amd64', arch: 'x86_64', hostname: 'files', uptimeSeconds: 100, rebootRequired: false, rebootReasons: [] } as unknown as Facts;
const sum = 'ab'.repeat(32);
const installed: InstalledPackage[] = [
  { name: 'libssl3', arch: 'amd64', version: '3.0.11-1~deb12u2' },
  { name: 'openssl', arch: 'amd64', version: '3.0.11-1~deb12u2' },
  { name: 'tzdata', arch: 'all', version: '2024a-0+deb12u1' },
];
const update = (name: string, arch: string, from: string, to: string): PendingUpdate => ({
  name, arch, installedVersion: from, candidateVersion: to, source: null, suites: ['bookworm-security'], isSecurity: true, advisories: [], cves: [], severity: null,
});
const updates = [update('libssl3', 'amd64', '3.0.11-1~deb12u2', '3.0.15-1~deb12u1'), update('openssl', 'amd64', '3.0.11-1~deb12u2', '3.0.15-1~deb12u1')];
const lookups: RollbackDebLookup[] = [
  { name: 'libssl3', arch: 'amd64', version: '3.0.11-1~deb12u2', url: 'http://deb.debian.org/debian/pool/main/o/openssl/libssl3_3.0.11-1~deb12u2_amd64.deb', sha256: sum },
  { name: 'openssl', arch: 'amd64', version: '3.0.11-1~deb12u2', url: null, sha256: null },
  // Printed by a hostile or broken machine: kept as "not found", never handed to apt-helper.
  { name: 'tzdata', arch: 'all', version: '2024a-0+deb12u1', url: 'http://x/$(reboot)', sha256: sum },
];

describe('where the installed versions can be fetched', () => {
  it('is kept from the assessment, known for a week, and handed to the deployment only where a file was found', () => {
    const t = fakeMachine(new FakeRemote(), { platform: 'debian', facts, installed, updates, approve: [] });
    recordRollbackDebs(t.db, t.hostId, lookups, 1_000);
    expect(knownRollbackDebs(t.db, t.hostId, 1_000 + ROLLBACK_DEB_TTL_MS - 1)).toEqual(new Set(['libssl3:amd64=3.0.11-1~deb12u2', 'openssl:amd64=3.0.11-1~deb12u2', 'tzdata:all=2024a-0+deb12u1']));
    expect(knownRollbackDebs(t.db, t.hostId, 1_000 + ROLLBACK_DEB_TTL_MS)).toEqual(new Set());
    expect(rollbackDebSources(t.db, t.hostId)).toEqual(new Map([['libssl3:amd64=3.0.11-1~deb12u2', { url: lookups[0]!.url, sha256: sum }]]));
  });

  it('forgets a version once the machine no longer has it installed', () => {
    const t = fakeMachine(new FakeRemote(), { platform: 'debian', facts, installed, updates, approve: [] });
    recordRollbackDebs(t.db, t.hostId, lookups, 1_000);
    const after = installed.map((p) => (p.name === 'libssl3' ? { ...p, version: '3.0.15-1~deb12u1' } : p));
    recordAssessment(t.db, { hostId: t.hostId, jobId: null, platform: 'debian', facts, packages: after, updates: [], health: { ok: true, problems: [] }, warnings: [], startedAt: 2_000 }, 2_000);
    expect(knownRollbackDebs(t.db, t.hostId, 2_000)).toEqual(new Set(['openssl:amd64=3.0.11-1~deb12u2', 'tzdata:all=2024a-0+deb12u1']));
    expect(rollbackDebSources(t.db, t.hostId)).toEqual(new Map());
  });

  it('goes to the machine with the snapshot, so the machine only fetches what the assessment found', async () => {
    const remote = new FakeRemote().on('script:debian-keep-debs', { stdout: 'downloaded libssl3:amd64=3.0.11-1~deb12u2\ndownloaded openssl:amd64=3.0.11-1~deb12u2\n' });
    const t = fakeMachine(remote, { platform: 'debian', facts, installed, updates, approve: ['libssl3', 'openssl'] });
    recordAssessment(t.db, { hostId: t.hostId, jobId: null, platform: 'debian', facts, packages: installed, updates, health: { ok: true, problems: [] }, warnings: [], startedAt: 1_000, rollbackDebs: lookups }, 1_000);
    const kept = await debianPackageManager.keepOldPackages(remote, installed.slice(0, 2), t.m);
    expect(kept).toEqual({ kept: 2, slow: 0, unavailable: [] });
    expect(remote.calls[0]?.argv).toEqual(['script:debian-keep-debs', `libssl3:amd64=3.0.11-1~deb12u2|${lookups[0]!.url}|${sum}`, 'openssl:amd64=3.0.11-1~deb12u2']);
    expect(remote.calls[0]?.options?.sudo).toBe(true);
  });
});
