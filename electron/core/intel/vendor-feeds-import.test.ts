import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { importFeed, importFeedBytes } from './feed-import';
import { cvrfSample } from './feeds/fixtures/cvrf-fixtures';
import { trackerSample } from './feeds/fixtures/debian-tracker-fixtures';
import { dsaAdvisory, ubuntuCveAdvisory, usnAdvisory } from './feeds/fixtures/osv-fixtures';
import { makeZip } from './feeds/testing/make-zip';
import { listFeeds } from './intel-store';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('vendor feeds: OSV, Debian tracker, Microsoft CVRF', () => {
  it('stores an OSV advisory per CVE and package, with its CVSS score computed from the vector', () => {
    const db = openDatabase(':memory:');
    const r = importFeedBytes(db, json(dsaAdvisory), 'DSA-5712-1.json', { now: 7 });
    expect(r).toMatchObject({ kind: 'osv', format: 'osv-json', recordCount: 1 });
    expect(db.prepare('SELECT cve_id, ecosystem, package, fixed_version, published_at, cvss_version, cvss_score FROM osv_fixes ORDER BY cve_id').all()).toEqual([
      { cve_id: 'CVE-2024-4741', ecosystem: 'Debian:12', package: 'openssl', fixed_version: '3.0.13-1~deb12u1', published_at: Date.parse('2024-06-20T00:00:00Z'), cvss_version: '3.1', cvss_score: 9.1 },
      { cve_id: 'CVE-2024-5535', ecosystem: 'Debian:12', package: 'openssl', fixed_version: '3.0.13-1~deb12u1', published_at: Date.parse('2024-06-20T00:00:00Z'), cvss_version: '3.1', cvss_score: 9.1 },
    ]);
    expect(listFeeds(db)).toEqual([expect.objectContaining({ kind: 'osv', recordCount: 1, feedDate: '2024-06-21T09:15:02.123Z', importedAt: 7 })]);
  });

  it('scores an advisory that carries only a CVSS 4.0 vector, and keeps one whose 4.0 vector is damaged without a score', () => {
    const db = openDatabase(':memory:');
    const v4 = { ...dsaAdvisory, severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }] };
    importFeedBytes(db, json(v4), 'DSA-5712-1.json');
    expect(db.prepare('SELECT DISTINCT cvss_version, cvss_score FROM osv_fixes').all()).toEqual([{ cvss_version: '4.0', cvss_score: 9.3 }]);
    const damaged = { ...dsaAdvisory, modified: '2024-07-01T00:00:00Z', severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L' }] };
    importFeedBytes(db, json(damaged), 'DSA-5712-1.json');
    expect(db.prepare('SELECT DISTINCT cvss_vector, cvss_version, cvss_score FROM osv_fixes').all()).toEqual([{ cvss_vector: 'CVSS:4.0/AV:N/AC:L', cvss_version: '4.0', cvss_score: null }]);
  });

  it('merges OSV files and zip bundles by advisory; a new version of an advisory replaces its rows', async () => {
    const db = openDatabase(':memory:');
    importFeedBytes(db, json(dsaAdvisory), 'DSA-5712-1.json');
    const revised = { ...dsaAdvisory, modified: '2024-07-01T00:00:00Z', aliases: ['CVE-2024-4741'] };
    const zip = makeZip([
      { name: 'DSA-5712-1.json', data: JSON.stringify(revised) },
      { name: 'USN-6844-1.json', data: JSON.stringify(usnAdvisory) },
      { name: 'UBUNTU-CVE-2024-38474.json', data: JSON.stringify(ubuntuCveAdvisory) },
      { name: 'README.txt', data: 'not an advisory' },
    ]);
    const r = await importFeed(db, { bytes: zip }, 'all.zip');
    expect(r).toMatchObject({ kind: 'osv', format: 'osv-zip', recordCount: 3 });
    expect(db.prepare(`SELECT cve_id FROM osv_fixes WHERE advisory_id = 'DSA-5712-1'`).all()).toEqual([{ cve_id: 'CVE-2024-4741' }]);
    expect(db.prepare(`SELECT count(*) AS n FROM osv_fixes WHERE advisory_id = 'USN-6844-1'`).get()).toEqual({ n: 4 });
    // A severity of type "Ubuntu" is not a CVSS vector: no score.
    expect(db.prepare(`SELECT DISTINCT cvss_score FROM osv_fixes WHERE advisory_id = 'USN-6844-1'`).all()).toEqual([{ cvss_score: null }]);
    expect(listFeeds(db)[0]).toMatchObject({ kind: 'osv', recordCount: 3, source: 'all.zip' });
  });

  it('refuses a damaged bundle or one bad advisory in it, naming the entry, and keeps what was there', async () => {
    const db = openDatabase(':memory:');
    importFeedBytes(db, json(dsaAdvisory), 'DSA-5712-1.json');
    const before = db.prepare('SELECT * FROM osv_fixes').all();
    const bad = makeZip([
      { name: 'USN-6844-1.json', data: JSON.stringify(usnAdvisory) },
      { name: 'DSA-9999-1.json', data: JSON.stringify({ id: 'DSA-9999-1' }) },
    ]);
    await expect(importFeed(db, { bytes: bad }, 'all.zip')).rejects.toThrow(/all\.zip was refused: OSV bundle: DSA-9999-1\.json: .*modified.*The feed in force is unchanged/);
    const good = makeZip([{ name: 'USN-6844-1.json', data: JSON.stringify(usnAdvisory) }]);
    await expect(importFeed(db, { bytes: good.subarray(0, good.length - 10) }, 'all.zip')).rejects.toThrow(/truncated or not a ZIP/);
    expect(db.prepare('SELECT * FROM osv_fixes').all()).toEqual(before);
  });

  it('replaces the Debian tracker whole, with its urgencies', () => {
    const db = openDatabase(':memory:');
    const r = importFeedBytes(db, json(trackerSample), 'json', { fileDate: '2024-11-20T06:00:00Z' });
    expect(r).toMatchObject({ kind: 'debian-tracker', recordCount: 5, feedDate: '2024-11-20T06:00:00.000Z' });
    expect(db.prepare(`SELECT release, status, fixed_version, urgency FROM debian_tracker WHERE cve_id = 'CVE-2024-5535' ORDER BY release`).all()).toEqual([
      { release: 'bookworm', status: 'resolved', fixed_version: '3.0.14-1~deb12u1', urgency: 'not yet assigned' },
      { release: 'bullseye', status: 'open', fixed_version: null, urgency: 'low' },
      { release: 'sid', status: 'resolved', fixed_version: '3.3.1-5', urgency: 'not yet assigned' },
    ]);
    const smaller = { openssl: trackerSample.openssl };
    importFeedBytes(db, json(smaller), 'json', { fileDate: '2024-11-21T06:00:00Z' });
    expect(db.prepare('SELECT count(*) AS n FROM debian_tracker').get()).toEqual({ n: 3 });
  });

  it('refuses a tracker file without a date (an upload with no file date)', () => {
    const db = openDatabase(':memory:');
    expect(() => importFeedBytes(db, json(trackerSample), 'json')).toThrow(/has no date/);
    expect(listFeeds(db)).toEqual([]);
  });

  it('merges CVRF months: the first publication date and the union of KBs stay, the latest severity wins', () => {
    const db = openDatabase(':memory:');
    const r = importFeedBytes(db, json(cvrfSample), '2024-Aug.json');
    expect(r).toMatchObject({ kind: 'msrc', recordCount: 1, feedDate: '2024-08-13T07:00:00.000Z' });
    const row = () => db.prepare(`SELECT severity, cvss_base, kbs, published_at FROM msrc_cves WHERE cve_id = 'CVE-2024-38063'`).get();
    expect(row()).toEqual({ severity: 'Critical', cvss_base: 9.8, kbs: '["KB5041578","KB5041160"]', published_at: Date.parse('2024-08-13T07:00:00Z') });
    const september = structuredClone(cvrfSample);
    september.DocumentTracking.InitialReleaseDate = '2024-09-10T07:00:00';
    september.Vulnerability[0]!.Threats = [{ Description: { Value: 'Important' }, ProductID: ['11568'], Type: 3 }];
    september.Vulnerability[0]!.Remediations = [{ Description: { Value: '5043050' }, ProductID: ['11568'], Type: 2, SubType: 'Security Update' }];
    importFeedBytes(db, json(september), '2024-Sep.json');
    expect(row()).toEqual({ severity: 'Important', cvss_base: 9.8, kbs: '["KB5041578","KB5041160","KB5043050"]', published_at: Date.parse('2024-08-13T07:00:00Z') });
    expect(listFeeds(db)[0]).toMatchObject({ kind: 'msrc', feedDate: '2024-09-10T07:00:00.000Z', recordCount: 1 });
    // Importing an older month afterwards does not move the feed's date back.
    importFeedBytes(db, json(cvrfSample), '2024-Aug.json');
    expect(listFeeds(db)[0]).toMatchObject({ feedDate: '2024-09-10T07:00:00.000Z' });
  });
});
