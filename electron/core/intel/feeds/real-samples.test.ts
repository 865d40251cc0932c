/**
 * The feed parsers and the importer run on files as the publishers wrote them (issue 6, item 6). The hand-built
 * fixtures next to this file check each rule; these samples check that the rules match reality. Where each file
 * comes from, and what (if anything) was trimmed, is in fixtures/real/SOURCES.md.
 *
 * A sample the code does not handle is not hidden: its test is `it.fails`, with the reason beside it, so the
 * suite stays green while the gap stays visible (and the marker must be removed once the code handles it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/open';
import { importFeed, importFeedBytes } from '../feed-import';
import { listFeeds } from '../intel-store';
import type { Feed, FeedKind } from './feed-types';
import { parseFeedAuto, type FeedRecordMap } from './parse-feed-file';
import { makeZip } from './testing/make-zip';

const REAL = join(__dirname, 'fixtures', 'real');
const sample = (path: string): Buffer => readFileSync(join(REAL, path));

// The tracker dump carries no date; an import from a file uses the file's mtime, so the tests pass one.
const FILE_DATE = '2026-11-01T06:00:00Z';

/** Parses as every caller does (auto-detected, with a file date) and checks the file was taken for `kind`. */
function parseAs<K extends FeedKind>(bytes: Uint8Array, kind: K): Feed<K, FeedRecordMap[K]> {
  const result = parseFeedAuto(bytes, { fallbackDate: FILE_DATE });
  if (!result.ok) throw new Error(`expected ${kind}, the parser refused it: ${result.error}`);
  if (result.feed.kind !== kind) throw new Error(`expected ${kind}, detected as ${result.feed.kind}`);
  // Safe: the kind was just checked, and each kind has exactly one record type.
  return result.feed as Feed<K, FeedRecordMap[K]>;
}

describe('OSV advisories as osv.dev and Ubuntu publish them', () => {
  it('UBUNTU-CVE-2024-51988: the CVE from the id, a fixed version per Ubuntu release, the CVSS vector', () => {
    const feed = parseAs(sample('osv/UBUNTU-CVE-2024-51988.json'), 'osv-json');
    const { records } = feed;
    expect(feed).toMatchObject({ date: '2025-06-02T17:30:48.000Z', dateSource: 'file-records', count: 1 });
    expect(records).toEqual([
      {
        id: 'UBUNTU-CVE-2024-51988',
        cves: ['CVE-2024-51988'],
        published: '2024-11-06T20:15:00.000Z',
        modified: '2025-06-02T17:30:48.000Z',
        packages: [
          { ecosystem: 'Ubuntu:20.04:LTS', name: 'rabbitmq-server', fixed: '3.8.3-0ubuntu0.1' },
          { ecosystem: 'Ubuntu:22.04:LTS', name: 'rabbitmq-server', fixed: '3.9.27-0ubuntu0.1' },
          { ecosystem: 'Ubuntu:24.10', name: 'rabbitmq-server', fixed: '3.12.1-1ubuntu2' },
          { ecosystem: 'Ubuntu:24.04:LTS', name: 'rabbitmq-server', fixed: '3.12.1-1ubuntu1' },
        ],
        cvss: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N',
        vendorSeverity: null,
      },
    ]);
  });

  it('UBUNTU-CVE-2024-51988 imports one row per release, with the CVSS 3.1 base score computed from the vector', () => {
    const db = openDatabase(':memory:');
    const outcome = importFeedBytes(db, sample('osv/UBUNTU-CVE-2024-51988.json'), 'UBUNTU-CVE-2024-51988.json', { now: 11 });
    expect(outcome).toEqual({ kind: 'osv', format: 'osv-json', feedDate: '2025-06-02T17:30:48.000Z', recordCount: 1, source: 'UBUNTU-CVE-2024-51988.json' });
    const rows = db.prepare('SELECT * FROM osv_fixes ORDER BY ecosystem').all();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({
      advisory_id: 'UBUNTU-CVE-2024-51988',
      cve_id: 'CVE-2024-51988',
      ecosystem: 'Ubuntu:20.04:LTS',
      package: 'rabbitmq-server',
      fixed_version: '3.8.3-0ubuntu0.1',
      published_at: Date.parse('2024-11-06T20:15:00Z'),
      modified_at: Date.parse('2025-06-02T17:30:48Z'),
      cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N',
      cvss_version: '3.1',
      // AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:H/A:N is 6.5 in the FIRST CVSS 3.1 calculator.
      cvss_score: 6.5,
      vendor_severity: null,
    });
    expect(listFeeds(db)).toEqual([expect.objectContaining({ kind: 'osv', recordCount: 1, feedDate: '2025-06-02T17:30:48.000Z', importedAt: 11 })]);
  });

  it('UBUNTU-CVE-2025-38094 (schema 1.7.3): the CVE from `upstream`, an Ubuntu Pro release with no fix yet', () => {
    const feed = parseAs(sample('osv/UBUNTU-CVE-2025-38094.json'), 'osv-json');
    const { records } = feed;
    expect(records).toEqual([
      {
        id: 'UBUNTU-CVE-2025-38094',
        cves: ['CVE-2025-38094'],
        published: '2025-07-04T00:00:00.000Z',
        modified: '2025-07-04T00:00:00.000Z',
        packages: [{ ecosystem: 'Ubuntu:Pro:14.04:LTS', name: 'linux', fixed: null }],
        // Its only severity is of type "Ubuntu" ("medium"): Ubuntu's priority, not a CVSS vector.
        cvss: null,
        vendorSeverity: 'medium',
      },
    ]);
    const db = openDatabase(':memory:');
    importFeedBytes(db, sample('osv/UBUNTU-CVE-2025-38094.json'), 'UBUNTU-CVE-2025-38094.json');
    expect(db.prepare('SELECT cve_id, ecosystem, package, fixed_version, cvss_score, vendor_severity FROM osv_fixes').all()).toEqual([
      { cve_id: 'CVE-2025-38094', ecosystem: 'Ubuntu:Pro:14.04:LTS', package: 'linux', fixed_version: null, cvss_score: null, vendor_severity: 'medium' },
    ]);
  });

  it('DLA-3623-1 in osv.dev\'s current form: its 44 CVEs come from `upstream` (excerpt without `affected`)', () => {
    const feed = parseAs(sample('osv/DLA-3623-1.json'), 'osv-json');
    const { records } = feed;
    expect(feed.date).toBe('2025-10-13T15:48:05.749Z');
    expect(records[0]?.cves).toHaveLength(44);
    expect(records[0]?.cves.slice(0, 2)).toEqual(['CVE-2022-39189', 'CVE-2022-4269']);
    expect(records[0]?.cves.at(-1)).toBe('CVE-2023-4921');
    expect(records[0]?.packages).toEqual([]);
    const db = openDatabase(':memory:');
    expect(importFeedBytes(db, sample('osv/DLA-3623-1.json'), 'DLA-3623-1.json')).toMatchObject({ kind: 'osv', recordCount: 1 });
    // With no `affected` list, each CVE is stored once with no package, so it can still be linked to the advisory.
    expect(db.prepare(`SELECT count(*) AS n, count(DISTINCT cve_id) AS cves, max(package) AS pkg FROM osv_fixes WHERE advisory_id = 'DLA-3623-1'`).get()).toEqual({ n: 44, cves: 44, pkg: '' });
  });

  // USN-7095-1, DSA-135 and DLA-0001-1 are read (id, packages, fixed versions) ...
  it.each([
    ['osv/USN-7095-1.json', 'USN-7095-1', '2024-11-07T09:49:52.411Z', { ecosystem: 'Ubuntu:24.04:LTS', name: 'linux-nvidia', fixed: '6.8.0-1017.19' }, 3],
    ['osv/DSA-135.json', 'DSA-135', '2023-10-16T00:05:19.431Z', { ecosystem: 'Debian:3.0', name: 'libapache-mod-ssl', fixed: '2.8.9-2' }, 1],
    ['osv/DLA-0001-1.json', 'DLA-0001-1', '2023-06-28T06:17:52.429Z', { ecosystem: 'Debian:6.0', name: 'gnutls26', fixed: '2.8.6-1+squeeze4' }, 1],
  ] as const)('%s parses: its id, date and fixed versions', (path, id, modified, pkg, packageCount) => {
    const feed = parseAs(sample(path), 'osv-json');
    const { records } = feed;
    expect(feed).toMatchObject({ date: modified, count: 1 });
    expect(records[0]).toMatchObject({ id, modified });
    expect(records[0]?.packages).toHaveLength(packageCount);
    expect(records[0]?.packages).toContainEqual(pkg);
  });

  // ... and so are their CVEs: these publishers list an advisory's CVEs under `related` only (no `aliases`, no
  // `upstream`). The first version of osv-feed.ts ignored `related`, and these advisories came out with no CVE
  // (found by these samples; fixed).
  it.each([
    ['osv/USN-7095-1.json', ['CVE-2023-52887', 'CVE-2024-25741', 'CVE-2024-45001'], 'Ubuntu:24.04:LTS', 'linux-nvidia', '6.8.0-1017.19'],
    ['osv/DSA-135.json', ['CVE-2002-0653'], 'Debian:3.0', 'libapache-mod-ssl', '2.8.9-2'],
    ['osv/DLA-0001-1.json', ['CVE-2014-3466'], 'Debian:6.0', 'gnutls26', '2.8.6-1+squeeze4'],
  ] as const)('%s: the CVEs it lists under `related` are read and imported', (path, cves, ecosystem, pkg, fixed) => {
    const { records } = parseAs(sample(path), 'osv-json');
    expect(records[0]?.cves).toEqual(expect.arrayContaining([...cves]));
    const db = openDatabase(':memory:');
    importFeedBytes(db, sample(path), path);
    for (const cve of cves) {
      expect(db.prepare('SELECT fixed_version FROM osv_fixes WHERE cve_id = ? AND ecosystem = ? AND package = ?').get(cve, ecosystem, pkg)).toEqual({ fixed_version: fixed });
    }
  });

  it('a bundle of real Ubuntu advisories (the all.zip shape: one file per entry) imports them all', async () => {
    const names = ['UBUNTU-CVE-2024-51988.json', 'UBUNTU-CVE-2025-38094.json', 'USN-7095-1.json'];
    const zip = makeZip(names.map((name) => ({ name, data: sample(`osv/${name}`) })));
    const db = openDatabase(':memory:');
    // All 3: USN-7095-1 names its CVEs under `related`, which is read. The date is the newest `modified` among
    // the entries (UBUNTU-CVE-2025-38094's).
    expect(await importFeed(db, { bytes: zip }, 'all.zip')).toMatchObject({ kind: 'osv', format: 'osv-zip', recordCount: 3, feedDate: '2025-07-04T00:00:00.000Z' });
    expect(db.prepare('SELECT DISTINCT advisory_id FROM osv_fixes ORDER BY advisory_id').all()).toEqual([
      { advisory_id: 'UBUNTU-CVE-2024-51988' },
      { advisory_id: 'UBUNTU-CVE-2025-38094' },
      { advisory_id: 'USN-7095-1' },
    ]);
    const cut = zip.subarray(0, Math.floor(zip.length / 2));
    await expect(importFeed(db, { bytes: cut }, 'all.zip')).rejects.toThrow(/all\.zip was refused: OSV bundle: /);
  });

  // The real USN-7095-1 without its `related` list: an advisory naming no CVE at all.
  const usnWithoutCves = (): Buffer => {
    const { related: _related, ...rest } = JSON.parse(sample('osv/USN-7095-1.json').toString('utf8')) as Record<string, unknown>;
    return Buffer.from(JSON.stringify(rest));
  };
  const refuseUsnAfterUbuntuCve = () => {
    const db = openDatabase(':memory:');
    importFeedBytes(db, sample('osv/UBUNTU-CVE-2024-51988.json'), 'UBUNTU-CVE-2024-51988.json', { now: 5 });
    const before = { feeds: listFeeds(db), rows: db.prepare('SELECT * FROM osv_fixes ORDER BY ecosystem').all() };
    expect(() => importFeedBytes(db, usnWithoutCves(), 'USN-7095-1.json', { now: 6 })).toThrow(
      'USN-7095-1.json holds 1 OSV advisories but none names a CVE, so none can be matched to an update; nothing was changed.',
    );
    return { db, before };
  };

  it('that refusal is clear and keeps the stored fixes', () => {
    const { db, before } = refuseUsnAfterUbuntuCve();
    expect(db.prepare('SELECT * FROM osv_fixes ORDER BY ecosystem').all()).toEqual(before.rows);
  });

  // Found by these samples and fixed: the importer used to write (the feed's record, and deleting the rows stored
  // under that advisory id) before it saw that no advisory named a CVE, then said "nothing was changed".
  it('that refusal leaves the feed record (source, import time) as it was', () => {
    const { db, before } = refuseUsnAfterUbuntuCve();
    expect(listFeeds(db)).toEqual(before.feeds);
  });

  // The same, seen on rows: the real USN-7095-1 (196 CVEs under `related`, 3 packages: 588 rows) is stored, then a
  // copy naming no CVE is refused, and its rows stay.
  it('that refusal keeps the rows an earlier import stored under the same advisory id', () => {
    const db = openDatabase(':memory:');
    importFeedBytes(db, sample('osv/USN-7095-1.json'), 'USN-7095-1.json');
    const count = () => db.prepare(`SELECT count(*) AS n FROM osv_fixes WHERE advisory_id = 'USN-7095-1'`).get();
    expect(count()).toEqual({ n: 588 });
    expect(() => importFeedBytes(db, usnWithoutCves(), 'USN-7095-1-no-cves.json')).toThrow(/nothing was changed/);
    expect(count()).toEqual({ n: 588 });
  });
});

describe('Debian security tracker JSON, excerpts of whole package entries', () => {
  it('vuls-data-update excerpt: resolved, not-affected ("0") and open entries; the TEMP- issue is skipped', () => {
    const feed = parseAs(sample('debian-tracker/vuls-data-update-advisory.json'), 'debian-tracker-json');
    const { records } = feed;
    expect(feed).toMatchObject({ date: '2026-11-01T06:00:00.000Z', dateSource: 'caller', count: 6 });
    expect(records.filter((r) => r.cveId === 'CVE-2016-5416')).toEqual([
      { package: '389-ds-base', cveId: 'CVE-2016-5416', release: 'bullseye', status: 'open', fixedVersion: null, urgency: 'not yet assigned' },
      { package: '389-ds-base', cveId: 'CVE-2016-5416', release: 'sid', status: 'open', fixedVersion: null, urgency: 'not yet assigned' },
    ]);
    expect(records.find((r) => r.cveId === 'CVE-2012-0833' && r.release === 'bullseye')).toMatchObject({ status: 'resolved', fixedVersion: '0', urgency: 'unimportant' });
    expect(records.some((r) => r.package === 'wordpress')).toBe(false);
  });

  it('vunnel excerpt: "high**" and "low**" urgencies (copied from NVD) read as high and low; end-of-life kept', () => {
    const { records } = parseAs(sample('debian-tracker/vunnel-debian-excerpt.json'), 'debian-tracker-json');
    expect(records).toHaveLength(25);
    expect(records.find((r) => r.cveId === 'CVE-2008-7220' && r.release === 'buster')).toEqual({
      package: 'prototypejs',
      cveId: 'CVE-2008-7220',
      release: 'buster',
      status: 'resolved',
      fixedVersion: '1.6.0.2-1',
      urgency: 'high',
    });
    expect(records.find((r) => r.cveId === 'CVE-2013-1444' && r.release === 'sid')).toMatchObject({ urgency: 'low', fixedVersion: '1.5.5-4.1' });
    expect(records.find((r) => r.cveId === 'CVE-2022-0456' && r.release === 'buster')).toMatchObject({ status: 'open', fixedVersion: null, urgency: 'end-of-life' });
    expect(records.find((r) => r.cveId === 'CVE-2025-53603' && r.release === 'bookworm')).toMatchObject({ package: 'sope', fixedVersion: '5.8.0-1+deb12u1' });
  });

  it('imports a whole excerpt, then the next replaces it whole', () => {
    const db = openDatabase(':memory:');
    const first = importFeedBytes(db, sample('debian-tracker/vunnel-debian-excerpt.json'), 'json', { fileDate: FILE_DATE, now: 3 });
    expect(first).toEqual({ kind: 'debian-tracker', format: 'debian-tracker-json', feedDate: '2026-11-01T06:00:00.000Z', recordCount: 25, source: 'json' });
    expect(db.prepare(`SELECT package, status, fixed_version, urgency FROM debian_tracker WHERE cve_id = 'CVE-2025-53603' ORDER BY release`).all()).toEqual([
      { package: 'sope', status: 'resolved', fixed_version: '5.8.0-1+deb12u1', urgency: 'not yet assigned' },
      { package: 'sope', status: 'resolved', fixed_version: '5.0.1-2+deb11u1', urgency: 'not yet assigned' },
      { package: 'sope', status: 'resolved', fixed_version: '5.12.1-2', urgency: 'not yet assigned' },
      { package: 'sope', status: 'resolved', fixed_version: '5.12.1-2', urgency: 'not yet assigned' },
    ]);
    expect(db.prepare(`SELECT urgency FROM debian_tracker WHERE cve_id = 'CVE-2008-7220' AND release = 'sid'`).get()).toEqual({ urgency: 'high' });

    importFeedBytes(db, sample('debian-tracker/vuls-data-update-advisory.json'), 'json', { fileDate: '2026-11-02T06:00:00Z' });
    expect(db.prepare('SELECT count(*) AS n FROM debian_tracker').get()).toEqual({ n: 6 });
    expect(db.prepare(`SELECT count(*) AS n FROM debian_tracker WHERE cve_id = 'CVE-2025-53603'`).get()).toEqual({ n: 0 });
    expect(listFeeds(db)).toEqual([expect.objectContaining({ kind: 'debian-tracker', recordCount: 6, feedDate: '2026-11-02T06:00:00.000Z' })]);
  });
});

describe('FIRST EPSS daily CSV (head of epss_scores-current.csv)', () => {
  it('reads the score date from the #model_version line and every score', () => {
    const feed = parseAs(sample('epss/epss_scores-current-head.csv'), 'epss-csv');
    const { records } = feed;
    expect(feed).toMatchObject({ date: '2026-09-29T12:00:22.000Z', dateSource: 'file-header', count: 20 });
    expect(records[0]).toEqual({ cveId: 'CVE-1999-0001', epss: 0.03351, percentile: 0.88255 });
    expect(records.find((r) => r.cveId === 'CVE-1999-0016')).toEqual({ cveId: 'CVE-1999-0016', epss: 0.95739, percentile: 0.99871 });
    // The real file skips ids that have no score (CVE-1999-0020 is absent): the rows are taken as they come.
    expect(records.map((r) => r.cveId)).not.toContain('CVE-1999-0020');
  });

  it('imports every score', () => {
    const db = openDatabase(':memory:');
    expect(importFeedBytes(db, sample('epss/epss_scores-current-head.csv'), 'epss_scores-current.csv', { now: 4 })).toMatchObject({ kind: 'epss', recordCount: 20, feedDate: '2026-09-29T12:00:22.000Z' });
    expect(db.prepare('SELECT count(*) AS n FROM epss').get()).toEqual({ n: 20 });
    expect(db.prepare(`SELECT score, percentile FROM epss WHERE cve_id = 'CVE-1999-0021'`).get()).toEqual({ score: 0.2667, percentile: 0.9796 });
  });
});

describe('CISA KEV CSV as re-published by a third party (head, 2025-11-16)', () => {
  it('reads quoted fields, UTF-8 names and ransomware use; the date is the newest dateAdded', () => {
    const feed = parseAs(sample('kev/known_exploited_vulnerabilities-2025-11-16-head.csv'), 'kev-csv');
    const { records } = feed;
    expect(feed).toMatchObject({ date: '2025-11-14T00:00:00.000Z', dateSource: 'file-records', count: 20 });
    expect(records[0]).toMatchObject({ cveId: 'CVE-2025-64446', vendor: 'Fortinet', product: 'FortiWeb', dateAdded: '2025-11-14', dueDate: '2025-11-21', ransomware: false });
    expect(records.find((r) => r.cveId === 'CVE-2025-6204')).toMatchObject({ vendor: 'Dassault Systèmes', product: 'DELMIA Apriso' });
    expect(records.filter((r) => r.ransomware).map((r) => r.cveId)).toEqual(['CVE-2025-61884']);
  });

  it('imports every row', () => {
    const db = openDatabase(':memory:');
    expect(importFeedBytes(db, sample('kev/known_exploited_vulnerabilities-2025-11-16-head.csv'), 'known_exploited_vulnerabilities.csv')).toMatchObject({ kind: 'kev', format: 'kev-csv', recordCount: 20 });
    expect(db.prepare('SELECT count(*) AS n FROM kev').get()).toEqual({ n: 20 });
    expect(db.prepare(`SELECT vendor, product, date_added, due_date, ransomware FROM kev WHERE cve_id = 'CVE-2025-61884'`).get()).toEqual({
      vendor: 'Oracle',
      product: 'E-Business Suite',
      date_added: '2025-10-20',
      due_date: '2025-11-10',
      ransomware: 1,
    });
  });
});

describe('CISA KEV CSV as cisagov/kev-data publishes it (head, catalogue of 2025-08-25)', () => {
  // The app ships the JSON edition of the same day's catalogue (resources/kev); both editions must say the same.
  const bundled = JSON.parse(readFileSync(join(__dirname, '../../../../resources/kev/known_exploited_vulnerabilities.json'), 'utf8')) as {
    catalogVersion: string;
    vulnerabilities: { cveID: string; vendorProject: string; product: string; vulnerabilityName: string; dateAdded: string; dueDate: string; knownRansomwareCampaignUse: string; shortDescription: string }[];
  };

  it('every row matches the JSON edition of the same catalogue, field by field', () => {
    expect(bundled.catalogVersion).toBe('2025.08.25');
    const feed = parseAs(sample('kev/known_exploited_vulnerabilities-2025-08-25-head.csv'), 'kev-csv');
    expect(feed).toMatchObject({ date: '2025-08-25T00:00:00.000Z', dateSource: 'file-records', count: 20 });
    const byId = new Map(bundled.vulnerabilities.map((v) => [v.cveID, v]));
    for (const r of feed.records) {
      const v = byId.get(r.cveId);
      if (v === undefined) throw new Error(`${r.cveId} is in the CSV but not in the JSON edition`);
      expect(r).toEqual({
        cveId: v.cveID,
        vendor: v.vendorProject,
        product: v.product,
        name: v.vulnerabilityName,
        dateAdded: v.dateAdded,
        dueDate: v.dueDate,
        ransomware: v.knownRansomwareCampaignUse === 'Known',
        shortDescription: v.shortDescription,
      });
    }
    // A quoted product name holding commas, and a curly apostrophe, come through whole.
    expect(feed.records.find((r) => r.cveId === 'CVE-2025-43300')).toMatchObject({ vendor: 'Apple', product: 'iOS, iPadOS, and macOS' });
    expect(feed.records[0]?.shortDescription).toContain('Git\u2019s inconsistent handling');
  });

  it('imports every row', () => {
    const db = openDatabase(':memory:');
    expect(importFeedBytes(db, sample('kev/known_exploited_vulnerabilities-2025-08-25-head.csv'), 'known_exploited_vulnerabilities.csv')).toMatchObject({
      kind: 'kev',
      format: 'kev-csv',
      recordCount: 20,
      feedDate: '2025-08-25T00:00:00.000Z',
    });
    expect(db.prepare(`SELECT vendor, product, date_added, due_date, ransomware FROM kev WHERE cve_id = 'CVE-2025-54309'`).get()).toEqual({
      vendor: 'CrushFTP',
      product: 'CrushFTP',
      date_added: '2025-07-22',
      due_date: '2025-08-12',
      ransomware: 0,
    });
  });
});

describe('Microsoft CVRF', () => {
  // No real JSON edition of a monthly document could be found in the public sources reachable from here (see
  // SOURCES.md); the XML edition is what the same URL returns without `Accept: application/json`.
  it.todo('a real monthly CVRF JSON document parses: severities, KBs and the ProductTree names it references');

  it('the XML edition (what the API returns without Accept: application/json) is refused and nothing is stored', () => {
    const xml = sample('msrc/2024-Mar.xml');
    expect(parseFeedAuto(xml, { fallbackDate: FILE_DATE })).toEqual({ ok: false, error: expect.stringMatching(/^not a recognised feed/) });
    const db = openDatabase(':memory:');
    expect(() => importFeedBytes(db, xml, '2024-Mar')).toThrow(/2024-Mar was refused: not a recognised feed .*The feed in force is unchanged\./);
    expect(listFeeds(db)).toEqual([]);
  });
});

describe('each real sample cut at half its length is refused', () => {
  const TABLE: Record<string, string> = { osv: 'osv_fixes', 'debian-tracker': 'debian_tracker', epss: 'epss', kev: 'kev' };
  // `importsWhole`: whether the whole sample imports (all do now that `related` is read).
  it.each([
    ['osv/UBUNTU-CVE-2024-51988.json', true, /^OSV JSON: invalid or truncated JSON/],
    ['osv/UBUNTU-CVE-2025-38094.json', true, /^OSV JSON: invalid or truncated JSON/],
    ['osv/DLA-3623-1.json', true, /^OSV JSON: invalid or truncated JSON/],
    ['osv/USN-7095-1.json', true, /^OSV JSON: invalid or truncated JSON/],
    ['osv/DSA-135.json', true, /^OSV JSON: invalid or truncated JSON/],
    ['osv/DLA-0001-1.json', true, /^OSV JSON: invalid or truncated JSON/],
    ['debian-tracker/vuls-data-update-advisory.json', true, /^Debian tracker JSON: invalid or truncated JSON/],
    ['debian-tracker/vunnel-debian-excerpt.json', true, /^Debian tracker JSON: invalid or truncated JSON/],
    ['epss/epss_scores-current-head.csv', true, /^EPSS CSV: line 11: expected 3 fields/],
    ['kev/known_exploited_vulnerabilities-2025-08-25-head.csv', true, /^KEV CSV: line 12: quoted field is never closed/],
    ['kev/known_exploited_vulnerabilities-2025-11-16-head.csv', true, /^KEV CSV: line 12: quoted field is never closed/],
  ] as const)('%s', (path, importsWhole, reason) => {
    const whole = sample(path);
    const half = whole.subarray(0, Math.floor(whole.length / 2));
    const parsed = parseFeedAuto(half, { fallbackDate: FILE_DATE });
    expect(parsed).toEqual({ ok: false, error: expect.stringMatching(reason) });

    // The importer refuses it too, and what was in force (the whole sample, where it imports) stays untouched.
    const db = openDatabase(':memory:');
    const table = TABLE[path.split('/')[0] ?? ''];
    if (table === undefined) throw new Error(`no table for ${path}`);
    if (importsWhole) importFeedBytes(db, whole, path, { fileDate: FILE_DATE, now: 1 });
    const before = { feeds: listFeeds(db), rows: db.prepare(`SELECT count(*) AS n FROM ${table}`).get() };
    expect(before.feeds).toHaveLength(importsWhole ? 1 : 0);
    expect(() => importFeedBytes(db, half, path, { fileDate: FILE_DATE, now: 2 })).toThrow(/was refused: .*The feed in force is unchanged\./);
    expect({ feeds: listFeeds(db), rows: db.prepare(`SELECT count(*) AS n FROM ${table}`).get() }).toEqual(before);
  });
});
