/**
 * The RPM platform modules (rhel.ts, suse.ts) against real dnf and zypper on the lab's rpm-fixture and suse-fixture
 * hosts, over SSH as the app connects: the OS is found from /etc/os-release, updates and advisories come from the
 * package managers' own output, and exact versions go in and back out.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetHost, startHost, stopHost, type LabHost, type Scenario } from '../../../e2e/lab/index';
import {
  evrOf, RPM_FIXTURE_PACKAGES, RPM_FIXTURE_REPO, type RpmFixtureVersion, type RpmFlavour,
} from '../../../e2e/lab/rpm-fixture-packages';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { connectSsh, type SshSession } from '../transports/ssh';
import { detectPlatform, probeOs, rhel, suse } from './index';
import type { ExactItem, PendingUpdate, Platform } from './platform';

let lab: LabHost[];
let key: string;
const open: SshSession[] = [];

async function session(h: LabHost): Promise<SshSession> {
  const s = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', privateKey: key });
  open.push(s);
  return s;
}

const SEVERITY_RANK = { Low: 1, Moderate: 2, Important: 3, Critical: 4 } as const;

function severityOf(flavour: RpmFlavour, versions: readonly RpmFixtureVersion[]): string | null {
  const top = versions.flatMap((v) => (v.advisory ? [v.advisory.severity] : [])).sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a])[0];
  return top ? (flavour === 'rhel' ? top : top.toLowerCase()) : null;
}

/** What dnf should report for each package at `installed`: one row, every newer version's advisory on it. */
function expectedRhel(installed: Readonly<Record<string, string>>): PendingUpdate[] {
  return RPM_FIXTURE_PACKAGES.flatMap((p) => {
    const at = p.versions.findIndex((v) => evrOf(v) === installed[p.name]);
    const newer = p.versions.slice(at + 1);
    const last = newer[newer.length - 1];
    if (!last) return [];
    const advisories = newer.flatMap((v) => (v.advisory ? [v.advisory] : [])).map((a) => ({
      id: a.rhelId, cves: [...a.cves], severity: a.severity, publishedAt: new Date(a.issued).toISOString(), origin: 'updateinfo' as const, type: 'security',
    }));
    return [{
      name: p.name, arch: 'noarch', installedVersion: installed[p.name] ?? null, candidateVersion: evrOf(last),
      source: RPM_FIXTURE_REPO.id, suites: [RPM_FIXTURE_REPO.id], isSecurity: true, advisories,
      cves: [...new Set(advisories.flatMap((a) => a.cves))], severity: severityOf('rhel', newer), kind: 'package' as const,
    }];
  });
}

/** What zypper should report: package rows without advisories, and one patch per pending advisory. */
function expectedSuse(installed: Readonly<Record<string, string>>): PendingUpdate[] {
  const newerOf = (name: string): RpmFixtureVersion[] => {
    const p = RPM_FIXTURE_PACKAGES.find((x) => x.name === name)!;
    return p.versions.slice(p.versions.findIndex((v) => evrOf(v) === installed[name]) + 1);
  };
  const packages = RPM_FIXTURE_PACKAGES.flatMap((p) => {
    const last = newerOf(p.name).at(-1);
    return last ? [{
      name: p.name, arch: 'noarch', installedVersion: installed[p.name] ?? null, candidateVersion: evrOf(last),
      source: RPM_FIXTURE_REPO.id, suites: [RPM_FIXTURE_REPO.id], isSecurity: false, advisories: [], cves: [], severity: null, kind: 'package' as const,
    }] : [];
  });
  const patches = RPM_FIXTURE_PACKAGES.flatMap((p) => newerOf(p.name).flatMap((v) => (v.advisory ? [v.advisory] : []))).map((a) => ({
    name: a.suseId, arch: 'noarch', installedVersion: null, candidateVersion: '1', source: RPM_FIXTURE_REPO.id, suites: [RPM_FIXTURE_REPO.id],
    isSecurity: true,
    advisories: [{ id: a.suseId, cves: [...a.cves], severity: a.severity.toLowerCase(), origin: 'zypper-patch' as const, type: 'security', publishedAt: new Date(a.issued).toISOString() }],
    cves: [...a.cves], severity: a.severity.toLowerCase(), kind: 'patch' as const,
  }));
  return [...packages, ...patches];
}

const byName = (a: PendingUpdate, b: PendingUpdate): number => a.name.localeCompare(b.name);

function normalised(updates: readonly PendingUpdate[]): PendingUpdate[] {
  return [...updates].map((u) => ({ ...u, advisories: [...u.advisories].sort((a, b) => (a.id ?? '').localeCompare(b.id ?? '')) })).sort(byName);
}

const REBOOT_REASON: Record<RpmFlavour, string> = { rhel: `needs-restarting -r: ${RPM_FIXTURE_REPO.rebootPackage}`, suse: 'zypper needs-rebooting' };

const INSTALLED: Record<string, string> = Object.fromEntries(RPM_FIXTURE_PACKAGES.map((p) => [p.name, p.installed]));
/** Not every package to its newest: pw-rpm-a goes to its middle version, so one of its updates stays pending. */
const TARGET: Record<string, string> = { 'pw-rpm-a': '1.0-2', 'pw-rpm-b': '2.0-2', 'pw-rpm-c': '1:1.0-1' };

interface Case {
  scenario: Scenario;
  flavour: RpmFlavour;
  expected: (installed: Readonly<Record<string, string>>) => PendingUpdate[];
  /** How an administrator holds a package back on this family, and lets it go again. */
  lock: (name: string) => string[];
  unlock: (name: string) => string[];
}

const CASES: readonly Case[] = [
  {
    scenario: 'rpm-fixture', flavour: 'rhel', expected: expectedRhel,
    lock: (n) => ['dnf', '-q', 'versionlock', 'add', n], unlock: (n) => ['dnf', '-q', 'versionlock', 'delete', n],
  },
  {
    scenario: 'suse-fixture', flavour: 'suse', expected: expectedSuse,
    lock: (n) => ['zypper', '--non-interactive', 'addlock', n], unlock: (n) => ['zypper', '--non-interactive', 'removelock', n],
  },
];

describe.skipIf(!labEnabled)('RPM platforms on real dnf and zypper', () => {
  beforeAll(async () => {
    lab = await standardLab();
    // Another run may have left packages changed; start from each scenario's first state.
    for (const c of CASES) await resetHost(hostOf(lab, c.scenario).address);
    lab = await standardLab();
    key = fs.readFileSync(hostOf(lab, 'rpm-fixture').keyPath, 'utf8');
  }, LAB_TIMEOUT);

  afterAll(async () => {
    for (const s of open) await s.close();
    if (lab) for (const c of CASES) await resetHost(hostOf(lab, c.scenario).address);
  }, LAB_TIMEOUT);

  describe.each(CASES)('$scenario', ({ scenario, flavour, expected, lock, unlock }) => {
    let host: LabHost;
    let remote: SshSession;
    let platform: Platform;

    beforeAll(async () => {
      host = hostOf(lab, scenario);
      remote = await session(host);
      platform = flavour === 'rhel' ? rhel : suse;
    });

    it('is recognised from its os-release and reports its facts', async () => {
      const os = await probeOs(remote);
      const o = RPM_FIXTURE_REPO.osRelease[flavour];
      expect(os).toMatchObject({ id: o.id, idLike: o.idLike.split(' '), versionId: o.versionId, prettyName: o.prettyName });
      expect(detectPlatform(os)).toBe(platform);
      const facts = await platform.facts(remote);
      expect(facts).toMatchObject({ hostname: host.hostname, osId: o.id, osVersion: o.versionId, osLike: o.idLike.split(' '), rebootRequired: false, rebootReasons: [] });
      expect(facts.kernel).toBeTruthy();
      if (flavour === 'suse') expect(facts.servicesNeedingRestart).toEqual([]);
    });

    it('lists exactly the fixture updates, with their advisories, CVEs, severities and issue dates', async () => {
      const result = await platform.pendingUpdates(remote);
      expect(result.warnings).toEqual([]);
      expect(result.held).toEqual([]);
      expect(normalised(result.updates)).toEqual(normalised(expected(INSTALLED)));
      const installed = await platform.installedPackages(remote);
      expect(installed.map((p) => [p.name, p.arch, p.version]).sort()).toEqual(RPM_FIXTURE_PACKAGES.map((p) => [p.name, 'noarch', p.installed]));
      expect((await platform.health(remote))).toEqual({ ok: true, problems: [] });
    });

    it('installs exact versions (not always the newest), then rolls back to the exact old ones', async () => {
      // With and without an arch, as a deployment may pass either (dnf: name-evr.arch, zypper: name.arch=evr).
      const items: ExactItem[] = Object.entries(TARGET).map(([name, version]) => ({ name, version, ...(name === 'pw-rpm-c' ? { arch: 'noarch' } : {}) }));
      const up = await platform.installExact(remote, items);
      expect(up, up.stdoutTail + up.stderrTail).toMatchObject({ ok: true, failed: [], timedOut: false });
      expect(up.after).toEqual(items.map((i) => ({ name: i.name, arch: 'noarch', version: i.version })));
      expect(up.errors).toEqual([]);
      expect(await platform.packageStateSnapshot(remote, Object.keys(TARGET))).toEqual(up.after);
      // The files changed with the package: each program prints its version.
      for (const [name, version] of Object.entries(TARGET)) {
        expect((await remote.exec([`/usr/bin/${name}`])).stdout.trim()).toBe(`${name} ${version}`);
      }
      expect(normalised((await platform.pendingUpdates(remote)).updates)).toEqual(normalised(expected(TARGET)));
      expect(await platform.health(remote)).toEqual({ ok: true, problems: [] });
      // pw-rpm-c is on the host's reboot list (needs-restarting.d / zypp needreboot), as glibc is on real systems.
      expect(await platform.facts(remote)).toMatchObject({ rebootRequired: true, rebootReasons: [REBOOT_REASON[flavour]] });

      const back = await platform.downgradeExact(remote, Object.entries(INSTALLED).map(([name, version]) => ({ name, version })));
      expect(back, back.stdoutTail + back.stderrTail).toMatchObject({ ok: true, failed: [], timedOut: false });
      expect(back.after.map((a) => [a.name, a.version])).toEqual(Object.entries(INSTALLED));
      expect((await remote.exec(['cat', '/usr/share/pw-rpm-a/NEW-IN-1.1'])).code).not.toBe(0);
      expect(normalised((await platform.pendingUpdates(remote)).updates)).toEqual(normalised(expected(INSTALLED)));
      expect(await platform.health(remote)).toEqual({ ok: true, problems: [] });
    });

    it('refreshes as root, and names a locked package as held (its update is then not offered)', async () => {
      expect((await remote.exec(lock('pw-rpm-b'), { sudo: true })).code).toBe(0);
      try {
        const r = await platform.pendingUpdates(remote, { refresh: true });
        expect(r.warnings).toEqual([]);
        expect(r.held).toEqual(['pw-rpm-b']);
        expect(r.updates.filter((u) => u.kind === 'package').map((u) => u.name).sort()).toEqual(['pw-rpm-a', 'pw-rpm-c']);
      } finally {
        expect((await remote.exec(unlock('pw-rpm-b'), { sudo: true })).code).toBe(0);
      }
      expect((await platform.pendingUpdates(remote)).held).toEqual([]);
    });

    it('no longer asks for a reboot once the machine has restarted', async () => {
      expect((await platform.facts(remote)).rebootRequired).toBe(true);
      await stopHost(host.address);
      await startHost(host.address);
      remote = await session(host);
      expect(await platform.facts(remote)).toMatchObject({ rebootRequired: false, rebootReasons: [] });
    });

    it('fails an exact install of a version the repository does not have, and says which', async () => {
      const [before] = await platform.packageStateSnapshot(remote, ['pw-rpm-b']);
      const r = await platform.installExact(remote, [{ name: 'pw-rpm-b', version: '2.0-9' }]);
      expect(r.ok).toBe(false);
      expect(r.failed).toEqual([{ name: 'pw-rpm-b', requested: '2.0-9', installed: before?.version }]);
      expect(r.errors.length).toBeGreaterThan(0);
    });
  });
});
