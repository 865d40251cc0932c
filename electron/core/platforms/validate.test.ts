import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  isApkName, isApkVersion, isDebianArch, isDebianPackageName, isDebianVersion, isMacUpdateLabel, isRpmEvr, isRpmName,
  shellQuote,
} from './validate';

const HOSTILE = [
  '; rm -rf /', '$(reboot)', '`reboot`', 'a\nb', 'pkg\u0000', '-oAPT::Get::Foo=1', '--help', '-', '', ' ', 'ünïcode',
  'libc6; id', 'foo bar', 'foo|bar', 'foo&bar', 'foo>x', "foo'bar", 'foo"bar', 'foo\\bar', 'a=b', '*', '../etc',
];

describe('package names', () => {
  it('accepts real Debian names', () => {
    for (const n of ['libc6', 'libssl3', 'g++', 'libstdc++6', 'python3.11', 'linux-image-6.1.0-18-amd64', 'xz-utils']) {
      expect(isDebianPackageName(n), n).toBe(true);
    }
  });
  it('refuses hostile and option-like names everywhere', () => {
    for (const n of HOSTILE) {
      expect(isDebianPackageName(n), n).toBe(false);
      expect(isRpmName(n), n).toBe(false);
      expect(isApkName(n), n).toBe(false);
    }
    expect(isDebianPackageName('Libc6')).toBe(false); // policy: lower case only
    expect(isDebianPackageName('a')).toBe(false); // at least two characters
  });
  it('accepts RPM and apk names', () => {
    for (const n of ['kernel-core', 'NetworkManager', 'python3-libs', 'perl-Text_CSV', 'gcc-c++']) expect(isRpmName(n), n).toBe(true);
    for (const n of ['busybox', 'ssl_client', 'ca-certificates-bundle', 'libcrypto3']) expect(isApkName(n), n).toBe(true);
  });
});

describe('versions and architectures', () => {
  it('Debian versions', () => {
    for (const v of ['1.0', '2:9.0.1378-2', '3.0.22-1~deb12u2', '1:1.16.5-1.3', '5.2.15-2+b13', '2026f-0+deb12u1', '1.2.3-4-5', '0.9~rc1', '1:2.3:4-5']) {
      expect(isDebianVersion(v), v).toBe(true);
    }
    for (const v of ['a1.0', '1.0 ', '1.0;id', '1.0-', '-1', ':1.0', '1:', 'x:1.0', '1.2:3', '$(id)', '1.0\n2', ...HOSTILE]) {
      expect(isDebianVersion(v), JSON.stringify(v)).toBe(false);
    }
  });
  it('architectures, RPM EVRs, apk versions', () => {
    expect(isDebianArch('amd64')).toBe(true);
    expect(isDebianArch('-amd64')).toBe(false);
    for (const v of ['1.2-3.el9', '1:3.0.7-27.el9', '2.28-26.fc29', '1.0^git1-1', '1.0~rc1-1']) expect(isRpmEvr(v), v).toBe(true);
    for (const v of ['1-2-3', ':1-2', '1.0 -1', '$(id)-1', '-1.0']) expect(isRpmEvr(v), v).toBe(false);
    for (const v of ['1.36.1-r29', '20240705-r0', '6.5_p20250503-r0', '2.39.0_rc1-r0']) expect(isApkVersion(v), v).toBe(true);
    for (const v of ['-r1', 'a.39.0-', '1.0;x']) expect(isApkVersion(v), v).toBe(false);
  });
  it('macOS labels', () => {
    expect(isMacUpdateLabel('macOS Sonoma 14.6.1-23G93')).toBe(true);
    expect(isMacUpdateLabel('Command Line Tools (macOS Mojave version 10.14) for Xcode-10.3')).toBe(true);
    for (const l of ['-i', '--all', '$(reboot)', 'a\nb', '`x`', 'a;b', '']) expect(isMacUpdateLabel(l), l).toBe(false);
  });
});

describe('shellQuote', () => {
  it('quotes so a POSIX shell gives back exactly the input', () => {
    for (const arg of [...HOSTILE.filter((h) => !h.includes('\u0000')), "it's", "''", 'emoji 🎉', 'tab\there', '$HOME', '!!']) {
      const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(arg)}`], { encoding: 'utf8' });
      expect(out).toBe(arg);
    }
  });
  it('refuses NUL', () => {
    expect(() => shellQuote('a\u0000b')).toThrow(/NUL/);
  });
  it('leaves plain words readable', () => {
    expect(shellQuote('libssl3=3.0.22-1~deb12u2')).toBe("'libssl3=3.0.22-1~deb12u2'");
    expect(shellQuote('bash')).toBe('bash');
  });
});
