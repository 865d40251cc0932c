/**
 * A mixed fleet on the lab: a Debian machine (apt), a Rocky stand-in (real dnf) and an openSUSE stand-in (real
 * zypper), added and assessed from the Machines page, their fixture updates approved on the Patches page, deployed
 * canary first from the Deployments page, and rolled back there with one click. What is installed is read on each
 * machine over plain ssh, not taken from the app.
 */
import fs from 'node:fs';
import { expect, installedVersions, labWithFreshHosts, test } from './fixtures';
import { addAndAssess, addDefaultKeyCredential, approveShown, MachinesPage, openPage } from './pages';
import { hostOf, labEnabled } from './lab/test-support';
import { evrOf, FIXTURE_PACKAGES, RPM_FIXTURE_PACKAGES, type LabHost, type Scenario } from './lab/index';

const FLEET: readonly { scenario: Scenario; name: string; os: RegExp }[] = [
  { scenario: 'fixture', name: 'Debian box', os: /Debian/ },
  { scenario: 'rpm-fixture', name: 'Rocky box', os: /Rocky/ },
  { scenario: 'suse-fixture', name: 'SUSE box', os: /openSUSE|SUSE/ },
];

const packagesOf = (s: Scenario): { name: string; installed: string; newest: string }[] =>
  s === 'fixture'
    ? FIXTURE_PACKAGES.map((p) => ({ name: p.name, installed: p.installed, newest: p.versions.at(-1)!.version }))
    : RPM_FIXTURE_PACKAGES.map((p) => ({ name: p.name, installed: p.installed, newest: evrOf(p.versions.at(-1)!) }));
const versions = (s: Scenario, which: 'installed' | 'newest'): Record<string, string> =>
  Object.fromEntries(packagesOf(s).map((p) => [p.name, p[which]]));
const onMachine = (h: LabHost): Record<string, string> => installedVersions(h, packagesOf(h.scenario).map((p) => p.name));

test.describe('a Debian, an RPM and a SUSE machine deployed together', () => {
  // For the whole test, its fixtures included: on a loaded machine starting the host and the page alone can take a minute.
  test.describe.configure({ timeout: 480_000 });
  const lab = labWithFreshHosts(FLEET.map((m) => m.scenario));

  test('assessed, approved, deployed canary first, verified on each machine, and rolled back with one click', async ({ app }) => {
    test.skip(!labEnabled, 'the lab cannot run here');
    const fleet = FLEET.map((m) => ({ ...m, host: hostOf(lab.hosts, m.scenario), address: hostOf(lab.hosts, m.scenario).address }));
    for (const m of fleet) expect(onMachine(m.host), m.name).toEqual(versions(m.scenario, 'installed'));

    await addDefaultKeyCredential(app, 'Lab admin', fs.readFileSync(fleet[0]!.host.keyPath, 'utf8'));
    // One assessment for all three; the first-contact dialog lists each of them.
    await addAndAssess(app, fleet);
    const machines = new MachinesPage(app);
    for (const m of fleet) await expect(machines.row(m.address), m.name).toContainText(m.os);

    // Three updates on each machine; the RPM ones are the same versions on both RPM machines, so six rows
    // (the SUSE patches that bring them are rows of their own, left out by the filter) and nine approvals.
    await approveShown(app, 6, { filter: 'pw-', approved: 9 });

    await openPage(app, 'Deployments');
    await app.getByText('Machines: rings, clusters, snapshots, reboots, health checks').click();
    // The SUSE machine is the canary: added last, it is not the one the plan would pick by itself (the first one).
    const canary = fleet.find((m) => m.scenario === 'suse-fixture')!;
    const others = fleet.filter((m) => m !== canary);
    await app.getByLabel(`Ring of ${canary.name}`).selectOption('0');
    const plan = app.getByRole('region', { name: 'Deployment plan' });
    await expect(plan).toContainText('Ready: 9 approved updates on 3 machines');
    const planRows = plan.getByRole('table', { name: 'Plan' }).getByRole('row');
    await expect(planRows.filter({ hasText: canary.name })).toContainText('Canary');
    for (const m of fleet) {
      const row = planRows.filter({ hasText: m.name });
      if (m !== canary) await expect(row).toContainText('Ring 1');
      for (const p of packagesOf(m.scenario)) await expect(row).toContainText(`${p.name} ${p.installed} → ${p.newest}`);
    }
    await plan.getByRole('button', { name: 'Deploy now' }).click();
    await app.getByRole('dialog', { name: 'Deploy now?' }).getByRole('button', { name: 'Deploy now' }).click();

    const detail = app.getByRole('region', { name: /^Deployment \d+$/ });
    await expect(detail.locator('header .badge')).toHaveText('succeeded', { timeout: 300_000 });
    const targets = detail.getByRole('table', { name: 'Machines in this deployment' }).getByRole('row');
    for (const m of fleet) await expect(targets.filter({ hasText: m.name }), m.name).toContainText('updated');
    await expect(targets.filter({ hasText: canary.name })).toContainText('Canary');

    // Canary first, read from the job log (lines in the order they were written): the canary logged its end
    // before either other machine logged anything.
    const lines = await detail.getByRole('list', { name: 'Deployment log' }).getByRole('listitem').allInnerTexts();
    const of = (address: string): number[] => lines.flatMap((l, i) => (l.includes(` ${address}: `) ? [i] : []));
    const canaryDone = lines.findIndex((l) => l.includes(` ${canary.address}: Done in `));
    expect(canaryDone, lines.join('\n')).toBeGreaterThanOrEqual(0);
    for (const m of others) {
      const mine = of(m.address);
      expect(mine.length, `${m.name} logged nothing`).toBeGreaterThan(0);
      expect(Math.min(...mine), `${m.name} started before the canary finished:\n${lines.join('\n')}`).toBeGreaterThan(canaryDone);
    }
    for (const m of fleet) {
      expect(lines.some((l) => l.includes(` ${m.address}: Verified: approved versions installed`)), `${m.name} verified`).toBe(true);
      expect(onMachine(m.host), m.name).toEqual(versions(m.scenario, 'newest'));
    }

    await detail.getByRole('button', { name: 'Roll back deployment' }).click();
    await app.getByRole('dialog', { name: 'Roll back?' }).getByRole('button', { name: 'Roll back' }).click();
    const rollback = app.getByRole('region', { name: /^Deployment \d+$/ });
    await expect(rollback).toContainText('Rolls back deployment');
    await expect(rollback.locator('header .badge')).toHaveText('succeeded', { timeout: 300_000 });
    const rlines = await rollback.getByRole('list', { name: 'Deployment log' }).getByRole('listitem').allInnerTexts();
    for (const m of fleet) {
      expect(rlines.some((l) => l.includes(` ${m.address}: Rollback verified: every package is at its snapshot version`)), `${m.name}:\n${rlines.join('\n')}`).toBe(true);
      expect(onMachine(m.host), m.name).toEqual(versions(m.scenario, 'installed'));
    }
    const history = app.getByRole('table', { name: 'Deployment history' });
    await expect(history.getByRole('row').filter({ hasText: '9 updates on 3 machines' })).toContainText('3 rolled back');
  });
});
