/**
 * The deterministic packages of the `fixture` scenario. App tests assert against this constant:
 * a fixture host has each package at `installed`, and its apt repository offers every version listed.
 * CVE ids are real; `kevCves` are the ones in CISA's Known Exploited Vulnerabilities catalog
 * (checked against the shipped snapshot in resources/kev by lab.test.ts), the rest are not in it.
 */
export type Urgency = 'low' | 'medium' | 'high';

export interface FixtureVersion {
  /** Debian version string (upstream-revision). */
  version: string;
  /** `urgency=` of this version's changelog entry. */
  urgency: Urgency;
  /** CVE ids the changelog entry says this version fixes. */
  cves: readonly string[];
  /** The subset of `cves` listed in the KEV catalog. */
  kevCves: readonly string[];
  /** Changelog trailer date (RFC 2822). */
  date: string;
  /** Changelog bullet text. */
  summary: string;
  /** Files this version ships besides its docs, path → content (deployment tests compare them). */
  files: Readonly<Record<string, string>>;
}

export interface FixturePackage {
  name: string;
  description: string;
  /** Version installed on a fixture host. */
  installed: string;
  /** Every version in the repository, oldest first; the last one is what an upgrade brings. */
  versions: readonly FixtureVersion[];
}

function script(name: string, version: string): string {
  return `#!/bin/sh\n# ${name}: Patchwell lab fixture program.\necho '${name} ${version}'\n`;
}

function filesOf(name: string, version: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [`/usr/bin/${name}`]: script(name, version), [`/usr/share/${name}/VERSION`]: `${version}\n`, ...extra };
}

export const FIXTURE_PACKAGES: readonly FixturePackage[] = [
  {
    name: 'pw-fixture-a',
    description: 'Patchwell lab fixture A (two pending updates, one exploited CVE in each)',
    installed: '1.0-1',
    versions: [
      { version: '1.0-1', urgency: 'low', cves: [], kevCves: [], date: 'Mon, 04 Mar 2024 10:00:00 +0000', summary: 'Initial release.', files: filesOf('pw-fixture-a', '1.0-1') },
      {
        version: '1.0-2', urgency: 'high', cves: ['CVE-2021-44228', 'CVE-2024-3094'], kevCves: ['CVE-2021-44228'],
        date: 'Tue, 02 Apr 2024 10:00:00 +0000', summary: 'Fix remote code execution in the lookup code.', files: filesOf('pw-fixture-a', '1.0-2'),
      },
      {
        version: '1.1-1', urgency: 'medium', cves: ['CVE-2023-4863', 'CVE-2024-6387'], kevCves: ['CVE-2023-4863'],
        date: 'Mon, 01 Jul 2024 10:00:00 +0000', summary: 'New upstream release; fix heap overflow and signal handler race.',
        files: filesOf('pw-fixture-a', '1.1-1', { '/usr/share/pw-fixture-a/NEW-IN-1.1': 'added in 1.1-1\n' }),
      },
    ],
  },
  {
    name: 'pw-fixture-b',
    description: 'Patchwell lab fixture B (one low-urgency update, no exploited CVE)',
    installed: '2.0-1',
    versions: [
      { version: '2.0-1', urgency: 'low', cves: [], kevCves: [], date: 'Wed, 10 Jan 2024 10:00:00 +0000', summary: 'Initial release.', files: filesOf('pw-fixture-b', '2.0-1') },
      {
        version: '2.0-2', urgency: 'low', cves: ['CVE-2023-38545'], kevCves: [],
        date: 'Thu, 15 Feb 2024 10:00:00 +0000', summary: 'Fix SOCKS5 heap buffer overflow.', files: filesOf('pw-fixture-b', '2.0-2'),
      },
    ],
  },
  {
    name: 'pw-fixture-c',
    description: 'Patchwell lab fixture C (two updates, exploited CVEs, high urgency last)',
    installed: '0.9-1',
    versions: [
      { version: '0.9-1', urgency: 'low', cves: [], kevCves: [], date: 'Fri, 01 Dec 2023 10:00:00 +0000', summary: 'Initial release.', files: filesOf('pw-fixture-c', '0.9-1') },
      {
        version: '0.9-2', urgency: 'medium', cves: ['CVE-2021-4034'], kevCves: ['CVE-2021-4034'],
        date: 'Mon, 05 Feb 2024 10:00:00 +0000', summary: 'Fix local privilege escalation in the helper.', files: filesOf('pw-fixture-c', '0.9-2'),
      },
      {
        version: '1.0-1', urgency: 'high', cves: ['CVE-2022-0847', 'CVE-2024-47176'], kevCves: ['CVE-2022-0847'],
        date: 'Mon, 07 Oct 2024 10:00:00 +0000', summary: 'New upstream release; fix pipe buffer flag handling and untrusted bind.',
        files: filesOf('pw-fixture-c', '1.0-1'),
      },
    ],
  },
];

/** Where the fixture repository appears inside a host, and how apt is pointed at it. */
export const FIXTURE_REPO = {
  /** Read-only bind mount of the cached repository (flat layout: Packages, InRelease, pool/). */
  pathInHost: '/srv/pw-fixture-repo',
  sourcesFile: '/etc/apt/sources.list.d/pw-fixture.sources',
  keyring: '/usr/share/keyrings/pw-fixture.gpg',
  /** apt Origin/Label of the repository's Release file. */
  origin: 'Patchwell-Lab',
  /** The package a broken-dpkg host has unpacked but not configured. */
  brokenPackage: { name: 'pw-fixture-a', version: '1.0-2' },
} as const;

export function latestVersion(pkg: FixturePackage): FixtureVersion {
  const last = pkg.versions[pkg.versions.length - 1];
  if (!last) throw new Error(`fixture package ${pkg.name} has no versions`);
  return last;
}

export function debFileName(name: string, version: string): string {
  return `${name}_${version}_all.deb`;
}
