import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, installedVersions, labWithFreshHosts, test } from './fixtures';
import { addAndAssess, addDefaultKeyCredential, approveShown, openPage } from './pages';
import { hostOf, labEnabled } from './lab/test-support';
import { FIXTURE_PACKAGES, type LabHost } from './lab/index';

const names = FIXTURE_PACKAGES.map((p) => p.name);
const installed = (h: LabHost): Record<string, string> => installedVersions(h, names);
const original = Object.fromEntries(FIXTURE_PACKAGES.map((p) => [p.name, p.installed]));
const newest = Object.fromEntries(FIXTURE_PACKAGES.map((p) => [p.name, p.versions.at(-1)!.version]));

/** Adds the fixture machine, assesses it and approves all its updates from the Patches page. */
async function approveFixtureUpdates(app: Page, fixture: LabHost): Promise<void> {
  await addDefaultKeyCredential(app, 'Lab admin', fs.readFileSync(fixture.keyPath, 'utf8'));
  await addAndAssess(app, [{ address: fixture.address, name: 'Fixture box' }]);
  await approveShown(app, 3);
}

test.describe('deployments on the lab', () => {
  const lab = labWithFreshHosts(['fixture']);

  test('approve in Patches, deploy now, watch each step, and roll back with one click', async ({ app }) => {
    test.skip(!labEnabled, 'the lab cannot run here');
    test.setTimeout(240_000);
    const fixture = hostOf(lab.hosts, 'fixture');
    await approveFixtureUpdates(app, fixture);

    await openPage(app, 'Deployments');
    const plan = app.getByRole('region', { name: 'Deployment plan' });
    await expect(plan).toContainText('Ready: 3 approved updates on 1 machine');
    for (const p of FIXTURE_PACKAGES) await expect(plan.getByRole('table', { name: 'Plan' })).toContainText(`${p.name} ${p.installed} → ${newest[p.name]}`);
    // The same approved versions, exported for Ansible: an inventory and a playbook.
    const downloads: string[] = [];
    app.on('download', (d) => void d.path().then((p) => downloads.push(fs.readFileSync(p!, 'utf8'))));
    await plan.getByRole('button', { name: 'Export for Ansible' }).click();
    await expect.poll(() => downloads.length).toBe(2);
    const playbook = downloads.find((d) => d.includes('patchwell_approved'))!;
    for (const p of FIXTURE_PACKAGES) expect(playbook).toContain(`"${p.name}=${newest[p.name]}"`);
    expect(downloads.find((d) => d.startsWith('# Patchwell inventory'))).toContain(`"${fixture.address}":`);
    await plan.getByRole('button', { name: 'Deploy now' }).click();
    await app.getByRole('dialog', { name: 'Deploy now?' }).getByRole('button', { name: 'Deploy now' }).click();

    const detail = app.getByRole('region', { name: /^Deployment \d+$/ });
    const row = detail.getByRole('table', { name: 'Machines in this deployment' }).getByRole('row').filter({ hasText: 'Fixture box' });
    // Progress is visible while it runs (the log fills in step by step), then the machine is updated.
    await expect(detail.getByRole('list', { name: 'Deployment log' })).toContainText('Preflight passed', { timeout: 60_000 });
    await expect(row).toContainText('updated', { timeout: 120_000 });
    await expect(detail.locator('header .badge')).toHaveText('succeeded');
    await expect(detail.getByRole('list', { name: 'Deployment log' })).toContainText('Snapshot taken');
    await expect(detail.getByRole('list', { name: 'Deployment log' })).toContainText('Verified: approved versions installed');
    await expect(row).toContainText('package, ');
    expect(installed(fixture)).toEqual(newest);

    await detail.getByRole('button', { name: 'Roll back deployment' }).click();
    await app.getByRole('dialog', { name: 'Roll back?' }).getByRole('button', { name: 'Roll back' }).click();
    const rollback = app.getByRole('region', { name: /^Deployment \d+$/ });
    await expect(rollback).toContainText('Rolls back deployment');
    await expect(rollback.locator('header .badge')).toHaveText('succeeded', { timeout: 120_000 });
    expect(installed(fixture)).toEqual(original);
    const history = app.getByRole('table', { name: 'Deployment history' });
    await expect(history.getByRole('row').filter({ hasText: '3 updates on 1 machine' })).toContainText('1 rolled back');
  });

  test('killed mid-deployment, the app shows where the machine stopped and resumes it to a verified end', async ({ app, session, runtime }) => {
    test.skip(!labEnabled, 'the lab cannot run here');
    test.skip(runtime === 'electron', 'kills the headless host process');
    test.setTimeout(240_000);
    const fixture = hostOf(lab.hosts, 'fixture');
    await approveFixtureUpdates(app, fixture);
    await openPage(app, 'Deployments');
    // A slow health check holds the machine in "verifying" long enough to kill the app there.
    await app.getByText('Machines: rings, clusters, snapshots, reboots, health checks').click();
    const check = app.getByLabel('Health check of Fixture box');
    await check.fill('sleep 20');
    await check.blur();
    await app.getByRole('region', { name: 'Deployment plan' }).getByRole('button', { name: 'Deploy now' }).click();
    await app.getByRole('dialog', { name: 'Deploy now?' }).getByRole('button', { name: 'Deploy now' }).click();
    const detail = app.getByRole('region', { name: /^Deployment \d+$/ });
    await expect(detail.getByRole('table', { name: 'Machines in this deployment' })).toContainText('verifying', { timeout: 90_000 });

    const page = await session.restart('SIGKILL');
    await openPage(page, 'Deployments');
    const banner = page.getByRole('alert').filter({ hasText: /Deployment \d+ needs you: it was interrupted/ });
    await expect(banner).toBeVisible();
    await banner.getByRole('button', { name: 'Open' }).click();
    const again = page.getByRole('region', { name: /^Deployment \d+$/ });
    await expect(again.getByRole('table', { name: 'Machines in this deployment' })).toContainText('stopped while verifying');
    await again.getByRole('button', { name: 'Resume' }).click();
    await expect(again.locator('header .badge')).toHaveText('succeeded', { timeout: 120_000 });
    await expect(again.getByRole('list', { name: 'Deployment log' })).toContainText('Repaired and verified');
    expect(installed(fixture)).toEqual(newest);
  });
});
