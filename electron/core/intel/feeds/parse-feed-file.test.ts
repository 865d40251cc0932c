import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFeedKind } from './detect-feed-kind';
import type { FeedKind } from './feed-types';
import { cvrfSample } from './fixtures/cvrf-fixtures';
import { trackerSample } from './fixtures/debian-tracker-fixtures';
import { dsaAdvisory, usnAdvisory } from './fixtures/osv-fixtures';
import { KEV_CSV_HEADER } from './kev-feed';
import { parseFeedAuto, parseFeedFile } from './parse-feed-file';

const kevJson = readFileSync(join(__dirname, '../../../../resources/kev/known_exploited_vulnerabilities.json'));
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value, null, 2));

const samples: [FeedKind, Buffer][] = [
  ['kev-json', kevJson],
  ['kev-csv', Buffer.from(`${KEV_CSV_HEADER.join(',')}\r\nCVE-2025-48384,Git,Git,Git Link Following Vulnerability,2025-08-25,"a, b",act,2025-09-15,Unknown,,CWE-59\r\n`)],
  ['epss-csv', Buffer.from('#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-1999-0001,0.01297,0.79239\n')],
  ['osv-json', json(dsaAdvisory)],
  ['osv-json', json([usnAdvisory, dsaAdvisory])],
  ['debian-tracker-json', json(trackerSample)],
  ['msrc-cvrf-json', json(cvrfSample)],
];

describe('detectFeedKind', () => {
  it.each(samples)('recognises %s, plain and gzipped', (kind, bytes) => {
    expect(detectFeedKind(bytes)).toBe(kind);
    expect(detectFeedKind(gzipSync(bytes))).toBe(kind);
  });

  it('returns null for other files, empty input and corrupt gzip', () => {
    expect(detectFeedKind(Buffer.from('hello,world\n1,2\n'))).toBeNull();
    expect(detectFeedKind(json({ name: 'patchwell', version: '1.0.0' }))).toBeNull();
    expect(detectFeedKind(Buffer.alloc(0))).toBeNull();
    expect(detectFeedKind(Buffer.from([0x1f, 0x8b, 0, 0, 0]))).toBeNull();
  });
});

describe('parseFeedFile / parseFeedAuto', () => {
  it.each(samples)('parses %s through the dispatcher', (kind, bytes) => {
    const res = parseFeedFile(kind, bytes, { fallbackDate: '2025-08-26T00:00:00Z' });
    if (!res.ok) throw new Error(res.error);
    expect(res.feed.kind).toBe(kind);
    expect(res.feed.count).toBeGreaterThan(0);
    const auto = parseFeedAuto(gzipSync(bytes), { fallbackDate: '2025-08-26T00:00:00Z' });
    expect(auto.ok && auto.feed.kind).toBe(kind);
  });

  it('refuses an unknown kind and an unrecognised file without throwing', () => {
    expect(parseFeedFile('nvd-json' as FeedKind, kevJson)).toEqual({ ok: false, error: 'unknown feed kind "nvd-json"' });
    expect(parseFeedAuto(Buffer.from('hello')).ok).toBe(false);
  });

  it('passes the wrong-kind file to the chosen parser, which refuses it', () => {
    const res = parseFeedFile('epss-csv', kevJson);
    expect(res.ok ? 'accepted' : res.error).toMatch(/^EPSS CSV: line 1:/);
  });
});
