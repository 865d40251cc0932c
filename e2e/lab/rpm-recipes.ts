/**
 * Layer scripts of the rpm-fixture and suse-fixture scenarios: Debian's own dnf / zypper / rpm packages installed
 * in a bookworm root, an rpm database at the path RPM distributions use, the fixture repository configured, the
 * old fixture versions installed by the package manager itself, and an /etc/os-release that claims Rocky Linux or
 * openSUSE Leap. The package manager is real; the distribution underneath is Debian (README.md says so).
 */
import { RPM_FIXTURE_PACKAGES, RPM_FIXTURE_REPO, type RpmFlavour } from './rpm-fixture-packages.js';

function aptInstall(pkgs: string): string {
  return [
    `pkgs="${pkgs}"`,
    '# The cached lists may name versions the mirror has dropped since; refresh them then.',
    'apt-get -y --no-install-recommends install $pkgs || { apt-get update && apt-get -y --no-install-recommends install $pkgs; }',
    'rm -f /var/cache/apt/*.bin',
  ].join('\n');
}

function osRelease(flavour: RpmFlavour): string {
  const o = RPM_FIXTURE_REPO.osRelease[flavour];
  const extra = flavour === 'rhel'
    ? ['PLATFORM_ID="platform:el9"', 'CPE_NAME="cpe:/o:rocky:rocky:9::baseos"', 'HOME_URL="https://rockylinux.org/"']
    : ['CPE_NAME="cpe:/o:opensuse:leap:15.6"', 'HOME_URL="https://www.opensuse.org/"'];
  return [
    `NAME="${o.name}"`,
    `VERSION="${o.versionId}"`,
    `ID="${o.id}"`,
    `ID_LIKE="${o.idLike}"`,
    `VERSION_ID="${o.versionId}"`,
    `PRETTY_NAME="${o.prettyName}"`,
    ...extra,
    '',
  ].join('\n');
}

/** Offices keep local time, and dnf prints advisory dates in it: the hosts are not on UTC, so a parser that assumes UTC shows. */
export const RPM_HOST_TIMEZONE: Record<RpmFlavour, string> = { rhel: 'America/New_York', suse: 'Europe/Berlin' };

/** Identity, time zone and rpm database location shared by both flavours. */
function common(flavour: RpmFlavour): string[] {
  return [
    `ln -sf /usr/share/zoneinfo/${RPM_HOST_TIMEZONE[flavour]} /etc/localtime && echo ${RPM_HOST_TIMEZONE[flavour]} > /etc/timezone`,
    // Debian's rpm keeps its database in ~/.rpmdb (so it never pretends to own the system); an RPM distribution
    // has one system database, which dnf, zypper and `rpm -q` as any user must all see.
    'mkdir -p /etc/rpm /var/lib/rpm',
    "printf '%%_dbpath /var/lib/rpm\\n' > /etc/rpm/macros.pw-lab-dbpath",
    // No comment in os-release itself: libzypp makes its system product from the file's first line.
    'rm -f /etc/os-release',
    `cat > /usr/lib/os-release <<'PW_EOF'\n${osRelease(flavour)}PW_EOF`,
    'cp /usr/lib/os-release /etc/os-release',
    `echo 'Patchwell lab stand-in: a Debian bookworm root with a real ${flavour === 'rhel' ? 'dnf' : 'zypper'} and rpm database; only /etc/os-release is ${RPM_FIXTURE_REPO.osRelease[flavour].name}.' > /etc/pw-lab-stand-in`,
  ];
}

function installedSpecs(sep: '-' | '='): string {
  return RPM_FIXTURE_PACKAGES.map((p) => `${p.name}${sep}${p.installed}`).join(' ');
}

export function rpmFixtureScript(): string {
  const repo = RPM_FIXTURE_REPO;
  return [
    // dnf-plugins-core: needs-restarting, versionlock and download, as on a RHEL server.
    aptInstall('dnf dnf-plugins-core rpm'),
    ...common('rhel'),
    '# There is no rocky-release package to tell dnf the release; its vars directory does.',
    "mkdir -p /etc/dnf/vars && echo 9 > /etc/dnf/vars/releasever",
    "# Debian's dnf-plugins-core enables the `local` plugin (a copy of every installed package in a repository",
    '# of its own); RHEL does not ship it by default, and its repository would demand signed packages.',
    "printf '[main]\\nenabled=0\\n' > /etc/dnf/plugins/local.conf",
    '# As kernel and glibc are on RHEL: once this package is installed after boot, `dnf needs-restarting -r` exits 1',
    '# until the host restarts (boot time is that of the namespace\'s PID 1).',
    'mkdir -p /etc/dnf/plugins/needs-restarting.d',
    `echo ${RPM_FIXTURE_REPO.rebootPackage} > /etc/dnf/plugins/needs-restarting.d/pw-lab.conf`,
    'mkdir -p /etc/yum.repos.d',
    `cat > ${repo.repoFile.rhel} <<'PW_EOF'`,
    `[${repo.id}]`,
    'name=Patchwell lab fixture updates',
    `baseurl=file://${repo.pathInHost.rhel}`,
    'enabled=1',
    '# Packages signed by the lab\'s throwaway key (its repository metadata is not signed, as on most mirrors).',
    'gpgcheck=1',
    `gpgkey=file://${repo.pathInHost.rhel}/${repo.signingKey}`,
    'PW_EOF',
    `rpm --import ${repo.pathInHost.rhel}/${repo.signingKey}`,
    `dnf -y install ${installedSpecs('-')}`,
    'dnf -q makecache',
  ].join('\n');
}

export function suseFixtureScript(): string {
  const repo = RPM_FIXTURE_REPO;
  return [
    // lsof: `zypper ps` needs it, and SUSE installs it by default. libzypp-config: zypp.conf and needreboot.
    aptInstall('zypper libzypp-config rpm lsof'),
    ...common('suse'),
    '# As kernel and glibc are on SUSE: installing this package makes libzypp write /run/reboot-needed, so',
    '# `zypper needs-rebooting` exits 102 until the host restarts (its /run is a fresh tmpfs then).',
    `echo ${RPM_FIXTURE_REPO.rebootPackage} >> /etc/zypp/needreboot`,
    "# libzypp-config's systemCheck requires glibc, which this rpm database (fixture packages only) cannot provide.",
    "printf '# Patchwell lab stand-in: no glibc package in the rpm database.\\n' > /etc/zypp/systemCheck",
    'mkdir -p /etc/zypp/repos.d',
    `cat > ${repo.repoFile.suse} <<'PW_EOF'`,
    `[${repo.id}]`,
    'name=Patchwell lab fixture updates',
    'enabled=1',
    'autorefresh=0',
    `baseurl=file://${repo.pathInHost.suse}`,
    'type=rpm-md',
    '# Packages signed by the lab\'s throwaway key; the repository metadata is not signed, so only packages are checked.',
    'gpgcheck=1',
    'repo_gpgcheck=0',
    'pkg_gpgcheck=1',
    `gpgkey=file://${repo.pathInHost.suse}/${repo.signingKey}`,
    'PW_EOF',
    '# In the rpm database, where libzypp looks for the keys it trusts.',
    `rpm --import ${repo.pathInHost.suse}/${repo.signingKey}`,
    'zypper --non-interactive refresh',
    `zypper --non-interactive install --oldpackage --no-recommends ${installedSpecs('=')}`,
  ].join('\n');
}
