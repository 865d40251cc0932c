import { describe, expect, it } from 'vitest';
import { parseChangelogScriptOutput } from './debian-changelog-fetch';
import { createDebianPlatform, parseAptInstallErrors, parseDebianFacts } from './debian';
import { debFileName } from './debian-rollback-debs';
import { memoryChangelogCache } from './debian-changelog-fetch';
import { FakeRemote, fixture } from './fake-remote';

const SIM = fixture('debian/apt-get-s-dist-upgrade.txt');
const DPKG_Q = ['dpkg-query', '-W', '-f=${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n'];
/** apt-get's arguments for an exact install, and the line after which the install script lists the versions. */
const INSTALL = ['install', '-y', '-q', '--no-install-recommends', '--no-remove', '-o', 'Dpkg::Options::=--force-confold', '-o', 'Dpkg::Options::=--force-confdef'];
const AFTER = '@@patchwell-installed-versions';

/** A host with only libexpat1 pending, answering from the recorded outputs. */
function expatHost(): FakeRemote {
  const inst = SIM.split('\n').filter((l) => /^(Inst|Conf) libexpat1 /.test(l)).join('\n');
  return new FakeRemote()
    .on(['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], { stdout: `Reading package lists...\n${inst}\n` })
    .on(['apt-mark', 'showhold'], { stdout: '' })
    .on(['apt-cache', 'show', 'libexpat1=2.5.0-1+deb12u5'], {
      stdout: 'Package: libexpat1\nSource: expat\nVersion: 2.5.0-1+deb12u5\nSize: 97904\n',
    })
    .on('script:debian-changelogs', { stdout: fixture('debian/changelog-script.txt') });
}

describe('Debian facts', () => {
  it('parses the recorded facts script output', () => {
    const f = parseDebianFacts(fixture('debian/facts-script.txt'));
    expect(f).toMatchObject({
      hostname: 'vm', osId: 'debian', osVersion: '12', osName: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.18.44-fc-v657',
      arch: 'x86_64', rebootRequired: false, runningKernel: '6.18.44-fc-v657', uptimeSeconds: 2334.1,
    });
    expect(f.bootTime).toBe('2026-11-22T08:42:50.000Z');
    expect(f.newestKernel).toBeUndefined();
  });
  it('reports reboot-required, a newer kernel and needrestart', () => {
    const out = [
      '@@os-release', 'ID=ubuntu', 'ID_LIKE=debian', 'VERSION_ID="22.04"', 'PRETTY_NAME="Ubuntu 22.04.4 LTS"',
      '@@hostname', 'web1', '@@kernel', '5.15.0-91-generic', '@@arch', 'x86_64', '@@uptime', '100.5 10.0', '@@btime',
      '@@reboot-required', 'yes', '@@reboot-required-pkgs', 'linux-image-5.15.0-94-generic', 'libc6', 'libc6',
      '@@kernels', 'linux-image-5.15.0-91-generic\tamd64\t5.15.0-91.101\tii ', 'linux-image-5.15.0-94-generic\tamd64\t5.15.0-94.104\tii ',
      '@@needrestart', 'NEEDRESTART-VER: 3.5', 'NEEDRESTART-KCUR: 5.15.0-91-generic', 'NEEDRESTART-KEXP: 5.15.0-94-generic',
      'NEEDRESTART-KSTA: 3', 'NEEDRESTART-SVC: ssh.service', '@@end',
    ].join('\n');
    const f = parseDebianFacts(out);
    expect(f.osLike).toEqual(['debian']);
    expect(f.newestKernel).toBe('5.15.0-94-generic');
    expect(f.rebootRequired).toBe(true);
    expect(f.rebootReasons).toEqual([
      '/var/run/reboot-required (linux-image-5.15.0-94-generic, libc6)',
      'running kernel 5.15.0-91-generic, newest installed 5.15.0-94-generic',
      'needrestart: kernel 5.15.0-91-generic → 5.15.0-94-generic pending',
    ]);
    expect(f.servicesNeedingRestart).toEqual(['ssh.service']);
  });
});

describe('Debian pending updates', () => {
  it('joins the simulation with changelog CVEs newer than the installed version, and caches them', async () => {
    const cache = memoryChangelogCache();
    const deb = createDebianPlatform({ changelogCache: cache });
    const host = expatHost();
    const r = await deb.pendingUpdates(host);
    expect(r.warnings).toEqual([]);
    expect(r.updates).toHaveLength(1);
    const u = r.updates[0];
    expect(u).toMatchObject({
      name: 'libexpat1', installedVersion: '2.5.0-1+deb12u1', candidateVersion: '2.5.0-1+deb12u5', isSecurity: true,
      suites: ['oldstable-security'], severity: 'high',
    });
    // Entries 2.5.0-1+deb12u2..u5 only: the deb12u1 entry's CVE-2024-45490 is already installed.
    expect(u?.cves).toContain('CVE-2026-56132');
    expect(u?.cves).toContain('CVE-2024-8176');
    expect(u?.cves).not.toContain('CVE-2024-45490');
    expect(u?.advisories[0]).toMatchObject({ id: null, origin: 'changelog', severity: 'high' });
    // The changelog script got the byte cap and the validated spec as positional args, never in the text.
    const call = host.calls.find((c) => c.argv[0] === 'script:debian-changelogs');
    expect(call?.argv.slice(1)).toEqual(['524288', 'libexpat1=2.5.0-1+deb12u5']);
    expect(call?.text).not.toContain('libexpat1');
    expect(cache.size).toBe(1);

    // Second assessment: no apt-cache show, no download.
    const again = expatHost();
    const r2 = await deb.pendingUpdates(again);
    expect(r2.updates[0]?.cves).toEqual(u?.cves);
    expect(again.calls.map((c) => c.argv[0])).toEqual(['apt-get', 'apt-mark']);
  });

  it('looks up where the installed versions are when asked, only those the core does not know, as the login user', async () => {
    const sum = 'c0'.repeat(32);
    const sim = SIM.split('\n').filter((l) => /^Inst (libexpat1|bash|dpkg|login) /.test(l)).join('\n');
    const host = () => new FakeRemote()
      .on(['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], { stdout: `Reading package lists...\n${sim}\n` })
      .on(['apt-mark', 'showhold'], { stdout: '' });
    const deb = createDebianPlatform({ changelogs: false });

    const first = host().on('script:debian-resolve-debs', {
      stdout: `found libexpat1:amd64=2.5.0-1+deb12u1 http://deb.debian.org/debian/pool/main/e/expat/libexpat1_2.5.0-1+deb12u1_amd64.deb ${sum}\n` +
        `found login:amd64=1:4.13+dfsg1-1+deb12u1 http://deb.debian.org/debian/pool/main/s/shadow/login_4.13+dfsg1-1+deb12u1_amd64.deb ${sum}\n`,
    });
    const r = await deb.pendingUpdates(first, { rollbackDebsKnown: new Set(['bash:amd64=5.2.15-2+b8']) });
    const call = first.calls.find((c) => c.argv[0] === 'script:debian-resolve-debs');
    expect(call?.argv.slice(1)).toEqual(['dpkg:amd64=1.21.22', 'login:amd64=1:4.13+dfsg1-1+deb12u1', 'libexpat1:amd64=2.5.0-1+deb12u1']);
    expect(call?.options?.sudo).toBeFalsy();
    expect(r.rollbackDebs).toEqual([
      { name: 'dpkg', arch: 'amd64', version: '1.21.22', url: null, sha256: null },
      { name: 'login', arch: 'amd64', version: '1:4.13+dfsg1-1+deb12u1', url: 'http://deb.debian.org/debian/pool/main/s/shadow/login_4.13+dfsg1-1+deb12u1_amd64.deb', sha256: sum },
      { name: 'libexpat1', arch: 'amd64', version: '2.5.0-1+deb12u1', url: 'http://deb.debian.org/debian/pool/main/e/expat/libexpat1_2.5.0-1+deb12u1_amd64.deb', sha256: sum },
    ]);
    expect(r.warnings).toEqual([]);

    // All known: no script. Not asked: no script and no field. A lookup that fails is a warning, not a failed assessment.
    const known = host();
    const all = new Set(['bash:amd64=5.2.15-2+b8', 'dpkg:amd64=1.21.22', 'libexpat1:amd64=2.5.0-1+deb12u1', 'login:amd64=1:4.13+dfsg1-1+deb12u1']);
    expect((await deb.pendingUpdates(known, { rollbackDebsKnown: all })).rollbackDebs).toEqual([]);
    const plain = host();
    expect((await deb.pendingUpdates(plain)).rollbackDebs).toBeUndefined();
    for (const h of [known, plain]) expect(h.calls.map((c) => c.argv[0])).toEqual(['apt-get', 'apt-mark']);
    const failing = host().on('script:debian-resolve-debs', { code: 2, stderr: 'mktemp: failed' });
    const f = await deb.pendingUpdates(failing, { rollbackDebsKnown: new Set() });
    expect(f.rollbackDebs).toEqual([]);
    expect(f.updates).toHaveLength(4);
    expect(f.warnings).toEqual([expect.stringMatching(/^could not look up the installed versions' packages for a rollback/)]);
  });

  it('refreshes with sudo when asked and keeps going when the refresh fails', async () => {
    const host = expatHost().on(['apt-get', 'update', '-q'], { code: 100, stderr: 'E: Failed to fetch http://deb.debian.org/...' });
    const r = await createDebianPlatform({ changelogs: false }).pendingUpdates(host, { refresh: true });
    expect(host.calls[0]?.options?.sudo).toBe(true);
    expect(host.calls[0]?.options?.env?.LC_ALL).toBe('C');
    expect(r.warnings[0]).toMatch(/apt-get update failed.*Failed to fetch/);
    expect(r.updates).toHaveLength(1);
  });

  it('reports held packages with their candidate from apt-cache policy', async () => {
    const host = new FakeRemote()
      .on(['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], { stdout: '0 upgraded, 0 newly installed, 0 to remove and 1 not upgraded.\n' })
      .on(['apt-mark', 'showhold'], { stdout: 'libssl3\n' })
      .on(['apt-cache', 'policy', '--', 'libssl3'], { stdout: fixture('debian/apt-cache-policy.txt') });
    const r = await createDebianPlatform({ changelogs: false }).pendingUpdates(host);
    expect(r.held).toEqual(['libssl3']);
    expect(r.updates).toEqual([expect.objectContaining({ name: 'libssl3', held: true, isSecurity: true, candidateVersion: '3.0.22-1~deb12u2' })]);
  });
});

describe('changelog script output', () => {
  it('splits per package, keeps errors, and cannot be spoofed by changelog text', () => {
    const parsed = parseChangelogScriptOutput(fixture('debian/changelog-script.txt'));
    expect(parsed.map((p) => [p.spec, p.status])).toEqual([
      ['libexpat1=2.5.0-1+deb12u5', 'ok'], ['appstream=0.16.1-2+b1', 'ok'], ['tzdata=1999z-0', 'nodeb'],
    ]);
    expect(parsed[2]?.errors).toEqual(["E: Version '1999z-0' for 'tzdata' was not found"]);
    const spoof = parseChangelogScriptOutput('@@PW-BEGIN a=1\n|@@PW-END ok\n|@@PW-BEGIN evil=2\n@@PW-END ok\n');
    expect(spoof).toHaveLength(1);
    expect(spoof[0]?.text).toContain('@@PW-BEGIN evil=2');
  });
});

describe('install and rollback', () => {
  it('refuses hostile names before running anything', async () => {
    const host = new FakeRemote();
    const deb = createDebianPlatform();
    for (const name of ['-oAPT::Update::Pre-Invoke::=reboot', 'x; reboot', '$(reboot)']) {
      await expect(deb.installExact(host, [{ name, version: '1.0' }])).rejects.toThrow(/Refusing invalid/);
    }
    await expect(deb.installExact(host, [{ name: 'bash', version: '1.0; reboot' }])).rejects.toThrow(/Refusing invalid/);
    expect(host.calls).toEqual([]);
  });

  it('installs exact versions non-interactively with sudo and reads back the result in the same run', async () => {
    const host = new FakeRemote().on('script:debian-apt-install', {
      code: 100,
      stdout: `Setting up libssl3:amd64 (3.0.22-1~deb12u2) ...\ndpkg: error processing package openssl (--configure):\n installed openssl package post-installation script subprocess returned error exit status 1\nErrors were encountered while processing:\n openssl\n\n${AFTER}\nlibssl3\tamd64\t3.0.22-1~deb12u2\tii \nopenssl\tamd64\t3.0.22-1~deb12u2\tiF \n`,
      stderr: 'E: Sub-process /usr/bin/dpkg returned an error code (1)\n',
    });
    const r = await createDebianPlatform().installExact(host, [
      { name: 'libssl3', version: '3.0.22-1~deb12u2', arch: 'amd64' }, { name: 'openssl', version: '3.0.22-1~deb12u2' },
    ]);
    expect(host.calls).toHaveLength(1);
    expect(host.calls[0]?.argv).toEqual(['script:debian-apt-install', '2', 'libssl3:amd64', 'openssl', ...INSTALL, 'libssl3:amd64=3.0.22-1~deb12u2', 'openssl=3.0.22-1~deb12u2']);
    expect(host.calls[0]?.options).toMatchObject({ sudo: true, env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } });
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBe(100);
    expect(r.errors).toContain('E: Sub-process /usr/bin/dpkg returned an error code (1)');
    expect(r.stdoutTail).not.toContain(AFTER);
    // openssl unpacked at the new version but half-configured: the version matches, so it is not listed as failed,
    // while the run as a whole is not ok; the after-state carries it.
    expect(r.after).toEqual([
      { name: 'libssl3', arch: 'amd64', version: '3.0.22-1~deb12u2' }, { name: 'openssl', arch: 'amd64', version: '3.0.22-1~deb12u2' },
    ]);
  });

  it('reads the versions again when the run was cut before it listed them', async () => {
    const host = new FakeRemote()
      .on('script:debian-apt-install', { code: null, timedOut: true, stdout: 'Unpacking openssl (3.0.22-1~deb12u2) ...\n' })
      .on([...DPKG_Q, '--', 'openssl'], { stdout: 'openssl\tamd64\t3.0.22-1~deb12u2\tiU \n' });
    const r = await createDebianPlatform().installExact(host, [{ name: 'openssl', version: '3.0.22-1~deb12u2' }]);
    expect(host.calls.map((c) => c.kind)).toEqual(['script', 'exec']);
    expect(r).toMatchObject({ ok: false, timedOut: true, after: [{ name: 'openssl', arch: 'amd64', version: '3.0.22-1~deb12u2' }] });
  });

  it('downgrades from the cached .deb when the repository no longer has the version', async () => {
    const host = new FakeRemote()
      .on('script:debian-apt-install', { code: 100, stdout: `\n${AFTER}\nlibexpat1\tamd64\t2.5.0-1+deb12u5\tii \n`, stderr: "E: Version '2.5.0-1+deb12u1' for 'libexpat1' was not found\n" })
      .on('script:debian-apt-install', { code: 0, stdout: `\n${AFTER}\nlibexpat1\tamd64\t2.5.0-1+deb12u1\tii \n` });
    const r = await createDebianPlatform().downgradeExact(host, [{ name: 'libexpat1', version: '2.5.0-1+deb12u1', arch: 'amd64' }]);
    expect(r.ok).toBe(true);
    expect(host.calls.map((c) => c.argv.slice(-2))).toEqual([['--allow-downgrades', 'libexpat1:amd64=2.5.0-1+deb12u1'], ['--allow-downgrades', '/var/cache/apt/archives/libexpat1_2.5.0-1+deb12u1_amd64.deb']]);
  });

  it('never lets apt remove other packages to install an exact version: it fails and says why', async () => {
    // apt 2.6's answer when the new version's dependencies conflict with an installed package.
    const host = new FakeRemote().on('script:debian-apt-install', {
      code: 100,
      stdout: `Reading package lists...\nBuilding dependency tree...\nThe following packages will be REMOVED:\n  foo-legacy\nThe following packages will be upgraded:\n  libfoo2\n\n${AFTER}\nlibfoo2\tamd64\t1.0-1\tii \n`,
      stderr: 'E: Packages need to be removed but remove is disabled.\n',
    });
    const r = await createDebianPlatform().installExact(host, [{ name: 'libfoo2', version: '2.0-1', arch: 'amd64' }]);
    expect(host.calls[0]?.argv).toContain('--no-remove');
    expect(r.ok).toBe(false);
    expect(r.failed).toEqual([{ name: 'libfoo2', requested: '2.0-1', installed: '1.0-1', reason: 'apt would have removed other packages' }]);
    expect(r.errors).toEqual(['E: Packages need to be removed but remove is disabled.']);
  });

  it('keeps rollback .debs and reports what is unavailable', async () => {
    const host = new FakeRemote().on('script:debian-keep-debs', {
      stdout: 'present libssl3:amd64=3.0.19-1~deb12u2\ndownloaded libc6:amd64=2.36-9\ndownloaded perl-base:amd64=5.36.0-7\nslow perl-base:amd64=5.36.0-7\nunavailable openssl:amd64=3.0.19-1~deb12u2\n',
    });
    const r = await createDebianPlatform().ensureRollbackDebs(host, [
      { name: 'libssl3', arch: 'amd64', version: '3.0.19-1~deb12u2' }, { name: 'openssl', arch: 'amd64', version: '3.0.19-1~deb12u2' },
      { name: 'libc6', arch: 'amd64', version: '2.36-9' }, { name: 'perl-base', arch: 'amd64', version: '5.36.0-7' },
    ]);
    expect(r).toEqual({
      present: ['libssl3:amd64=3.0.19-1~deb12u2'],
      downloaded: ['libc6:amd64=2.36-9', 'perl-base:amd64=5.36.0-7'],
      viaAptGet: ['perl-base:amd64=5.36.0-7'],
      unavailable: ['openssl:amd64=3.0.19-1~deb12u2'],
    });
    expect(host.calls[0]?.options?.sudo).toBe(true);
    expect(debFileName('automake', '1:1.16.5-1.3', 'all')).toBe('automake_1%3a1.16.5-1.3_all.deb');
  });

  it('parses apt errors', () => {
    const e = parseAptInstallErrors("E: Unable to locate package nosuch\nE: Version '9' for 'bash' was not found\n");
    expect(e.notFound).toEqual(['nosuch', 'bash']);
  });
});
