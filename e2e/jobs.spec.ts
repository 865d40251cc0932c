import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { JobsTray, MachinesPage } from './pages';

/** Records every value the named progress bar shows, so a test can tell it moved and did not just jump. */
async function recordProgress(page: Page, label: string): Promise<void> {
  await page.evaluate((name) => {
    const seen: number[] = [];
    (window as unknown as { __progress: number[] }).__progress = seen;
    const read = (): void => {
      const bar = document.querySelector(`[role="progressbar"][aria-label="${name}"]`);
      const v = bar ? Number(bar.getAttribute('aria-valuenow')) : NaN;
      if (!Number.isNaN(v) && seen[seen.length - 1] !== v) seen.push(v);
    };
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  }, label);
}

test('a scan job’s progress bar moves and completes', async ({ app }) => {
  const machines = new MachinesPage(app);
  await machines.open();
  await app.getByRole('button', { name: 'Scan network' }).click();
  const dialog = app.getByRole('dialog', { name: 'Scan the network' });
  // 4,094 loopback addresses: nothing answers there, so it is a pure sweep of real sockets.
  await dialog.getByLabel('Addresses to scan').fill('127.0.16.0/20');
  await expect(dialog.getByText('4094 addresses')).toBeVisible();
  await recordProgress(app, 'Scan progress');
  await dialog.getByRole('button', { name: 'Start scan' }).click();
  const bar = dialog.getByRole('progressbar', { name: 'Scan progress' });
  await expect(bar).toHaveAttribute('aria-valuenow', '4094', { timeout: 60_000 });
  await expect(dialog.getByText(/0 found: 0 new/)).toBeVisible();
  const seen = await app.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
  expect(seen.some((v) => v > 0 && v < 4094), `values seen: ${seen.join(', ')}`).toBe(true);
  expect(seen[seen.length - 1]).toBe(4094);
  await dialog.getByRole('button', { name: 'Close' }).click();
  const tray = new JobsTray(app);
  await tray.open();
  await expect(tray.job(/Scan 127\.0\.16\.0\/20/)).toContainText('Done');
});

test('killing the host during a running job shows that job as interrupted after the restart', async ({ app, session, runtime }) => {
  test.skip(runtime === 'electron', 'kills the headless host process');
  const machines = new MachinesPage(app);
  await machines.open();
  await app.getByRole('button', { name: 'Scan network' }).click();
  const dialog = app.getByRole('dialog', { name: 'Scan the network' });
  await dialog.getByLabel('Addresses to scan').fill('127.32.0.0/16');
  await dialog.getByLabel(/Scan all 65534 addresses/).check();
  await dialog.getByRole('button', { name: 'Start scan' }).click();
  const bar = dialog.getByRole('progressbar', { name: 'Scan progress' });
  await expect(bar).not.toHaveAttribute('aria-valuenow', '0');
  const page = await session.restart('SIGKILL');

  await expect(page.getByRole('alert').filter({ hasText: '1 job was interrupted when Patchwell last stopped' })).toBeVisible();
  await page.getByRole('button', { name: 'See where each machine stopped' }).click();
  const tray = new JobsTray(page);
  const job = tray.job(/Scan 127\.32\.0\.0\/16/);
  await expect(job).toContainText('Interrupted');
  await expect(job).toContainText('Patchwell stopped during this job');
  const bar2 = job.getByRole('progressbar');
  const done = Number(await bar2.getAttribute('aria-valuenow'));
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(65534);
});
