/**
 * The macOS deployer through the one pipeline, on a Mac made of recorded outputs (platforms/fixtures/SOURCES.md):
 * munki's `softwareupdate -l` of a Monterey machine, Homebrew's own `brew outdated --json=v2` and `brew list
 * --versions`. The machine's state changes only as the tools would change it (an installed label leaves the list,
 * an upgraded formula shows its new version), so what is asserted is Patchwell's reading and recording of it.
 */
import { describe, expect, it } from 'vitest';
import { FakeRemote, fixtureSections } from '../../platforms/fake-remote';
import { BREW_NOTE } from '../../platforms/homebrew';
import { macos, OS_UPDATE_NOTE, parseMacFacts, parseSoftwareUpdateList, softwareUpdatesToPending } from '../../platforms/macos';
import { brewToPending, parseBrewOutdated } from '../../platforms/homebrew';
import { fakeMachine } from './fake-machine';
import { macosDeployer } from './macos';
import { deployWith, rollbackWith } from './pipeline';

const su = fixtureSections('macos/softwareupdate.txt');
const brewOut = fixtureSections('macos/brew.txt');
const SAFARI = 'Safari17.6MontereyAuto-17.6';
const MONTEREY = 'macOS Monterey 12.7.6-21H1320';

/** A Monterey Mac with Homebrew's testball 0.0.1 installed and 0.1 in its tap. */
function mac(over: { outdated?: string; upgradeCode?: number; installCode?: number; osAfterRestart?: string; brokenBrew?: boolean; withDependency?: boolean } = {}) {
  const state = { os: '12.7.5', boot: 1_700_000_000, offered: su.get('sonoma') ?? '', outdated: over.outdated ?? brewOut.get('outdated-v2') ?? '', list: 'testball 0.0.1\n' };
  const swVers = (): string => `ProductName:\t\tmacOS\nProductVersion:\t\t${state.os}\nBuildVersion:\t\t21H1222\n`;
  // softwareupdate drops an installed label (and its detail line) from its list.
  const install = (label: string): void => {
    state.offered = state.offered.replace(new RegExp(`^\\* Label: ${label.replace(/[.()+]/g, '\\$&')}\\n.*\\n`, 'm'), '');
  };
  const remote = new FakeRemote('studio-mac')
    .on(['sw_vers'], () => ({ stdout: swVers() }))
    .on(['uname', '-rm'], { stdout: '21.6.0 arm64\n' })
    .on(['hostname'], { stdout: 'studio-mac\n' })
    .on(['sysctl', '-n', 'kern.boottime'], () => ({ stdout: `{ sec = ${state.boot}, usec = 0 } Tue Nov 14 22:13:20 2023\n` }))
    .on(['softwareupdate', '-l'], () => ({ stdout: state.offered }))
    .on(['df', '-Pk', '/'], { stdout: 'Filesystem     1024-blocks      Used Available Capacity  Mounted on\n/dev/disk3s1s1   482797652  10402728 174524648     6%    /\n' })
    .on('script:brew', (c) => {
      const args = c.argv.slice(1).join(' ');
      if (over.brokenBrew) return { code: 1, stderr: 'Error: Running Homebrew as root is extremely dangerous and no longer supported.\n' };
      if (args === 'outdated --json=v2 --formula') return { stdout: state.outdated };
      if (args === 'list --formula --versions') return { stdout: state.list };
      if (args === 'upgrade --formula testball') {
        if (over.upgradeCode) return { code: over.upgradeCode, stderr: 'Error: testball: An exception occurred within a child process:\n  Errno::EACCES: Permission denied\n' };
        state.list = over.withDependency ? 'libfoo 2.0\ntestball 0.1\n' : 'testball 0.1\n';
        state.outdated = '{\n  "formulae": [],\n  "casks": []\n}\n';
        return {};
      }
      return { code: 64, stderr: `unexpected brew ${args}` };
    })
    .on(['shutdown', '-r', 'now'], () => {
      state.boot += 600;
      if (!state.offered.includes(MONTEREY)) state.os = over.osAfterRestart ?? '12.7.6';
      return { code: null, timedOut: true };
    });
  for (const labels of [[SAFARI], [MONTEREY], [SAFARI, MONTEREY]]) {
    remote.on(['softwareupdate', '--install', '--agree-to-license', ...labels], () => {
      if (over.installCode) return { code: over.installCode, stderr: 'Error downloading updates.\n' };
      labels.forEach(install);
      return { stdout: 'Software Update Tool\n\nFinding available software\n\nDone.\n' };
    });
  }
  return { remote, state, facts: parseMacFacts(swVers(), '21.6.0 arm64', 'studio-mac', `{ sec = ${state.boot}, usec = 0 }`) };
}

function machine(over: Parameters<typeof mac>[0] & { approve: string[]; allowReboot?: boolean }) {
  const x = mac(over);
  const updates = [...softwareUpdatesToPending(parseSoftwareUpdateList(x.state.offered), '12.7.5'), ...brewToPending(parseBrewOutdated(brewOut.get('outdated-v2') ?? ''))];
  const f = fakeMachine(x.remote, {
    platform: 'macos', facts: x.facts, installed: [{ name: 'macOS', arch: '', version: '12.7.5' }, { name: 'testball', arch: '', version: '0.0.1' }], updates,
    approve: over.approve, settings: { allowReboot: over.allowReboot ?? false },
  });
  return { ...x, ...f };
}

describe('macOS deployer: softwareupdate and Homebrew through the pipeline', () => {
  it('installs an Apple update as root and a formula as the login user, records both, and said before approval there is no way back', async () => {
    const t = machine({ approve: [SAFARI, 'testball'] });
    const notes = t.db.prepare('SELECT package, note FROM pending_updates ORDER BY package').all() as { package: string; note: string }[];
    expect(notes.find((n) => n.package === SAFARI)?.note).toBe(OS_UPDATE_NOTE);
    expect(notes.find((n) => n.package === 'testball')?.note).toBe(BREW_NOTE);

    expect(await deployWith(macosDeployer, t.m)).toBe('succeeded');
    expect(t.target()).toMatchObject({ state: 'succeeded', step: 'done' });
    expect(t.items()).toEqual({ [SAFARI]: { state: 'installed', version: '17.6' }, testball: { state: 'installed', version: '0.1' } });
    expect(t.pending()).toEqual({ [MONTEREY]: '12.7.6', 'macOS Sonoma 14.6.1-23G93': '14.6.1' });
    expect(t.hostPackages()).toEqual({ macOS: '12.7.5', testball: '0.1' });
    expect(t.auditActions()).toEqual(['deploy.snapshot', 'deploy.install']);
    const calls = t.remote.calls.filter((c) => c.argv[0] === 'softwareupdate' && c.argv[1] === '--install' || c.argv[1] === 'upgrade');
    expect(calls.map((c) => [c.argv.join(' '), c.options?.sudo ?? false])).toEqual([
      ['script:brew upgrade --formula testball', false],
      [`softwareupdate --install --agree-to-license ${SAFARI}`, true],
    ]);
    expect(t.log()).toMatch(/warn: No snapshot on macOS: macOS 12\.7\.5 \(21H1222\) and 1 Homebrew formula versions recorded\. Apple and Homebrew keep no older versions/);
    expect(((t.db.prepare('SELECT reboot_required FROM hosts').get() as { reboot_required: number }).reboot_required)).toBe(0);
  });

  it('says which formulae brew upgraded or installed along with the approved one', async () => {
    const t = machine({ approve: ['testball'], withDependency: true });
    expect(await deployWith(macosDeployer, t.m)).toBe('succeeded');
    expect(t.log()).toMatch(/warn: Homebrew also upgraded or installed, with the approved formulae: libfoo \(new\) → 2\.0/);
  });

  it('refuses before any change a formula version the tap no longer offers: Homebrew installs only the newest', async () => {
    const newer = (brewOut.get('outdated-v2') ?? '').replace('"current_version": "0.1"', '"current_version": "0.2"');
    const t = machine({ approve: ['testball'], outdated: newer });
    expect(await deployWith(macosDeployer, t.m)).toBe('failed');
    expect(t.target().failure?.message).toBe('preflight: Preflight stopped this machine before any change: Homebrew can only install the newest version of a formula from its tap: testball is offered at 0.2 now, not the approved 0.1. Assess the machine again and approve 0.2');
    expect(t.remote.calls.some((c) => c.argv[1] === 'upgrade')).toBe(false);
    expect(t.auditActions()).toEqual([]);
    expect(t.db.prepare('SELECT count(*) AS n FROM snapshots').get()).toEqual({ n: 0 });
  });

  it('refuses a pinned formula and an update that needs the Mac shut down', async () => {
    const pinned = (brewOut.get('outdated-v2') ?? '').replace('"pinned": false', '"pinned": true');
    const t = machine({ approve: ['testball'], outdated: pinned });
    expect(await deployWith(macosDeployer, t.m)).toBe('failed');
    expect(t.target().failure?.message).toMatch(/testball is pinned \(brew pin\)/);

    // Salt's Catalina recording offers BridgeOSUpdateCustomer with "Action: shut down".
    const x = mac();
    x.state.offered = su.get('catalina') ?? '';
    const updates = softwareUpdatesToPending(parseSoftwareUpdateList(x.state.offered), '12.7.5');
    const b = fakeMachine(x.remote, { platform: 'macos', facts: x.facts, installed: [{ name: 'macOS', arch: '', version: '12.7.5' }], updates, approve: ['BridgeOSUpdateCustomer'] });
    expect(await deployWith(macosDeployer, b.m)).toBe('failed');
    expect(b.target().failure?.message).toMatch(/BridgeOSUpdateCustomer needs the Mac shut down and started again by hand/);
  });

  it('restarts for an update that asks for it when the machine allows it, and checks the Mac came back on the new version', async () => {
    const t = machine({ approve: [MONTEREY], allowReboot: true });
    expect(await deployWith(macosDeployer, t.m)).toBe('succeeded');
    const shutdown = t.remote.calls.find((c) => c.argv[0] === 'shutdown');
    expect(shutdown?.options?.sudo).toBe(true);
    expect(t.log()).toMatch(/info: Back after the restart \(booted 2023-11-14T22:23:20\.000Z\), macOS 12\.7\.6/);
    expect(t.auditActions()).toEqual(['deploy.snapshot', 'deploy.install', 'deploy.reboot']);
    expect(t.hostPackages().macOS).toBe('12.7.6');
    expect(t.pending()[MONTEREY]).toBeUndefined();

    // Only Apple's list is read for Apple's updates: Homebrew's is not asked.
    expect(t.remote.calls.filter((c) => c.argv[0] === 'script:brew').map((c) => c.argv[1])).not.toContain('outdated');

    const wrong = machine({ approve: [MONTEREY], allowReboot: true, osAfterRestart: '12.7.5' });
    expect(await deployWith(macosDeployer, wrong.m)).toBe('rollback-failed');
    expect(wrong.target().failure?.message).toBe('reboot: After the restart the Mac runs macOS 12.7.5, not 12.7.6');

    const noReboot = machine({ approve: [MONTEREY] });
    expect(await deployWith(macosDeployer, noReboot.m)).toBe('succeeded');
    expect(noReboot.remote.calls.some((c) => c.argv[0] === 'shutdown')).toBe(false);
    expect(noReboot.db.prepare('SELECT reboot_required, reboot_reasons FROM hosts').get()).toEqual({ reboot_required: 1, reboot_reasons: JSON.stringify([`${MONTEREY} asks for a restart`]) });
  });

  it('a failed upgrade with nothing changed ends rolled back; one that leaves an Apple update installed says it cannot be rolled back', async () => {
    const t = machine({ approve: ['testball'], upgradeCode: 1 });
    expect(await deployWith(macosDeployer, t.m)).toBe('rolled-back');
    expect(t.target().failure?.message).toBe('install: The install did not reach the approved versions: testball is 0.0.1, not 0.1');
    expect(t.target().failure?.stderrTail).toMatch(/Errno::EACCES: Permission denied/);
    expect(t.items()).toEqual({ testball: { state: 'rolled-back', version: '0.0.1' } });
    expect(t.auditActions()).toEqual(['deploy.snapshot', 'deploy.install', 'deploy.rollback']);

    const both = machine({ approve: [SAFARI, 'testball'], upgradeCode: 1 });
    expect(await deployWith(macosDeployer, both.m)).toBe('rollback-failed');
    expect(both.items()).toEqual({ [SAFARI]: { state: 'installed', version: '17.6' }, testball: { state: 'rolled-back', version: '0.0.1' } });
    expect(both.auditActions()).toEqual(['deploy.snapshot', 'deploy.install', 'deploy.rollback-failed']);
    expect(both.log()).toMatch(/error: Cannot be rolled back on macOS, and stays installed: Safari17\.6MontereyAuto-17\.6 17\.6\. Apple and Homebrew keep no older versions/);
  });

  it('a broken Homebrew does not stop an Apple update, and is named when a formula cannot be found', async () => {
    const t = machine({ approve: [SAFARI], brokenBrew: true });
    expect(await deployWith(macosDeployer, t.m)).toBe('succeeded');
    const b = machine({ approve: ['testball'], brokenBrew: true });
    expect(await deployWith(macosDeployer, b.m)).toBe('failed');
    expect(b.target().failure?.message).toMatch(/testball is not offered by Software Update any more .* and is not an installed Homebrew formula$/);
    expect(b.target().failure?.stderrTail).toMatch(/Homebrew could not list its formulae: .*Running Homebrew as root/);
  });

  it('a rollback asked for after a success changes nothing and names what stays', async () => {
    const t = machine({ approve: ['testball'] });
    expect(await deployWith(macosDeployer, t.m)).toBe('succeeded');
    const { id: snapshotId } = t.db.prepare('SELECT id FROM snapshots').get() as { id: number };
    const before = t.remote.calls.length;
    expect(await rollbackWith(macosDeployer, t.m, snapshotId, 'manual', 'asked by the user')).toBe(false);
    // Reads only: nothing is upgraded, removed or installed by the rollback.
    expect(t.remote.calls.slice(before).map((c) => c.argv.slice(0, 2).join(' ')).filter((a) => /upgrade|install|uninstall/.test(a))).toEqual([]);
    expect(t.db.prepare('SELECT state FROM snapshots WHERE id = ?').get(snapshotId)).toEqual({ state: 'failed' });
    expect(t.log()).toMatch(/stays installed: testball 0\.1/);
    expect(await macos.installedPackages(t.remote)).toContainEqual({ name: 'testball', arch: '', version: '0.1' });
  });
});
