import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { MachinesPage } from './pages';

const HOSTILE = 'Reception <PC> & "Co"';

test('a report generated offline reads right as PDF (pdftotext) and as HTML', async ({ app, runtime }, info) => {
  test.skip(runtime === 'electron', 'prints with the system Chromium through the headless host');
  // Two Chromium prints (the executive summary, then the full report) on a shared machine.
  test.setTimeout(300_000);
  const machines = new MachinesPage(app);
  await machines.open();
  await machines.add({ address: '127.0.0.2', name: 'Front desk PC' });
  await expect(machines.row('127.0.0.2')).toBeVisible();
  await machines.add({ address: '127.0.0.3', name: HOSTILE });
  await expect(machines.row('127.0.0.3')).toBeVisible();

  await app.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Reports' }).click();
  await app.getByRole('button', { name: 'Last 90 days' }).click();
  await app.getByRole('button', { name: 'Generate report' }).click();
  const row = app.getByRole('table', { name: 'Reports' }).getByRole('row').nth(1);
  await expect(row).toContainText('of 2 machines', { timeout: 60_000 });

  // The executive summary is its own PDF from its own collection, offered as soon as it is printed (before the full
  // report's data is collected): the figures, and the hash of its own data, which the full report states too.
  const summaryButton = row.getByRole('button', { name: 'Executive summary PDF', exact: true });
  await expect(summaryButton).toBeVisible({ timeout: 150_000 });
  const [summary] = await Promise.all([app.waitForEvent('download'), summaryButton.click()]);
  const summaryPath = info.outputPath('summary.pdf');
  await summary.saveAs(summaryPath);
  const summaryText = execFileSync('pdftotext', [summaryPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  expect(summaryText).toContain('Executive summary');
  expect(summaryText).toMatch(/2 machines in the inventory, 0 assessed/);
  // Its first 12 characters, as the page lists hashes (a whole one may wrap in the PDF's text).
  const summaryHash = /Data SHA-256: ([0-9a-f]{12})/.exec(summaryText)?.[1];
  expect(summaryHash).toBeTruthy();
  expect(summaryText).not.toContain('Audit trail');
  expect(Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [summaryPath], { encoding: 'utf8' }))?.[1])).toBeLessThanOrEqual(3);

  const fullButton = row.getByRole('button', { name: 'Full PDF', exact: true });
  await expect(fullButton).toBeVisible({ timeout: 150_000 });
  // The full report's data hash is listed once its data is collected.
  const evidenceCell = row.getByRole('cell').nth(3);
  await expect(evidenceCell).toContainText(/data [0-9a-f]{12}/);
  const evidence = (await evidenceCell.innerText()).match(/data ([0-9a-f]{12})/)?.[1];
  expect(evidence).toBeTruthy();
  const [pdf] = await Promise.all([app.waitForEvent('download'), fullButton.click()]);
  const pdfPath = info.outputPath('report.pdf');
  await pdf.saveAs(pdfPath);
  expect(fs.readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-');
  // Reading order, whitespace folded: a name wrapped inside a table cell reads as one.
  const text = execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  expect(text).toContain('Executive summary');
  expect(text).toContain('Front desk PC');
  // The hostile name is printed as text, its markup characters intact (a wide table may wrap it).
  expect(text).toMatch(/Reception (127\.0\.0\.3 )?<PC> & "Co"/);
  expect(text).toMatch(/2 machines in the inventory, 0 assessed/);
  expect(text).toMatch(new RegExp(`Data SHA-256: ${evidence}`));
  expect(text).toContain(`Executive summary data SHA-256: ${summaryHash}`);
  expect(text).toMatch(/Audit chain: intact/);

  const [html] = await Promise.all([app.waitForEvent('download'), row.getByRole('button', { name: 'HTML' }).click()]);
  const htmlPath = info.outputPath('report.html');
  await html.saveAs(htmlPath);
  const page = await app.context().newPage();
  await page.goto(`file://${path.resolve(htmlPath)}`);
  await expect(page.getByRole('heading', { name: 'Executive summary' })).toBeVisible();
  // The name is text wherever it stands (the machines table and, naming the machine, the audit trail), never markup.
  await expect(page.getByRole('cell', { name: HOSTILE, exact: true }).first()).toBeVisible();
  await expect(page.locator('pc')).toHaveCount(0);
  await page.screenshot({ path: info.outputPath('report-html.png'), fullPage: true });
  await page.close();

  const [csv] = await Promise.all([app.waitForEvent('download'), row.getByRole('button', { name: 'Machines CSV' }).click()]);
  const csvText = fs.readFileSync(await csv.path(), 'utf8');
  expect(csvText.split('\r\n')[0]).toBe('id,name,address,os,criticality,status,open_updates,findings,kev_findings,reboot_required,last_assessed');
  expect(csvText).toContain('"Reception <PC> & ""Co"""');
});
