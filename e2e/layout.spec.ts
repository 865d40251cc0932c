import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { MachinesPage } from './pages';

const PAGES = ['Dashboard', 'Machines', 'Patches', 'Deployments', 'Reports', 'Schedules', 'Settings'] as const;

/** Widths by which something runs past the right edge: the window, and the page's own scrolling area. */
async function overflow(app: Page): Promise<{ document: number; content: number }> {
  return app.evaluate(() => {
    const doc = document.documentElement;
    const content = document.querySelector('main.content');
    return {
      document: doc.scrollWidth - doc.clientWidth,
      content: content ? content.scrollWidth - content.clientWidth : 0,
    };
  });
}

for (const size of [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
]) {
  test(`every main page fits ${size.width}×${size.height} without running off the edge`, async ({ app }) => {
    await app.setViewportSize(size);
    const machines = new MachinesPage(app);
    await machines.open();
    await machines.add({ address: '127.0.0.21', name: 'Reception PC', tags: 'office' });
    await expect(machines.row('127.0.0.21')).toContainText('Reception PC');
    // Machines with the detail open is the widest the page gets.
    await app.getByRole('button', { name: 'Reception PC' }).click();
    const detail = app.getByRole('region', { name: 'Details of Reception PC' });
    await expect(detail).toBeVisible();
    expect(await overflow(app), 'Machines with the detail open').toEqual({ document: 0, content: 0 });
    await expect(app.getByRole('searchbox', { name: 'Search machines' })).toBeInViewport();

    const nav = app.getByRole('navigation', { name: 'Main' });
    for (const name of PAGES) {
      await nav.getByRole('button', { name }).click();
      await expect(app.getByRole('heading', { name, level: 1 })).toBeVisible();
      expect(await overflow(app), name).toEqual({ document: 0, content: 0 });
      await expect(nav.getByRole('button', { name: 'Settings' })).toBeInViewport();
    }
  });
}

test('a reload stays on the page, the skip link reaches the content, and shortcuts switch pages', async ({ app }) => {
  await app.setViewportSize({ width: 1024, height: 700 });
  const machines = new MachinesPage(app);
  await machines.open();
  // The search box is shown once there is a machine to search.
  await machines.add({ address: '127.0.0.22' });
  await expect(machines.row('127.0.0.22')).toBeVisible();
  await expect(app).toHaveURL(/#\/machines$/);
  await app.reload();
  await expect(app.getByRole('heading', { name: 'Machines', level: 1 })).toBeVisible();

  await app.keyboard.press('Tab');
  const skip = app.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await app.keyboard.press('Enter');
  await expect(app.locator('main#content')).toBeFocused();

  await app.keyboard.press('g');
  await app.keyboard.press('p');
  await expect(app.getByRole('heading', { name: 'Patches', level: 1 })).toBeVisible();
  await app.keyboard.press('Alt+2');
  await expect(app.getByRole('heading', { name: 'Machines', level: 1 })).toBeVisible();
  await app.keyboard.press('/');
  await expect(app.getByRole('searchbox', { name: 'Search machines' })).toBeFocused();
  // Typing in the search box is text, not a shortcut.
  await app.keyboard.type('gp');
  await expect(app.getByRole('heading', { name: 'Machines', level: 1 })).toBeVisible();
  await app.getByRole('heading', { name: 'Machines', level: 1 }).click();
  await app.keyboard.press('?');
  await expect(app.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
});
