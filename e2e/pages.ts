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
