import { describe, expect, it } from 'vitest';
import { alpine, parseAlpineFacts, parseApkInfo, parseApkListUpgradable, parseApkVersion, splitApkNameVersion } from './alpine';
import { FakeRemote, fixtureSections } from './fake-remote';

const s = fixtureSections('alpine/apk.txt');

describe('apk parsers (vuls fixtures)', () => {
  it('apk list --upgradable', () => {
    const u = parseApkListUpgradable(s.get('list-upgradable') ?? '');
    expect(u.map((x) => [x.name, x.installedVersion, x.candidateVersion, x.arch])).toEqual([
      ['busybox', '1.36.1-r28', '1.36.1-r29', 'x86_64'], ['busybox-binsh', '1.36.1-r28', '1.36.1-r29', 'x86_64'],
      ['ca-certificates-bundle', '20240226-r0', '20240705-r0', 'x86_64'], ['libcrypto3', '3.3.0-r2', '3.3.2-r0', 'x86_64'],
      ['libssl3', '3.3.0-r2', '3.3.2-r0', 'x86_64'], ['ssl_client', '1.36.1-r28', '1.36.1-r29', 'x86_64'],
    ]);
    expect(u[3]?.source).toBe('origin openssl');
  });
  it('apk info -v and apk version -l "<"', () => {
    expect(parseApkInfo(s.get('info-v') ?? '')).toEqual([
      { name: 'musl', arch: '', version: '1.1.16-r14' }, { name: 'busybox', arch: '', version: '1.26.2-r7' },
    ]);
    expect(parseApkVersion(s.get('version') ?? '').map((x) => [x.name, x.installedVersion, x.candidateVersion])).toEqual([
      ['libcrypto1.0', '1.0.1q-r0', '1.0.2m-r0'], ['libssl1.0', '1.0.1q-r0', '1.0.2m-r0'], ['nrpe', '2.14-r2', '2.15-r5'],
    ]);
    expect(splitApkNameVersion('py3-foo-bar-2.0_rc1-r3')).toEqual({ name: 'py3-foo-bar', version: '2.0_rc1-r3' });
  });
  it('falls back to apk version when apk list is unavailable', async () => {
    const host = new FakeRemote()
      .on(['apk', 'list', '--upgradable'], { code: 1, stderr: 'apk: unknown applet list' })
      .on(['apk', 'version', '-l', '<'], { stdout: s.get('version') ?? '' });
    expect((await alpine.pendingUpdates(host)).updates).toHaveLength(3);
  });
  it('flags a running kernel whose modules are gone', () => {
    const f = parseAlpineFacts('@@os-release\nID=alpine\nVERSION_ID=3.20.3\n@@kernel\n6.6.49-0-lts\n@@modules\n6.6.58-0-lts\n@@end\n');
    expect(f.rebootRequired).toBe(true);
    expect(f.newestKernel).toBe('6.6.58-0-lts');
  });
});
