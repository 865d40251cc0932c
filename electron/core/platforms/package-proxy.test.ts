/**
 * The office cache lent to one command: each package manager's argv (or environment) names the proxy only when the
 * job lends one, and a URL that is not http://127.0.0.1:<port> never reaches a command.
 */
import { describe, expect, it } from 'vitest';
import { keepRpms, restoreRpms } from '../deploy/deployers/rpm-common';
import { createDebianPlatform } from './debian';
import { FakeRemote } from './fake-remote';
import { aptProxyArgs, checkedProxyUrl, dnfProxyArgs, InvalidProxyUrlError, proxyEnv, proxyUrlFor } from './package-proxy';
import { rhel } from './rhel';
import { RPM_QF } from './rpm-parse';
import { suse } from './suse';

const URL = 'http://127.0.0.1:40123';
const APT = ['-o', `Acquire::http::Proxy=${URL}`, '-o', `Acquire::https::Proxy=${URL}`];
const APT_INSTALL = ['install', '-y', '-q', '--no-install-recommends', '--no-remove', '-o', 'Dpkg::Options::=--force-confold', '-o', 'Dpkg::Options::=--force-confdef'];

function lent(url = URL): FakeRemote {
  const r = new FakeRemote();
  r.proxyUrl = url;
  return r;
}

const bare = (): FakeRemote => new FakeRemote();

describe('proxy URL validation', () => {
  it('accepts exactly http://127.0.0.1:<1-65535>', () => {
    expect(checkedProxyUrl(URL)).toBe(URL);
    expect(proxyUrlFor(1)).toBe('http://127.0.0.1:1');
    expect(proxyUrlFor(65_535)).toBe('http://127.0.0.1:65535');
  });

  it.each([
    'http://127.0.0.1:0', 'http://127.0.0.1:65536', 'http://127.0.0.1:080', 'http://127.0.0.1', 'https://127.0.0.1:3128',
    'http://127.0.0.2:3128', 'http://localhost:3128', 'http://10.0.0.1:3128', 'http://127.0.0.1:3128/', 'http://user@127.0.0.1:3128',
    'http://127.0.0.1:3128 -o APT::Get::AllowUnauthenticated=true', 'http://127.0.0.1:3128\n', "http://127.0.0.1:3128';reboot", '',
  ])('refuses %j', (value) => {
    expect(() => checkedProxyUrl(value)).toThrow(InvalidProxyUrlError);
  });

  it('gives nothing when no cache is lent', () => {
    const r = bare();
    expect(aptProxyArgs(r)).toEqual([]);
    expect(dnfProxyArgs(r)).toEqual([]);
    expect(proxyEnv(r)).toEqual({});
  });
});

describe('apt', () => {
  it('refreshes lists through the cache, and only the refresh and downloads name it', async () => {
    const host = lent()
      .on(['apt-get', ...APT, 'update', '-q'], {})
      .on(['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], { stdout: '0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n' })
      .on(['apt-mark', 'showhold'], {});
    const r = await createDebianPlatform({ changelogs: false }).pendingUpdates(host, { refresh: true });
    expect(r.warnings).toEqual([]);
    expect(host.calls.map((c) => c.argv.join(' '))).toEqual([
      `apt-get -o Acquire::http::Proxy=${URL} -o Acquire::https::Proxy=${URL} update -q`,
      'apt-get -s -o Debug::NoLocking=1 dist-upgrade',
      'apt-mark showhold',
    ]);
    expect(host.calls[0]?.options?.sudo).toBe(true);
  });

  it('installs through the cache', async () => {
    const host = lent().on('script:debian-apt-install', { stdout: '\n@@patchwell-installed-versions\ntzdata\tall\t2025b-0+deb12u1\tii \n' });
    const r = await createDebianPlatform().installExact(host, [{ name: 'tzdata', version: '2025b-0+deb12u1' }]);
    expect(host.calls[0]?.argv).toEqual(['script:debian-apt-install', '1', 'tzdata', ...APT, ...APT_INSTALL, 'tzdata=2025b-0+deb12u1']);
    expect(r.failed).toEqual([]);
  });

  it('runs without proxy options when none is lent', async () => {
    const host = bare().on('script:debian-apt-install', { stdout: '\n@@patchwell-installed-versions\ntzdata\tall\t1\tii \n' });
    await createDebianPlatform().installExact(host, [{ name: 'tzdata', version: '1' }]);
    expect(host.calls[0]?.argv).toEqual(['script:debian-apt-install', '1', 'tzdata', ...APT_INSTALL, 'tzdata=1']);
    expect(host.calls[0]?.options?.env?.http_proxy).toBeUndefined();
  });

  it("gives the rollback-keeping script (apt-helper, apt-get download) the cache in its environment", async () => {
    const host = lent().on('script:debian-keep-debs', { stdout: 'downloaded tzdata:all=1\n' });
    await createDebianPlatform().ensureRollbackDebs(host, [{ name: 'tzdata', version: '1', arch: 'all' }]);
    expect(host.calls[0]?.options).toMatchObject({ sudo: true, env: { http_proxy: URL, https_proxy: URL, LC_ALL: 'C' } });
  });

  it('refuses a proxy URL that is not the forward before anything runs', async () => {
    const host = lent('http://127.0.0.1:3128 -o APT::Get::AllowUnauthenticated=true');
    await expect(createDebianPlatform().installExact(host, [{ name: 'tzdata', version: '1' }])).rejects.toThrow(InvalidProxyUrlError);
    expect(host.calls).toEqual([]);
  });
});

describe('dnf', () => {
  it('passes the proxy with --setopt for makecache, check-update, updateinfo and install', async () => {
    const host = lent()
      .on(['sh', '-c', 'command -v dnf || command -v yum'], { stdout: '/usr/bin/dnf\n' })
      .on(['dnf', `--setopt=proxy=${URL}`, 'makecache', '-q'], {})
      .on(['dnf', `--setopt=proxy=${URL}`, 'check-update', '-q'], { code: 0 })
      .on(['rpm', '-qa', '--qf', RPM_QF], {})
      .on(['dnf', `--setopt=proxy=${URL}`, 'updateinfo', 'list', '--available', '-q'], {})
      .on(['dnf', `--setopt=proxy=${URL}`, 'updateinfo', 'info', '--available', '-q'], {})
      .on(['dnf', 'versionlock', 'list', '-q'], {});
    await rhel.pendingUpdates(host, { refresh: true });
    const dnfCalls = host.calls.filter((c) => c.argv[0] === 'dnf' && c.argv[1] !== 'versionlock');
    expect(dnfCalls.length).toBeGreaterThanOrEqual(2);
    for (const c of dnfCalls) expect(c.argv[1]).toBe(`--setopt=proxy=${URL}`);

    const install = lent()
      .on(['sh', '-c', 'command -v dnf || command -v yum'], { stdout: '/usr/bin/dnf\n' })
      .on(['dnf', `--setopt=proxy=${URL}`, 'install', '-y', 'pw-rpm-a-1.0-2.noarch'], {});
    await rhel.installExact(install, [{ name: 'pw-rpm-a', version: '1.0-2', arch: 'noarch' }]).catch(() => undefined);
    expect(install.calls[1]?.argv).toEqual(['dnf', `--setopt=proxy=${URL}`, 'install', '-y', 'pw-rpm-a-1.0-2.noarch']);
  });

  it('gives the keep and restore scripts (dnf download) the cache in their environment', async () => {
    const host = lent().on('script:rpm-keep', {}).on('script:rpm-restore', {});
    await keepRpms(host, 'dnf', [{ name: 'pw-rpm-a', version: '1.0-1', arch: 'noarch' }]);
    await restoreRpms(host, 'dnf', { ...rhel, packageStateSnapshot: async () => [] }, [{ name: 'pw-rpm-a', version: '1.0-1', arch: 'noarch' }]).catch(() => undefined);
    const scripts = host.calls.filter((c) => c.kind === 'script');
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const c of scripts) expect(c.options?.env).toMatchObject({ http_proxy: URL, https_proxy: URL });
  });
});

describe('zypper', () => {
  it('refreshes and installs with http_proxy/https_proxy in that command’s environment only', async () => {
    const host = lent()
      .on(['zypper', '--non-interactive', 'refresh'], {})
      .on(['zypper', '--non-interactive', '--no-refresh', '--quiet', '--xmlout', 'list-updates'], { stdout: '<stream/>' })
      .on(['zypper', '--non-interactive', '--no-refresh', '--quiet', '--xmlout', 'list-patches'], { stdout: '<stream/>' })
      .on(['zypper', '--xmlout', 'locks'], { stdout: '<stream/>' })
      .on(['zypper', '--non-interactive', 'install', '--no-recommends', 'pw-rpm-a.noarch=1.0-2'], {});
    await suse.pendingUpdates(host, { refresh: true });
    await suse.installExact(host, [{ name: 'pw-rpm-a', version: '1.0-2', arch: 'noarch' }]).catch(() => undefined);
    const envOf = (verb: string): Record<string, string> | undefined => host.calls.find((c) => c.argv.includes(verb))?.options?.env;
    expect(envOf('refresh')).toMatchObject({ http_proxy: URL, https_proxy: URL });
    expect(envOf('install')).toMatchObject({ http_proxy: URL, https_proxy: URL });
    // Reading what is already known needs no network: those commands do not get the cache.
    expect(envOf('list-updates')?.http_proxy).toBeUndefined();
  });
});
