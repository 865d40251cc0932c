import { describe, expect, it } from 'vitest';
import { classifyUrl, isLocalAddress, parseConnectTarget, parseProxyTarget } from './request-target';

const kind = (url: string) => classifyUrl(new URL(url));

describe('classifyUrl', () => {
  it('keeps package files and by-hash paths without revalidating them', () => {
    for (const u of [
      'http://deb.debian.org/debian/pool/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb',
      'http://deb.debian.org/debian/pool/main/d/debian-installer/foo.udeb',
      'http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/0123abcd',
      'http://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/Packages/o/openssl-3.0.7-27.el9.x86_64.rpm',
      'http://download.opensuse.org/update/leap/15.6/oss/x86_64/vim-9.1.drpm',
      'http://mirror.example/debian/pool/main/s/src/src_1.0.orig.tar.xz',
    ]) expect(kind(u), u).toBe('immutable');
  });

  it('revalidates repository indexes', () => {
    for (const u of [
      'http://deb.debian.org/debian/dists/bookworm/InRelease',
      'http://deb.debian.org/debian/dists/bookworm/Release',
      'http://deb.debian.org/debian/dists/bookworm/Release.gpg',
      'http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz',
      'http://deb.debian.org/debian/dists/bookworm/main/source/Sources.gz',
      'http://deb.debian.org/debian/dists/bookworm/main/i18n/Translation-en.bz2',
      'http://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/repodata/repomd.xml',
      'http://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/repodata/abc-primary.xml.gz',
      'http://download.opensuse.org/update/leap/15.6/oss/repodata/abc-updateinfo.xml.zst',
    ]) expect(kind(u), u).toBe('index');
  });

  it('passes through what it cannot know is safe to keep', () => {
    for (const u of [
      'http://deb.debian.org/debian/project/trace/master',
      'http://mirrors.rockylinux.org/mirrorlist?arch=x86_64&repo=BaseOS-9',
      'http://deb.debian.org/debian/pool/main/a/a.deb?token=1',
      'http://deb.debian.org/debian/pool/',
      'http://example.org/',
    ]) expect(kind(u), u).toBe('pass');
  });
});

describe('parseProxyTarget', () => {
  it('normalises the key: host case, default port, dot segments', () => {
    const t = parseProxyTarget('http://DEB.Debian.org:80/debian/pool/../pool/main/a.deb');
    expect('key' in t && t.key).toBe('http://deb.debian.org/debian/pool/main/a.deb');
    const p = parseProxyTarget('http://127.0.0.1:8080/x.deb');
    expect('key' in p && p.key).toBe('http://127.0.0.1:8080/x.deb');
  });

  it('refuses what is not an absolute http URL without credentials', () => {
    for (const raw of [
      '/debian/pool/main/a.deb',
      'https://deb.debian.org/a.deb',
      'ftp://deb.debian.org/a.deb',
      'file:///etc/passwd',
      'http://user:pw@deb.debian.org/a.deb',
      'http://deb.debian.org/a.deb#frag',
      'http://deb debian.org/a.deb',
      'http://deb.debian.org/a\r\nX: y',
      'http://deb.debian.org/a\u0000.deb',
      `http://deb.debian.org/${'a'.repeat(5000)}`,
      'http:///a.deb',
      'http://-bad-.example/a.deb',
    ]) expect(parseProxyTarget(raw), raw).toHaveProperty('refused');
  });
});

describe('parseConnectTarget', () => {
  it('accepts host:443 and bracketed IPv6', () => {
    expect(parseConnectTarget('deb.debian.org:443', [443])).toEqual({ host: 'deb.debian.org', port: 443 });
    expect(parseConnectTarget('[2001:db8::1]:443', [443])).toEqual({ host: '2001:db8::1', port: 443 });
  });

  it('refuses other ports and malformed targets', () => {
    for (const raw of ['deb.debian.org:22', 'deb.debian.org', 'deb.debian.org:443:1', 'a b:443', ':443', 'deb.debian.org:99999', 'http://x:443']) {
      expect(parseConnectTarget(raw, [443]), raw).toHaveProperty('refused');
    }
  });
});

describe('isLocalAddress', () => {
  it('names this computer’s loopback and unspecified addresses only', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '0.0.0.0', '::1', '::', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(isLocalAddress(a), a).toBe(true);
    for (const a of ['192.0.2.1', '2001:db8::1', '128.0.0.1', 'deb.debian.org']) expect(isLocalAddress(a), a).toBe(false);
  });
});
