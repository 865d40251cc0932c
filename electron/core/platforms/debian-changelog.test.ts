import { describe, expect, it } from 'vitest';
import { entriesNewerThan, extractCves, parseDebianChangelog, summarizeEntries } from './debian-changelog';
import { fixture } from './fake-remote';

describe('parseDebianChangelog on real changelogs', () => {
  const openssl = parseDebianChangelog(fixture('debian/changelog-openssl.txt'));

  it('reads header, urgency, distributions, trailer and CVEs (openssl 3.0.19-1~deb12u2)', () => {
    expect(openssl.map((e) => e.version).slice(0, 3)).toEqual(['3.0.19-1~deb12u2', '3.0.19-1~deb12u1', '3.0.18-1~deb12u2']);
    const top = openssl[0];
    expect(top?.package).toBe('openssl');
    expect(top?.distributions).toEqual(['bookworm-security']);
    expect(top?.urgency).toBe('medium');
    expect(top?.maintainer).toBe('Sebastian Andrzej Siewior <sebastian@breakpoint.cc>');
    expect(top?.date).toBe('2026-04-03T12:29:32.000Z');
    expect(top?.cves).toEqual(['CVE-2026-28387', 'CVE-2026-28389', 'CVE-2026-28390', 'CVE-2026-31789', 'CVE-2026-31790']);
  });

  it('keeps the last entry even though the excerpt cuts its trailer off', () => {
    const last = openssl[openssl.length - 1];
    expect(last?.version).toBe('3.0.15-1~deb12u1');
    expect(last?.date).toBeNull();
    expect(last?.cves).toEqual(['CVE-2024-5535', 'CVE-2024-9143']);
  });

  it('summarises only entries newer than the installed version, with the highest urgency (expat)', () => {
    const expat = parseDebianChangelog(fixture('debian/changelog-expat.txt'));
    expect(expat.map((e) => e.urgency)).toEqual(['medium', 'high', 'medium', 'high', 'medium']);
    const newer = entriesNewerThan(expat, '2.4.8-1');
    expect(newer.map((e) => e.version)).toEqual(['2.5.0-1+deb12u1', '2.5.0-1', '2.4.9-1', '2.4.8-2']);
    const s = summarizeEntries(newer);
    expect(s.urgency).toBe('high');
    expect(s.cves).toEqual(['CVE-2024-45490', 'CVE-2024-45491', 'CVE-2024-45492', 'CVE-2022-43680', 'CVE-2022-40674']);
    expect(s.newestDate).toBe('2024-09-08T06:44:19.000Z');
    expect(entriesNewerThan(expat, '2.5.0-1+deb12u1')).toEqual([]);
    expect(entriesNewerThan(expat, null)).toHaveLength(expat.length);
  });

  it('stops early at the installed version when asked', () => {
    const e = parseDebianChangelog(fixture('debian/changelog-openssl.txt'), { stopAtOrBelow: '3.0.18-1~deb12u2' });
    expect(e.map((x) => x.version)).toEqual(['3.0.19-1~deb12u2', '3.0.19-1~deb12u1', '3.0.18-1~deb12u2']);
  });
});

describe('CVE extraction', () => {
  it('finds lists, parenthesised IDs and lower-case mentions, deduplicated', () => {
    expect(extractCves('Fixes CVE-2024-1234, CVE-2024-5678 and (CVE-2023-1234); also cve-2024-1234 and CVE-2021-44228.'))
      .toEqual(['CVE-2024-1234', 'CVE-2024-5678', 'CVE-2023-1234', 'CVE-2021-44228']);
    expect(extractCves('CVE-2024-123 is too short; XCVE-2024-12345 is not one; CVE-2026-114938 has six digits'))
      .toEqual(['CVE-2026-114938']);
  });
});

describe('robustness', () => {
  it('ignores garbage before the first entry and odd lines inside', () => {
    const text = 'garbage\n\u0000\u0001 binary?\nfoo (1.0-2) unstable; urgency=HIGH\n\n  * CVE-2020-0001\nnot indented\n -- A B <a@b>  Mon, 01 Jan 2024 00:00:00 +0000\n\n -- orphan trailer\nfoo (1.0-1) unstable\n';
    const e = parseDebianChangelog(text);
    expect(e.map((x) => [x.version, x.urgency])).toEqual([['1.0-2', 'high']]);
  });
  it('accepts a trailer without an address and headers without urgency', () => {
    const e = parseDebianChangelog('foo (2) unstable; foo=bar\n  * x\n -- Someone  Tue, 02 Jan 2024 10:00:00 +0100\n');
    expect(e[0]?.urgency).toBeNull();
    expect(e[0]?.maintainer).toBe('Someone');
    expect(e[0]?.date).toBe('2024-01-02T09:00:00.000Z');
  });
  it('bounds huge input by characters and entries', () => {
    const entry = (i: number) => `pkg (1.${i}-1) unstable; urgency=low\n\n  * CVE-2024-${1000 + i}\n\n -- M <m@x>  Mon, 01 Jan 2024 00:00:00 +0000\n\n`;
    const huge = Array.from({ length: 20_000 }, (_, i) => entry(20_000 - i)).join('');
    const t0 = Date.now();
    expect(parseDebianChangelog(huge, { maxEntries: 100 })).toHaveLength(100);
    expect(parseDebianChangelog(huge, { maxChars: 1000 }).length).toBeLessThan(20);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
