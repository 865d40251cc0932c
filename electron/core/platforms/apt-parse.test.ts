import { describe, expect, it } from 'vitest';
import {
  newestKernelRelease, parseAptCachePolicy, parseAptSimulation, parseDpkgAudit, parseDpkgQuery, parseNeedrestartBatch,
  parseOrigins,
} from './apt-parse';
import { fixture } from './fake-remote';

describe('apt-get -s dist-upgrade (recorded on Debian 12)', () => {
  const sim = parseAptSimulation(fixture('debian/apt-get-s-dist-upgrade.txt'));

  it('reads every Inst line', () => {
    expect(sim.installs).toHaveLength(118);
    expect(sim.removals).toEqual([]);
    expect(sim.keptBack).toEqual([]);
  });

  it('reads installed and candidate versions, arch and origins', () => {
    expect(sim.installs.find((i) => i.name === 'libssl3')).toEqual({
      name: 'libssl3', arch: 'amd64', installedVersion: '3.0.19-1~deb12u2', candidateVersion: '3.0.22-1~deb12u2',
      origins: [{ label: 'Debian-Security', version: '12', archive: 'oldstable-security' }], isSecurity: true,
    });
    const bash = sim.installs.find((i) => i.name === 'bash');
    expect(bash?.isSecurity).toBe(false);
    expect(bash?.origins).toEqual([{ label: 'Debian', version: '12.15', archive: 'oldstable' }]);
    expect(sim.installs.find((i) => i.name === 'tzdata')?.arch).toBe('all');
  });

  it('marks a candidate offered by both the point release and -security as security', () => {
    const g = sim.installs.find((i) => i.name === 'libgcrypt20');
    expect(g?.origins.map((o) => o.archive)).toEqual(['oldstable', 'oldstable-security']);
    expect(g?.isSecurity).toBe(true);
  });

  it('reads kept-back, phased and removals sections', () => {
    const s = parseAptSimulation([
      'The following packages have been kept back:',
      '  linux-image-amd64 openssl',
      'The following upgrades have been deferred due to phasing:',
      '  systemd',
      '1 upgraded, 0 newly installed, 1 to remove and 2 not upgraded.',
      'Remv oldpkg:amd64 [1.0-1]',
      'Inst libc6:i386 [2.36-9] (2.36-9+deb12u4 Debian:12.5/stable [i386])',
      'Inst newdep (1.0-1 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64])',
    ].join('\n'));
    expect(s.keptBack).toEqual(['linux-image-amd64', 'openssl']);
    expect(s.deferred).toEqual(['systemd']);
    expect(s.removals).toEqual(['oldpkg']);
    expect(s.installs[0]).toMatchObject({ name: 'libc6', arch: 'i386', installedVersion: '2.36-9' });
    expect(s.installs[1]).toMatchObject({ name: 'newdep', installedVersion: null, isSecurity: true });
  });

  it('parses origin lists defensively', () => {
    expect(parseOrigins('garbage, LP-PPA-foo:22.04/jammy')).toEqual([{ label: 'LP-PPA-foo', version: '22.04', archive: 'jammy' }]);
  });
});

describe('dpkg-query, apt-cache policy, dpkg --audit', () => {
  it('reads installed packages with status', () => {
    const rows = parseDpkgQuery(fixture('debian/dpkg-query.txt'));
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.every((r) => r.name && r.arch && r.version)).toBe(true);
    expect(parseDpkgQuery('a\tamd64\t1.0\tiU \nb\tamd64\t2.0\trc \nc\tall\t3\tii \n')).toEqual([
      { name: 'a', arch: 'amd64', version: '1.0', state: 'iU' },
      { name: 'c', arch: 'all', version: '3' },
    ]);
  });
  it('reads candidates and their suites from apt-cache policy (recorded)', () => {
    const p = parseAptCachePolicy(fixture('debian/apt-cache-policy.txt'));
    expect(p.get('libssl3')).toEqual({ installed: '3.0.19-1~deb12u2', candidate: '3.0.22-1~deb12u2', candidateSuites: ['bookworm-security/main'] });
    expect(p.get('bash')).toEqual({ installed: '5.2.15-2+b8', candidate: '5.2.15-2+b13', candidateSuites: ['bookworm/main'] });
  });
  it('turns dpkg --audit paragraphs into problems', () => {
    expect(parseDpkgAudit('')).toEqual([]);
    // Message text as in dpkg's audit checks (dpkg/src/main/enquiry.c).
    const out = 'The following packages are only half configured, probably due to problems\nconfiguring them the first time.  The configuration should be retried using\ndpkg --configure <package> or the configure menu option in dselect:\n foo                  Foo tool\n';
    expect(parseDpkgAudit(out)).toHaveLength(1);
  });
});

describe('needrestart and kernels', () => {
  it('parses needrestart -b (format from liske/needrestart README.batch.md)', () => {
    const nr = parseNeedrestartBatch([
      'NEEDRESTART-VER: 2.1', 'NEEDRESTART-KCUR: 3.19.3-tl1+', 'NEEDRESTART-KEXP: 3.19.3-tl1+', 'NEEDRESTART-KSTA: 1',
      'NEEDRESTART-SVC: systemd-journald.service', 'NEEDRESTART-SVC: systemd-machined.service', 'NEEDRESTART-CONT: LXC web1',
      'NEEDRESTART-SESS: metabase @ user manager service', 'NEEDRESTART-SESS: root @ session #28017',
    ].join('\n'));
    expect(nr).toMatchObject({ version: '2.1', kernelStatus: 1, services: ['systemd-journald.service', 'systemd-machined.service'] });
    expect(nr.sessions).toHaveLength(2);
  });
  it('finds the newest installed kernel by package version', () => {
    // Rows in dpkg-query's shape, named after Debian 12 kernel packages (constructed: the dev VM has no kernel package).
    const rows = parseDpkgQuery('linux-image-6.1.0-17-amd64\tamd64\t6.1.69-1\tii \nlinux-image-6.1.0-18-amd64\tamd64\t6.1.76-1\tii \nlinux-image-6.1.0-21-amd64\tamd64\t6.1.90-1\tiU \n');
    expect(newestKernelRelease(rows)).toBe('6.1.0-18-amd64');
    expect(newestKernelRelease([])).toBeUndefined();
  });
});
