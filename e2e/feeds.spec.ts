import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
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
