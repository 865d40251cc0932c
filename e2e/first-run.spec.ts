import { expect, test } from './fixtures';
import { MachinesPage } from './pages';

test('a first-run user adds a machine by hand, and it survives a restart', async ({ app: first, session }) => {
  let app = first;
  // First run: the dashboard says what to do next.
  await expect(app.getByRole('heading', { name: 'Welcome to Patchwell' })).toBeVisible();
  await app.getByRole('button', { name: 'Add machines' }).click();
  const machines = new MachinesPage(app);
  await expect(app.getByRole('heading', { name: 'No machines yet' })).toBeVisible();

  // A bad address is refused at the field, and nothing is added.
  await machines.add({ address: 'not a host!' });
  const dialog = app.getByRole('dialog', { name: 'Add a machine' });
  await expect(dialog.getByText('Enter an IPv4 address or a host name')).toBeVisible();
  await dialog.getByLabel('Address').fill('127.0.0.11');
  await dialog.getByLabel('Name (optional)').fill('Front desk PC');
  await dialog.getByLabel('Tags').fill('office, canary');
  await dialog.getByRole('button', { name: 'Add machine' }).click();
  await expect(dialog).toBeHidden();
  await expect(machines.row('127.0.0.11')).toContainText('Front desk PC');
  await expect(machines.row('127.0.0.11')).toContainText('office, canary');

  // The app restarts (a reboot, an update): the machine is still there.
  app = await session.restart();
  await new MachinesPage(app).open();
  await expect(new MachinesPage(app).row('127.0.0.11')).toContainText('Front desk PC');

  // Its details show what Patchwell knows, and the audit trail recorded the change.
  await app.getByRole('button', { name: 'Front desk PC' }).click();
  await expect(app.getByRole('region', { name: 'Details of Front desk PC' })).toContainText('not pinned yet');
  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Reports' }).click();
  await app.getByRole('button', { name: 'Verify the audit trail' }).click();
  await expect(app.getByRole('status').filter({ hasText: 'Audit trail intact: 1 entries' })).toBeVisible();
});

test('machines can be edited and removed, and the theme switches', async ({ app }) => {
  const machines = new MachinesPage(app);
  await machines.open();
  await machines.add({ address: '127.0.0.12' });
  await expect(machines.row('127.0.0.12')).toBeVisible();
  await app.getByRole('button', { name: '127.0.0.12' }).click();
  await app.getByRole('button', { name: 'Edit' }).click();
  const dialog = app.getByRole('dialog', { name: 'Edit machine' });
  await dialog.getByLabel('Name (optional)').fill('Accounts laptop');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(machines.row('127.0.0.12')).toContainText('Accounts laptop');

  await app.getByRole('checkbox', { name: 'Select Accounts laptop' }).check();
  await app.getByRole('button', { name: 'Remove' }).click();
  await app.getByRole('dialog', { name: 'Remove machines' }).getByRole('button', { name: 'Remove' }).click();
  await expect(app.getByRole('heading', { name: 'No machines yet' })).toBeVisible();

  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await app.getByLabel('Theme').selectOption('dark');
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
  await app.getByLabel('Theme').selectOption('light');
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('the host refuses requests without the token', async ({ host, browser, runtime }) => {
  test.skip(runtime === 'electron', 'the headless host only');
  const context = await browser.newContext();
  const page = await context.newPage();
  const bare = host.url.replace(/\?token=.*/, '');
  const res = await page.goto(bare);
  expect(res?.status()).toBe(401);
  await expect(page.getByText('Unauthorized')).toBeVisible();
  await context.close();
});
