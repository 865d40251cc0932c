import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { importFeedBytes } from './feed-import';
import { listFeeds } from './intel-store';
import { BUNDLED_KEV, ensureBundledKev } from './kev-import';

const RESOURCES = path.resolve(__dirname, '../../../resources');
const snapshot = fs.readFileSync(path.join(RESOURCES, BUNDLED_KEV));

describe('feed import', () => {
  it('loads the bundled KEV snapshot on first start, once: every entry, its date and ransomware use', () => {
    const db = openDatabase(':memory:');
    ensureBundledKev(db, RESOURCES);
    ensureBundledKev(db, RESOURCES);
    expect(listFeeds(db)).toEqual([expect.objectContaining({ kind: 'kev', recordCount: 1404, source: 'bundled snapshot', feedDate: expect.stringMatching(/^2025-08-25/) })]);
    expect(db.prepare('SELECT count(*) AS n FROM kev').get()).toEqual({ n: 1404 });
    expect(db.prepare(`SELECT vendor, date_added, ransomware FROM kev WHERE cve_id = 'CVE-2021-44228'`).get()).toEqual({ vendor: 'Apache', date_added: '2021-12-10', ransomware: 1 });
  });

  it('refuses truncated, altered or malformed files and keeps the feed in force', () => {
    const db = openDatabase(':memory:');
    ensureBundledKev(db, RESOURCES);
    const before = listFeeds(db);
    const data = JSON.parse(snapshot.toString('utf8')) as { count: number; vulnerabilities: { cveID: string }[] };
    const bad: [Uint8Array, RegExp][] = [
      [snapshot.subarray(0, 5000), /refused/],
      [Buffer.from(JSON.stringify({ ...data, vulnerabilities: data.vulnerabilities.slice(1) })), /count says 1404 but vulnerabilities has 1403/],
      [Buffer.from('{"hello": 1}'), /not a recognised feed/],
      [gzipSync(snapshot).subarray(0, 20_000), /refused/],
    ];
    for (const [bytes, message] of bad) expect(() => importFeedBytes(db, bytes, 'kev.json')).toThrow(message);
    expect(listFeeds(db)).toEqual(before);
    expect(db.prepare('SELECT count(*) AS n FROM kev').get()).toEqual({ n: 1404 });
  });

  it('imports EPSS scores (gzipped) and replaces them whole', () => {
    const db = openDatabase(':memory:');
    const csv = '#model_version:v2025.03.14,score_date:2025-09-01T12:55:00Z\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99961\nCVE-2024-3094,0.84,0.98\n';
    const r = importFeedBytes(db, gzipSync(Buffer.from(csv)), 'epss_scores-2025-09-01.csv.gz', { now: 5 });
    expect(r).toMatchObject({ kind: 'epss', recordCount: 2, feedDate: expect.stringMatching(/^2025-09-01/) });
    expect(db.prepare(`SELECT score, percentile FROM epss WHERE cve_id = 'CVE-2021-44228'`).get()).toEqual({ score: 0.94358, percentile: 0.99961 });
    expect(listFeeds(db).map((f) => f.kind)).toEqual(['epss']);
  });
});
