import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { brokenOsv, dsaAdvisory, ubuntuCveAdvisory, usnAdvisory } from './fixtures/osv-fixtures';
import { parseOsvJson } from './osv-feed';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseOsvJson', () => {
  it('parses a single Debian advisory', () => {
    const res = parseOsvJson(json(dsaAdvisory));
    if (!res.ok) throw new Error(res.error);
    expect(res.feed.records).toEqual([
      {
        id: 'DSA-5712-1',
        cves: ['CVE-2024-4741', 'CVE-2024-5535'],
        published: '2024-06-20T00:00:00.000Z',
        modified: '2024-06-21T09:15:02.123Z',
        packages: [{ ecosystem: 'Debian:12', name: 'openssl', fixed: '3.0.13-1~deb12u1' }],
        cvss: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H',
        vendorSeverity: null,
      },
    ]);
    expect(res.feed.date).toBe('2024-06-21T09:15:02.123Z');
  });

  it('parses a gzipped array of Ubuntu and Debian advisories', () => {
    const res = parseOsvJson(gzipSync(json([usnAdvisory, ubuntuCveAdvisory, dsaAdvisory])));
    if (!res.ok) throw new Error(res.error);
    const [usn, ucve] = res.feed.records;
    expect(usn).toMatchObject({ cves: ['CVE-2024-6197', 'CVE-2024-6874'], cvss: null });
    expect(usn?.packages.map((p) => p.ecosystem)).toEqual(['Ubuntu:22.04:LTS', 'Ubuntu:24.04:LTS']);
    expect(ucve).toMatchObject({
      cves: ['CVE-2024-38474'],
      modified: '2024-07-09T10:00:00.000Z',
      packages: [{ ecosystem: 'Ubuntu:22.04:LTS', name: 'apache2', fixed: null }],
    });
    expect(ucve?.cvss).toMatch(/^CVSS:4\.0\//);
    expect(res.feed.count).toBe(3);
    expect(res.feed.date).toBe('2024-07-09T10:00:00.000Z');
  });

  it('drops withdrawn advisories but refuses duplicates and empty arrays', () => {
    const res = parseOsvJson(json([dsaAdvisory, { ...usnAdvisory, withdrawn: '2024-07-01T00:00:00Z' }]));
    expect(res.ok && res.feed.records.map((r) => r.id)).toEqual(['DSA-5712-1']);
    expect(parseOsvJson(json([dsaAdvisory, dsaAdvisory])).ok).toBe(false);
    expect(parseOsvJson(json([])).ok).toBe(false);
  });

  it.each(brokenOsv)('refuses %s and says where', (_name, value, error) => {
    const res = parseOsvJson(json(value));
    expect(res.ok ? 'accepted' : res.error).toMatch(error);
  });

  it('points at the array index of a bad advisory, and refuses truncated JSON', () => {
    const res = parseOsvJson(json([dsaAdvisory, { ...usnAdvisory, id: '' }]));
    expect(res.ok ? 'accepted' : res.error).toMatch(/^OSV JSON: \[1\]\.id:/);
    const text = JSON.stringify([dsaAdvisory]);
    expect(parseOsvJson(Buffer.from(text.slice(0, -3))).ok).toBe(false);
  });
});
