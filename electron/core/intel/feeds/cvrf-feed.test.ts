import { describe, expect, it } from 'vitest';
import { parseCvrfJson } from './cvrf-feed';
import { brokenCvrf, cvrfSample } from './fixtures/cvrf-fixtures';

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseCvrfJson', () => {
  it('takes the highest severity and score, KB numbers and affected product names; skips ADV entries', () => {
    const res = parseCvrfJson(bytes(cvrfSample));
    if (!res.ok) throw new Error(res.error);
    expect(res.feed).toMatchObject({ kind: 'msrc-cvrf-json', date: '2024-08-13T07:00:00.000Z', dateSource: 'file-header', count: 1 });
    expect(res.feed.records).toEqual([
      {
        cveId: 'CVE-2024-38063',
        title: 'Windows TCP/IP Remote Code Execution Vulnerability',
        severity: 'Critical',
        cvssBase: 9.8,
        kbs: ['KB5041578', 'KB5041160'],
        products: [
          'Windows 10 Version 1809 for x64-based Systems',
          'Windows Server 2022',
          'Windows 11 Version 23H2 for x64-based Systems',
        ],
      },
    ]);
  });

  it.each(brokenCvrf())('refuses %s and says where', (_name, value, error) => {
    const res = parseCvrfJson(bytes(value));
    expect(res.ok ? 'accepted' : res.error).toMatch(error);
  });

  it('refuses truncated JSON', () => {
    const text = JSON.stringify(cvrfSample);
    expect(parseCvrfJson(Buffer.from(text.slice(0, 500))).ok).toBe(false);
  });
});
