import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { makeZip } from '../electron/core/intel/feeds/testing/make-zip';
import { expect, test } from './fixtures';

test('feeds: the bundled KEV shows its age; a newer EPSS file is imported; a truncated file is refused and changes nothing', async ({ app }, info) => {
  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  const table = app.getByRole('table', { name: 'Feeds in force' });
  const kev = table.getByRole('row').filter({ hasText: 'CISA Known Exploited Vulnerabilities' });
  await expect(kev).toContainText('2025-08-25');
  await expect(kev).toContainText('1,404');
  // The shipped snapshot is more than 14 days old: flagged, so the user knows to bring a newer one.
  await expect(kev).toContainText('out of date');
  await expect(table).toContainText('Not loaded: exploit probability is left out');

  const epss = info.outputPath('epss_scores-2026-11-20.csv.gz');
  fs.writeFileSync(epss, gzipSync('#model_version:v2025.03.14,score_date:2026-11-20T12:55:00Z\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99961\nCVE-2024-3094,0.84,0.98\n'));
  await app.getByLabel('Import a feed file').setInputFiles(epss);
  await expect(app.getByText('Imported FIRST EPSS exploit probabilities: 2 records of 2026-11-20')).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'FIRST EPSS' })).toContainText('epss_scores-2026-11-20.csv.gz');

  const truncated = info.outputPath('known_exploited_vulnerabilities.json');
  fs.writeFileSync(truncated, fs.readFileSync('resources/kev/known_exploited_vulnerabilities.json').subarray(0, 4000));
  await app.getByLabel('Import a feed file').setInputFiles(truncated);
  await expect(app.getByRole('alert').filter({ hasText: 'known_exploited_vulnerabilities.json was refused' })).toBeVisible();
  await expect(app.getByRole('alert').filter({ hasText: 'The feed in force is unchanged' })).toBeVisible();
  await expect(kev).toContainText('1,404');
});

test('feeds: an OSV bundle and the Debian tracker (dated by the file) are imported and listed; a damaged bundle is refused', async ({ app }, info) => {
  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  const table = app.getByRole('table', { name: 'Feeds in force' });
  await expect(table).toContainText('Not loaded: CVSS scores and fix dates of Debian/Ubuntu advisories are left out');

  const advisory = {
    id: 'DSA-5712-1',
    published: '2024-06-20T00:00:00Z',
    modified: '2024-06-21T09:15:02Z',
    aliases: ['CVE-2024-4741'],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H' }],
    affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.13-1~deb12u1' }] }] }],
  };
  const zip = makeZip([{ name: 'DSA-5712-1.json', data: JSON.stringify(advisory) }]);
  const bundle = info.outputPath('all.zip');
  fs.writeFileSync(bundle, zip);
  await app.getByLabel('Import a feed file').setInputFiles(bundle);
  await expect(app.getByText('Imported OSV advisories: 1 records of 2024-06-21')).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'OSV advisories' })).toContainText('all.zip');

  const tracker = info.outputPath('json');
  fs.writeFileSync(tracker, JSON.stringify({ openssl: { 'CVE-2024-4741': { releases: { bookworm: { status: 'resolved', fixed_version: '3.0.13-1~deb12u1', urgency: 'high' } } } } }));
  fs.utimesSync(tracker, new Date('2026-11-19T08:00:00Z'), new Date('2026-11-19T08:00:00Z'));
  await app.getByLabel('Import a feed file').setInputFiles(tracker);
  await expect(table.getByRole('row').filter({ hasText: 'Debian security tracker' })).toContainText('2026-11-19');

  const damaged = info.outputPath('damaged.zip');
  fs.writeFileSync(damaged, zip.subarray(0, zip.length - 12));
  await app.getByLabel('Import a feed file').setInputFiles(damaged);
  await expect(app.getByRole('alert').filter({ hasText: 'damaged.zip was refused' })).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'OSV advisories' })).toContainText('all.zip');
});
