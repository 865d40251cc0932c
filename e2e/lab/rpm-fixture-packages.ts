/**
 * The deterministic RPM packages of the `rpm-fixture` and `suse-fixture` scenarios. Tests assert against these
 * constants: a host of either scenario has each package at `installed` in its rpm database, and its local
 * repository offers every version listed, each newer one with one security advisory (Rocky-style RLSA ids for dnf,
 * openSUSE-SU patches for zypper). CVE ids are real; `kevCves` are the ones in CISA's KEV catalog, as in
 * fixture-packages.ts (the same CVEs, so scores compare across the Debian and RPM fixtures).
 */

/** updateinfo.xml severities; SUSE writes them in lower case, Red Hat capitalised. */
export type RpmSeverity = 'Low' | 'Moderate' | 'Important' | 'Critical';

export interface RpmAdvisory {
  /** dnf's advisory id (Rocky Linux style), e.g. RLSA-2024:1402. */
  rhelId: string;
  /** zypper's patch name (openSUSE style), e.g. openSUSE-SU-2024:1402-1. */
  suseId: string;
  severity: RpmSeverity;
  cves: readonly string[];
  /** The subset of `cves` in CISA's Known Exploited Vulnerabilities catalog. */
  kevCves: readonly string[];
  /** When the advisory was issued, ISO 8601 UTC. */
  issued: string;
  title: string;
}

export interface RpmFixtureVersion {
  epoch: number;
  version: string;
  release: string;
  /** The advisory this version fixes; null for the version a host starts with. */
  advisory: RpmAdvisory | null;
  /** Files this version ships, path → content (deployment tests compare them). */
  files: Readonly<Record<string, string>>;
}

export interface RpmFixturePackage {
  name: string;
  summary: string;
  /** EVR installed on a fixture host, as rpm-parse's evrString writes it ("1:0.9-1"; no "0:" prefix). */
  installed: string;
  /** Every version in the repository, oldest first; the last one is what an upgrade brings. */
  versions: readonly RpmFixtureVersion[];
}

function script(name: string, evr: string): string {
  return `#!/bin/sh\n# ${name}: Patchwell lab fixture program.\necho '${name} ${evr}'\n`;
}

function files(name: string, evr: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [`/usr/bin/${name}`]: script(name, evr), [`/usr/share/${name}/VERSION`]: `${evr}\n`, ...extra };
}

export const RPM_FIXTURE_PACKAGES: readonly RpmFixturePackage[] = [
  {
    name: 'pw-rpm-a',
    summary: 'Patchwell lab RPM fixture A (two pending updates, one exploited CVE in each)',
    installed: '1.0-1',
    versions: [
      { epoch: 0, version: '1.0', release: '1', advisory: null, files: files('pw-rpm-a', '1.0-1') },
      {
        epoch: 0, version: '1.0', release: '2', files: files('pw-rpm-a', '1.0-2'),
        advisory: {
          rhelId: 'RLSA-2024:1402', suseId: 'openSUSE-SU-2024:1402-1', severity: 'Important',
          cves: ['CVE-2021-44228', 'CVE-2024-3094'], kevCves: ['CVE-2021-44228'], issued: '2024-04-02T10:00:00Z',
          title: 'pw-rpm-a: fix remote code execution in the lookup code',
        },
      },
      {
        epoch: 0, version: '1.1', release: '1', files: files('pw-rpm-a', '1.1-1', { '/usr/share/pw-rpm-a/NEW-IN-1.1': 'added in 1.1-1\n' }),
        advisory: {
          rhelId: 'RLSA-2024:4701', suseId: 'openSUSE-SU-2024:4701-1', severity: 'Moderate',
          cves: ['CVE-2023-4863', 'CVE-2024-6387'], kevCves: ['CVE-2023-4863'], issued: '2024-07-01T10:00:00Z',
          title: 'pw-rpm-a: new upstream release; fix heap overflow and signal handler race',
        },
      },
    ],
  },
  {
    name: 'pw-rpm-b',
    summary: 'Patchwell lab RPM fixture B (one low-severity update, no exploited CVE)',
    installed: '2.0-1',
    versions: [
      { epoch: 0, version: '2.0', release: '1', advisory: null, files: files('pw-rpm-b', '2.0-1') },
      {
        epoch: 0, version: '2.0', release: '2', files: files('pw-rpm-b', '2.0-2'),
        advisory: {
          rhelId: 'RLSA-2024:0815', suseId: 'openSUSE-SU-2024:0815-1', severity: 'Low',
          cves: ['CVE-2023-38545'], kevCves: [], issued: '2024-02-15T10:00:00Z',
          title: 'pw-rpm-b: fix SOCKS5 heap buffer overflow',
        },
      },
    ],
  },
  {
    // An epoch, as many RHEL packages carry: the EVRs dnf and zypper print and accept must keep it.
    name: 'pw-rpm-c',
    summary: 'Patchwell lab RPM fixture C (epoch 1; two updates, exploited CVEs, critical last)',
    installed: '1:0.9-1',
    versions: [
      { epoch: 1, version: '0.9', release: '1', advisory: null, files: files('pw-rpm-c', '1:0.9-1') },
      {
        epoch: 1, version: '0.9', release: '2', files: files('pw-rpm-c', '1:0.9-2'),
        advisory: {
          rhelId: 'RLSA-2024:0605', suseId: 'openSUSE-SU-2024:0605-1', severity: 'Moderate',
          cves: ['CVE-2021-4034'], kevCves: ['CVE-2021-4034'], issued: '2024-02-05T10:00:00Z',
          title: 'pw-rpm-c: fix local privilege escalation in the helper',
        },
      },
      {
        epoch: 1, version: '1.0', release: '1', files: files('pw-rpm-c', '1:1.0-1'),
        advisory: {
          rhelId: 'RLSA-2024:7007', suseId: 'openSUSE-SU-2024:7007-1', severity: 'Critical',
          cves: ['CVE-2022-0847', 'CVE-2024-47176'], kevCves: ['CVE-2022-0847'], issued: '2024-10-07T10:00:00Z',
          title: 'pw-rpm-c: new upstream release; fix pipe buffer flag handling and untrusted bind',
        },
      },
    ],
  },
];

/** "[epoch:]version-release", the form rpm-parse and the platform modules use. */
export function evrOf(v: RpmFixtureVersion): string {
  return `${v.epoch ? `${v.epoch}:` : ''}${v.version}-${v.release}`;
}

export function rpmFileName(name: string, v: RpmFixtureVersion): string {
  return `${name}-${v.version}-${v.release}.noarch.rpm`;
}

export function latestRpmVersion(pkg: RpmFixturePackage): RpmFixtureVersion {
  const last = pkg.versions[pkg.versions.length - 1];
  if (!last) throw new Error(`fixture package ${pkg.name} has no versions`);
  return last;
}

/** Versions newer than the installed one: what a host's package manager lists as pending. */
export function pendingRpmVersions(pkg: RpmFixturePackage): RpmFixtureVersion[] {
  const at = pkg.versions.findIndex((v) => evrOf(v) === pkg.installed);
  return pkg.versions.slice(at + 1);
}

/** Which stand-in OS a scenario's root claims to be, and where its repository appears. */
export type RpmFlavour = 'rhel' | 'suse';

export const RPM_FIXTURE_REPO = {
  /** Repository id (dnf) / alias (zypper) on both hosts. */
  id: 'pw-fixture',
  /** Read-only bind mount of the cached repository (createrepo_c layout: repodata/, Packages/). */
  pathInHost: { rhel: '/srv/pw-rpm-repo', suse: '/srv/pw-suse-repo' },
  repoFile: { rhel: '/etc/yum.repos.d/pw-fixture.repo', suse: '/etc/zypp/repos.d/pw-fixture.repo' },
  /**
   * The armoured public key of the throwaway key the lab signs the packages with, at the top of each repository
   * (so `${pathInHost}/${signingKey}`): imported into the hosts' rpm databases and named by their gpgkey= lines.
   */
  signingKey: 'RPM-GPG-KEY-pw-lab',
  /**
   * Installing any version of it makes the host ask for a reboot until it restarts: it is in the rpm-fixture host's
   * /etc/dnf/plugins/needs-restarting.d (dnf needs-restarting -r exits 1) and the suse-fixture host's
   * /etc/zypp/needreboot (zypper needs-rebooting exits 102), as kernel and glibc are on real systems.
   */
  rebootPackage: 'pw-rpm-c',
  /** Stand-in identities: the package manager is real, the distribution is Debian underneath. */
  osRelease: {
    rhel: { id: 'rocky', idLike: 'rhel centos fedora', versionId: '9.4', name: 'Rocky Linux', prettyName: 'Rocky Linux 9.4 (Blue Onyx)' },
    suse: { id: 'opensuse-leap', idLike: 'suse opensuse', versionId: '15.6', name: 'openSUSE Leap', prettyName: 'openSUSE Leap 15.6' },
  },
} as const;
