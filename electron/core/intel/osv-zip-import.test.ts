import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { importFeed } from './feed-import';
import { dsaAdvisory } from './feeds/fixtures/osv-fixtures';
import { makeOsvZip } from './feeds/testing/make-osv-zip';
import { makeZip } from './feeds/testing/make-zip';
import { listFeeds } from './intel-store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-osv-zip-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const rows = (db: ReturnType<typeof openDatabase>): unknown[] => db.prepare('SELECT * FROM osv_fixes ORDER BY advisory_id, cve_id, ecosystem').all();

describe('importing an OSV bundle from the disk (streamed)', () => {
  it('imports a ZIP64 bundle written by Python, every advisory, with progress by entries', async () => {
    const file = path.join(dir, 'all.zip');
    makeOsvZip(file, 40, { forceZip64: true });
    const db = openDatabase(':memory:');
    const progress: [number, number][] = [];
    const r = await importFeed(db, { path: file }, 'all.zip', { now: 9, onProgress: (n, total) => progress.push([n, total]) });
    expect(r).toMatchObject({ kind: 'osv', format: 'osv-zip', recordCount: 40, source: 'all.zip' });
    expect(progress[0]).toEqual([0, 40]);
    expect(progress.at(-1)).toEqual([40, 40]);
    expect(db.prepare('SELECT count(DISTINCT advisory_id) AS n FROM osv_fixes').get()).toEqual({ n: 40 });
    // DSA-1005-1 (i = 5): CVE-2019-10035..37, Debian 11..13, postgresql-15 fixed in 1.5.5-3+deb12u6.
    expect(db.prepare(`SELECT DISTINCT cve_id FROM osv_fixes WHERE advisory_id = 'DSA-1005-1' ORDER BY cve_id`).pluck().all()).toEqual([
      'CVE-2019-10035',
      'CVE-2019-10036',
      'CVE-2019-10037',
    ]);
    expect(db.prepare(`SELECT DISTINCT ecosystem, package, fixed_version FROM osv_fixes WHERE advisory_id = 'DSA-1005-1' ORDER BY ecosystem`).all()).toEqual(
      ['Debian:11', 'Debian:12', 'Debian:13'].map((ecosystem) => ({ ecosystem, package: 'postgresql-15', fixed_version: '1.5.5-3+deb12u6' })),
    );
    expect(listFeeds(db)).toEqual([expect.objectContaining({ kind: 'osv', recordCount: 40, importedAt: 9 })]);
    // The staging tables are gone.
    expect(db.prepare(`SELECT count(*) AS n FROM temp.sqlite_schema WHERE name LIKE 'osv_stage%'`).get()).toEqual({ n: 0 });
  });

  it('refuses a bundle whose last entry fails its CRC-32 check, and imports nothing of it', async () => {
    const db = openDatabase(':memory:');
    await importFeed(db, { bytes: Buffer.from(JSON.stringify(dsaAdvisory)) }, 'DSA-5712-1.json');
    const before = { rows: rows(db), feeds: listFeeds(db) };
    const usn = JSON.stringify({ ...dsaAdvisory, id: 'DSA-9000-1', modified: '2025-01-01T00:00:00Z' });
    const zip = makeZip([
      { name: 'DSA-5712-1.json', data: JSON.stringify({ ...dsaAdvisory, modified: '2025-02-01T00:00:00Z', aliases: ['CVE-2024-4741'] }), store: true },
      { name: 'DSA-9000-1.json', data: usn, store: true },
    ]);
    const at = zip.indexOf(Buffer.from('"DSA-9000-1"'));
    const damaged = Buffer.from(zip);
    damaged.write('8', at + 6, 'latin1'); // DSA-9000-1 becomes DSA-8000-1: valid JSON, wrong checksum
    const file = path.join(dir, 'crc.zip');
    fs.writeFileSync(file, damaged);
    await expect(importFeed(db, { path: file }, 'all.zip')).rejects.toThrow(
      'all.zip was refused: OSV bundle: DSA-9000-1.json fails its CRC-32 check: the archive is damaged. The feed in force is unchanged.',
    );
    // DSA-5712-1 was staged before the damaged entry was met, and is not merged either.
    expect({ rows: rows(db), feeds: listFeeds(db) }).toEqual(before);
  });

  it('refuses an advisory id that appears in two entries, naming both', async () => {
    const db = openDatabase(':memory:');
    const zip = makeZip([
      { name: 'a/DSA-5712-1.json', data: JSON.stringify(dsaAdvisory) },
      { name: 'b/DSA-5712-1.json', data: JSON.stringify(dsaAdvisory) },
    ]);
    await expect(importFeed(db, { bytes: zip }, 'all.zip')).rejects.toThrow(
      'all.zip was refused: OSV bundle: b/DSA-5712-1.json: DSA-5712-1 appears more than once (first in a/DSA-5712-1.json). The feed in force is unchanged.',
    );
    expect(rows(db)).toEqual([]);
  });

  it('a cancelled import changes nothing and says so', async () => {
    const file = path.join(dir, 'cancel.zip');
    makeOsvZip(file, 5);
    const db = openDatabase(':memory:');
    const ac = new AbortController();
    await expect(
      importFeed(db, { path: file }, 'all.zip', {
        signal: ac.signal,
        onProgress: (n, total) => {
          if (n === 0 && total === 5) ac.abort(new Error('Cancelled by the user'));
        },
      }),
    ).rejects.toThrow('all.zip: the import was cancelled after 0 entries; nothing was changed.');
    expect(rows(db)).toEqual([]);
    expect(listFeeds(db)).toEqual([]);
  });
});
