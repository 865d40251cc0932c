import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseDebianTrackerJson } from './debian-tracker-feed';
import { brokenTracker, trackerSample } from './fixtures/debian-tracker-fixtures';

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const mtime = '2025-08-26T03:14:00Z';

describe('parseDebianTrackerJson', () => {
  it('emits one record per (package, CVE, release), skipping TEMP- ids, dated by the caller', () => {
    const res = parseDebianTrackerJson(gzipSync(bytes(trackerSample)), { fallbackDate: mtime });
    if (!res.ok) throw new Error(res.error);
    expect(res.feed).toMatchObject({ kind: 'debian-tracker-json', date: '2025-08-26T03:14:00.000Z', dateSource: 'caller', count: 5 });
    expect(res.feed.records).toEqual([
      { package: 'openssl', cveId: 'CVE-2024-5535', release: 'bookworm', status: 'resolved', fixedVersion: '3.0.14-1~deb12u1', urgency: 'not yet assigned' },
      { package: 'openssl', cveId: 'CVE-2024-5535', release: 'bullseye', status: 'open', fixedVersion: null, urgency: 'low' },
      { package: 'openssl', cveId: 'CVE-2024-5535', release: 'sid', status: 'resolved', fixedVersion: '3.3.1-5', urgency: 'not yet assigned' },
      { package: 'linux-signed-amd64', cveId: 'CVE-2023-52340', release: 'bookworm', status: 'resolved', fixedVersion: '0', urgency: 'unimportant' },
      { package: 'linux-signed-amd64', cveId: 'CVE-2023-52340', release: 'trixie', status: 'undetermined', fixedVersion: null, urgency: 'high' },
    ]);
  });

  it('filters by release when asked', () => {
    const res = parseDebianTrackerJson(bytes(trackerSample), { fallbackDate: mtime, releases: ['bookworm'] });
    expect(res.ok && res.feed.records.map((r) => `${r.package}/${r.release}`)).toEqual([
      'openssl/bookworm',
      'linux-signed-amd64/bookworm',
    ]);
  });

  it('requires a fallback date, since the file has none', () => {
    expect(parseDebianTrackerJson(bytes(trackerSample))).toEqual({ ok: false, error: expect.stringMatching(/pass opts\.fallbackDate/) });
    expect(parseDebianTrackerJson(bytes(trackerSample), { fallbackDate: 'yesterday' }).ok).toBe(false);
  });

  it.each(brokenTracker())('refuses %s and says where', (_name, value, error) => {
    const res = parseDebianTrackerJson(bytes(value), { fallbackDate: mtime });
    expect(res.ok ? 'accepted' : res.error).toMatch(error);
  });

  it('refuses truncated JSON', () => {
    const text = JSON.stringify(trackerSample);
    const res = parseDebianTrackerJson(Buffer.from(text.slice(0, text.length - 10)), { fallbackDate: mtime });
    expect(res.ok ? 'accepted' : res.error).toMatch(/invalid or truncated JSON/);
  });
});
