/**
 * Windows end to end in the UI: a simulated Windows machine behind the loopback WinRM test server (real NTLM and
 * sealed messages) is added with "Connect with: WinRM", assessed, its Windows updates prioritised and approved,
 * deployed with a restore point first, and rolled back with one click (the KB removed).
 */
import { expect, test } from './fixtures';
import { assessAll, JobsTray, MachinesPage } from './pages';
import { SimulatedWindows, sampleUpdates } from '../electron/core/platforms/windows/testing/simulated-windows';
import { WinrmTestServer } from '../electron/core/winrm/testing/test-server';

let server: WinrmTestServer;
let win: SimulatedWindows;
let port = 0;

test.beforeEach(async () => {
  win = new SimulatedWindows();
  win.pending = sampleUpdates();
  server = new WinrmTestServer({ username: 'patchwell', password: 'S3cret-pass!', domain: 'OFFICE' }, win.onCommand);
  port = await server.listen();
});

test.afterEach(async () => {
  await server.close();
});

test('a Windows machine over WinRM: assess, approve a KB, deploy with a restore point, roll back with one click', async ({ app }) => {
  test.setTimeout(120_000);
  const nav = (name: string) => app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name }).click();

  await nav('Settings');
  await app.getByRole('button', { name: 'Add credential' }).click();
  const form = app.getByRole('dialog', { name: 'Add a credential' });
  await form.getByLabel('Name', { exact: true }).fill('Office admin');
  await form.getByLabel('User name').fill('OFFICE\\patchwell');
  await form.getByLabel('Password', { exact: true }).fill('S3cret-pass!');
  await form.getByLabel('Use for every machine that has no credential of its own').check();
  await form.getByRole('button', { name: 'Add credential' }).click();
  await expect(app.getByRole('table', { name: 'Credentials list' })).toContainText('Office admin');

  const machines = new MachinesPage(app);
  await machines.open();
  await app.getByRole('button', { name: /^Add (your first )?machine$/ }).first().click();
  const dialog = app.getByRole('dialog', { name: 'Add a machine' });
  await dialog.getByLabel('Address').fill('127.0.0.1');
  await dialog.getByLabel('Name (optional)').fill('Reception PC');
  await dialog.getByLabel('Connect with').selectOption('winrm');
  await dialog.getByLabel('WinRM port').fill(String(port));
  await dialog.getByRole('button', { name: 'Add machine' }).click();

  await assessAll(app, ['127.0.0.1']);
  await expect(new JobsTray(app).job('Assess 127.0.0.1')).toContainText('Done', { timeout: 60_000 });
  await expect(machines.row('127.0.0.1')).toContainText('2');
  await machines.row('127.0.0.1').getByRole('button', { name: 'Reception PC' }).click();
  await expect(app.getByRole('region', { name: 'Details of Reception PC' })).toContainText('HTTP with NTLM message encryption');

  await nav('Patches');
  const rows = app.getByRole('table', { name: 'Patches' }).getByRole('rowgroup').getByRole('row');
  await expect(rows).toHaveCount(2);
  const cu = rows.filter({ hasText: 'KB5046633' });
  await expect(cu).toContainText('critical severity');
  await cu.getByRole('checkbox').check();
  await app.getByRole('button', { name: /Approve 1 selected/ }).click();
  await expect(app.getByText('Approved 1 update')).toBeVisible();

  await nav('Deployments');
  const plan = app.getByRole('region', { name: 'Deployment plan' });
  await expect(plan).toContainText('Ready: 1 approved update on 1 machine');
  await plan.getByRole('button', { name: 'Deploy now' }).click();
  await app.getByRole('dialog', { name: 'Deploy now?' }).getByRole('button', { name: 'Deploy now' }).click();
  const detail = app.getByRole('region', { name: /^Deployment \d+$/ });
  const log = detail.getByRole('list', { name: 'Deployment log' });
  await expect(detail.locator('header .badge')).toHaveText('succeeded', { timeout: 60_000 });
  await expect(log).toContainText('Restore point #41 made');
  await expect(log).toContainText('Verified: KB5046633 installed');
  await expect(log).toContainText('A reboot is needed');
  expect(win.hotfixes.map((h) => h.kb)).toContain('KB5046633');

  await detail.getByRole('button', { name: 'Roll back deployment' }).click();
  await app.getByRole('dialog', { name: 'Roll back?' }).getByRole('button', { name: 'Roll back' }).click();
  const rollback = app.getByRole('region', { name: /^Deployment \d+$/ });
  await expect(rollback).toContainText('Rolls back deployment');
  await expect(rollback.locator('header .badge')).toHaveText('succeeded', { timeout: 60_000 });
  await expect(rollback.getByRole('list', { name: 'Deployment log' })).toContainText('KB5046633: removed (DISM)');
  expect(win.hotfixes.map((h) => h.kb)).not.toContain('KB5046633');
});
