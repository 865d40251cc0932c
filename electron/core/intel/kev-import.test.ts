import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { listFeeds } from './intel-store';
import { ensureBundledKev, parseKevJson } from './kev-import';

const RESOURCES = path.resolve(__dirname, '../../../resources');
const snapshot = fs.readFileSync(path.join(RESOURCES, 'kev/known_exploited_vulnerabilities.json'), 'utf8');

describe('KEV import', () => {
  it('reads the shipped CISA snapshot: every entry, its date and ransomware use', () => {
    const r = parseKevJson(snapshot);
    if (!r.ok) throw new Error(r.error);
    expect(r.rows).toHaveLength(1404);
    expect(r.version).toBe('2025.08.25');
    expect(r.rows.find((x) => x.cveId === 'CVE-2021-44228')).toMatchObject({ vendor: 'Apache', dateAdded: '2021-12-10', ransomware: true });
  });

  it('loads the snapshot on first start, once', () => {
    const db = openDatabase(':memory:');
    ensureBundledKev(db, RESOURCES);
    expect(listFeeds(db)).toEqual([expect.objectContaining({ kind: 'kev', recordCount: 1404, source: 'bundled snapshot (catalog 2025.08.25)' })]);
    expect(db.prepare('SELECT count(*) AS n FROM kev').get()).toEqual({ n: 1404 });
  });

  it('refuses truncated, altered or malformed catalogs with a clear message', () => {
    expect(parseKevJson(snapshot.slice(0, 5000))).toMatchObject({ ok: false, error: expect.stringMatching(/does not parse.*truncated/) });
    const data = JSON.parse(snapshot) as { count: number; vulnerabilities: { cveID: string }[] };
    expect(parseKevJson(JSON.stringify({ ...data, vulnerabilities: data.vulnerabilities.slice(1) }))).toMatchObject({ ok: false, error: expect.stringMatching(/says it has 1404 entries but holds 1403/) });
    const bad = structuredClone(data);
    bad.vulnerabilities[7]!.cveID = 'CVE-NOPE';
    expect(parseKevJson(JSON.stringify(bad))).toMatchObject({ ok: false, error: 'KEV entry 8: cveID not a CVE id' });
    expect(parseKevJson('{"hello": 1}')).toMatchObject({ ok: false });
  });
});
