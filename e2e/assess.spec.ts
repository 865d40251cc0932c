import fs from 'node:fs';
import { expect, test } from './fixtures';
import { addDefaultKeyCredential, assessAll, JobsTray, MachinesPage } from './pages';
import { hostOf, labEnabled, LAB_TIMEOUT, standardLab } from './lab/test-support';
import { labNet, type LabHost } from './lab/index';

let lab: LabHost[] = [];

test.beforeAll(async () => {
  test.setTimeout(LAB_TIMEOUT);
  if (labEnabled) lab = await standardLab();
});

test('add a credential, assess machines, and read each one’s missing updates and CVEs; a failing machine says why', async ({ app }) => {
  test.skip(!labEnabled, 'the lab cannot run here');
  test.setTimeout(180_000);
  const fixture = hostOf(lab, 'fixture');
  const stale = hostOf(lab, 'stale');

  // A credential, entered once in Settings; its secrets never come back to the page.
  await addDefaultKeyCredential(app, 'Lab admin', fs.readFileSync(fixture.keyPath, 'utf8'));
  await expect(app.getByRole('table', { name: 'Credentials list' })).toContainText('key ssh-ed25519');

  // An address of the lab's own /24 where nothing listens (hosts start at .11).
  const gone = `${labNet()}.250`;
  const machines = new MachinesPage(app);
  await machines.open();
  await machines.add({ address: fixture.address, name: 'Fixture box' });
  await machines.add({ address: stale.address, name: 'Stale box' });
  // Nothing listens here: the assessment of this one fails, and must not hold up the others.
  await machines.add({ address: gone, name: 'Gone box' });
  await expect(machines.row(gone)).toBeVisible();

  await assessAll(app, [fixture.address, stale.address, gone]);
  const tray = new JobsTray(app);
  const job = tray.job('Assess 3 machines');
  await expect(job).toContainText('Partly done', { timeout: 120_000 });
  await expect(job).toContainText('2 of 3 machines assessed, 1 failed');
  await job.getByRole('button', { name: 'Assess 3 machines' }).click();
  const targets = job.getByRole('table');
  await expect(targets.getByRole('row').filter({ hasText: gone })).toContainText('refused the connection');
  await expect(targets.getByRole('row').filter({ hasText: fixture.address })).toContainText('succeeded');

  await expect(machines.row(fixture.address)).toContainText('3');
  await expect(machines.row(gone)).toContainText('failed');
  await expect(machines.row(stale.address)).toContainText('finding');
  await app.getByRole('button', { name: 'Fixture box' }).click();
  const updates = app.getByRole('table', { name: 'Pending updates' });
  await expect(updates.getByRole('row').filter({ hasText: 'pw-fixture-a' })).toContainText('CVE-2021-44228');
  await expect(updates.getByRole('row').filter({ hasText: 'pw-fixture-a' })).toContainText('1.1-1');
  await expect(app.getByRole('region', { name: /Details of Fixture box/ })).toContainText(fixture.hostKeyFingerprint);

  await app.getByRole('button', { name: 'Gone box' }).click();
  await expect(app.getByRole('region', { name: /Details of Gone box/ }).getByRole('alert')).toContainText('refused the connection');
});
