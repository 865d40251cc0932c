import fs from 'node:fs';
import { expect, test } from './fixtures';
import { addDefaultKeyCredential, assessAll, JobsTray, MachinesPage } from './pages';
import { hostOf, labEnabled, LAB_TIMEOUT, standardLab } from './lab/test-support';
import type { LabHost } from './lab/index';

let lab: LabHost[] = [];

test.beforeAll(async () => {
  test.setTimeout(LAB_TIMEOUT);
  if (labEnabled) lab = await standardLab();
});

test('a lab machine’s missing updates are prioritised with known-exploited CVEs first, and an approval is recorded', async ({ app }) => {
  test.skip(!labEnabled, 'the lab cannot run here');
  test.setTimeout(180_000);
  const fixture = hostOf(lab, 'fixture');
  await addDefaultKeyCredential(app, 'Lab admin', fs.readFileSync(fixture.keyPath, 'utf8'));

  const machines = new MachinesPage(app);
  await machines.open();
  await machines.add({ address: fixture.address, name: 'Fixture box' });
  await assessAll(app, [fixture.address]);
  await expect(new JobsTray(app).job(`Assess ${fixture.address}`)).toContainText('Done', { timeout: 120_000 });

  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Patches' }).click();
  const table = app.getByRole('table', { name: 'Patches' });
  const rows = table.getByRole('rowgroup').getByRole('row');
  await expect(rows).toHaveCount(3);
  // Fixtures a and c fix CVEs on CISA's KEV list; b does not: it must come last.
  await expect(rows.nth(0)).toContainText('KEV');
  await expect(rows.nth(1)).toContainText('KEV');
  await expect(rows.nth(2)).toContainText('pw-fixture-b');
  await expect(rows.nth(2)).not.toContainText('KEV');
  await expect(rows.nth(0)).toContainText(/Known Exploited|known exploited/i);

  await rows.nth(0).getByRole('checkbox').check();
  await app.getByRole('button', { name: /Approve 1 selected/ }).click();
  await expect(app.getByText('Approved 1 update')).toBeVisible();
  await expect(rows.nth(0)).toContainText('approved on 1');
  // Dismiss the notice (it goes by itself after 5 s), so the next approval's notice is the only one on screen.
  const notice = app.getByRole('status').filter({ hasText: 'Approved 1 update' });
  await notice.getByRole('button', { name: 'Dismiss' }).click({ timeout: 2000 }).catch(() => undefined);
  await expect(notice).toHaveCount(0);

  // Grouped by machine: the machine heads its own updates, scored for it; approving there approves on it alone.
  await app.getByLabel('Group patches').selectOption('machine');
  await expect(rows.nth(0)).toContainText('Fixture box');
  await expect(rows.nth(0)).toContainText('3 updates shown');
  await expect(rows.nth(1)).toContainText('approved');
  await rows.nth(3).getByRole('checkbox').check();
  await app.getByRole('button', { name: /Approve 1 selected/ }).click();
  await expect(app.getByText('Approved 1 update')).toBeVisible();
  await expect(rows.nth(3)).toContainText('approved');

  // The machine's own risk shows on the Machines page.
  await machines.open();
  await expect(app.getByRole('table', { name: 'Machines' }).getByRole('row').filter({ hasText: 'Fixture box' })).toContainText(/\d+ (critical|high)/);

  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Reports' }).click();
  await app.getByRole('button', { name: 'Verify the audit trail' }).click();
  await expect(app.getByRole('table', { name: 'Audit trail' })).toContainText('patch.approve');
  await expect(app.getByRole('status').filter({ hasText: 'Audit trail intact' })).toBeVisible();
});
