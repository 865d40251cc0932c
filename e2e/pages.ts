/** Page objects for screens the specs use more than once. */
import { expect, type Locator, type Page } from '@playwright/test';

export class MachinesPage {
  constructor(private readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Machines' }).click();
    await expect(this.page.getByRole('heading', { name: 'Machines', level: 1 })).toBeVisible();
  }

  get table(): Locator {
    return this.page.getByRole('table', { name: 'Machines' });
  }

  row(address: string): Locator {
    return this.table.getByRole('row').filter({ hasText: address });
  }

  async add(fields: { address: string; name?: string; tags?: string }): Promise<void> {
    await this.page.getByRole('button', { name: /^Add (your first )?machine$/ }).first().click();
    const dialog = this.page.getByRole('dialog', { name: 'Add a machine' });
    await dialog.getByLabel('Address').fill(fields.address);
    if (fields.name) await dialog.getByLabel('Name (optional)').fill(fields.name);
    if (fields.tags) await dialog.getByLabel('Tags').fill(fields.tags);
    await dialog.getByRole('button', { name: 'Add machine' }).click();
  }
}

export class JobsTray {
  constructor(private readonly page: Page) {}

  get root(): Locator {
    return this.page.getByRole('complementary', { name: 'Jobs' });
  }

  job(title: string | RegExp): Locator {
    return this.root.getByRole('listitem').filter({ has: this.page.getByRole('button', { name: title }) });
  }

  async open(): Promise<void> {
    const toggle = this.root.getByRole('button', { name: /^Jobs/ });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  }
}

/** Settings → Credentials: adds the lab's admin key as the credential every machine uses. */
export async function addDefaultKeyCredential(page: Page, name: string, privateKey: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Add credential' }).click();
  const form = page.getByRole('dialog', { name: 'Add a credential' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('User name').fill('admin');
  await form.getByLabel('Private key', { exact: true }).fill(privateKey);
  await form.getByLabel('Use for every machine that has no credential of its own').check();
  await form.getByRole('button', { name: 'Add credential' }).click();
  await expect(page.getByRole('table', { name: 'Credentials list' })).toContainText(name);
}

/**
 * Machines → Assess all. A credential for all machines asks before its first use on a machine never contacted:
 * the dialog must list exactly `firstContact` (labels or addresses), and the spec allows it.
 */
export async function assessAll(page: Page, firstContact: readonly string[]): Promise<void> {
  await page.getByRole('button', { name: 'Assess all' }).click();
  const dialog = page.getByRole('dialog', { name: 'First contact with new machines' });
  const rows = dialog.getByRole('table', { name: 'Machines never contacted' }).getByRole('row');
  await expect(rows).toHaveCount(firstContact.length + 1);
  for (const m of firstContact) await expect(rows.filter({ hasText: m })).toHaveCount(1);
  await dialog.getByRole('button', { name: 'Allow first contact and assess' }).click();
  await expect(dialog).toBeHidden();
}

/** The main navigation: one click to a page. */
export async function openPage(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name }).click();
}

/**
 * Machines: adds each machine, then assesses them all (first contact allowed) and waits for the job to be done.
 * The credential must exist first (addDefaultKeyCredential).
 */
export async function addAndAssess(page: Page, machines: readonly { address: string; name: string }[]): Promise<void> {
  const list = new MachinesPage(page);
  await list.open();
  for (const m of machines) await list.add(m);
  await assessAll(page, machines.map((m) => m.address));
  const job = machines.length === 1 ? `Assess ${machines[0]!.address}` : `Assess ${machines.length} machines`;
  await expect(new JobsTray(page).job(job)).toContainText('Done', { timeout: 120_000 });
}

/**
 * Patches: shows the updates matching `filter` (all of them without one), which must be `count` rows, selects them
 * all and approves them; `approved` is how many machine-updates the notice counts (one row may be on several).
 */
export async function approveShown(page: Page, count: number, opts: { filter?: string; approved?: number } = {}): Promise<void> {
  await openPage(page, 'Patches');
  if (opts.filter) await page.getByLabel('Filter patches').fill(opts.filter);
  await page.getByRole('button', { name: `Select all ${count}` }).click();
  await page.getByRole('button', { name: `Approve ${count} selected` }).click();
  const n = opts.approved ?? count;
  await expect(page.getByText(new RegExp(`Approved ${n} updates?.*Deploy them from the Deployments page`))).toBeVisible();
}
