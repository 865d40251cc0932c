import { describe, expect, it } from 'vitest';
import { FakeRemote, fixtureSections } from './fake-remote';
import { BREW_NOTE, brewInstalled, brewOutdated, brewToPending, brewUpgrade, isBrewFormula, parseBrewList, parseBrewOutdated } from './homebrew';
import { macos, OS_UPDATE_NOTE } from './macos';

const brew = fixtureSections('macos/brew.txt');
const su = fixtureSections('macos/softwareupdate.txt');

describe('Homebrew outputs (Homebrew test fixtures)', () => {
  it('reads brew outdated --json=v2', () => {
    expect(parseBrewOutdated(brew.get('outdated-v2') ?? '')).toEqual([{ name: 'testball', installedVersions: ['0.0.1'], currentVersion: '0.1', pinned: false }]);
    expect(parseBrewOutdated('{"formulae":[],"casks":[]}')).toEqual([]);
    expect(() => parseBrewOutdated('{"casks":[]}')).toThrow(/no "formulae"/);
  });
  it('reads brew list --formula --versions, the newest of several kept versions', () => {
    expect(parseBrewList(brew.get('list-versions') ?? '')).toEqual([{ name: 'bar', arch: '', version: '1.0' }, { name: 'foo', arch: '', version: '1.0' }, { name: 'qux', arch: '', version: '1.0' }]);
    expect(parseBrewList('openssl@3 3.3.10 3.3.9_1\n')).toEqual([{ name: 'openssl@3', arch: '', version: '3.3.10' }]);
  });
  it('makes pending updates that say before approval there is no way back, and holds pinned formulae', () => {
    const outdated = parseBrewOutdated((brew.get('outdated-v2') ?? '').replace('"pinned": false', '"pinned": true'));
    expect(brewToPending(outdated)).toEqual([expect.objectContaining({ name: 'testball', installedVersion: '0.0.1', candidateVersion: '0.1', source: 'Homebrew', held: true, note: BREW_NOTE })]);
  });
  it('refuses names that could be options or paths', () => {
    expect(isBrewFormula('openssl@3')).toBe(true);
    expect(isBrewFormula('homebrew/cask-versions/foo')).toBe(true);
    expect(isBrewFormula('--force')).toBe(false);
    expect(isBrewFormula('../x')).toBe(false);
  });
});

describe('Homebrew on the machine', () => {
  it('runs brew as the login user, never through sudo, and reads a Mac without Homebrew as none', async () => {
    const r = new FakeRemote().on('script:brew', (c) => (c.argv[1] === 'outdated' ? { stdout: brew.get('outdated-v2') } : { stdout: 'testball 0.0.1\n' }));
    expect(await brewOutdated(r)).toHaveLength(1);
    expect(await brewInstalled(r)).toEqual([{ name: 'testball', arch: '', version: '0.0.1' }]);
    expect(r.calls.map((c) => [c.argv.slice(1).join(' '), c.options?.sudo ?? false])).toEqual([['outdated --json=v2 --formula', false], ['list --formula --versions', false]]);
    const none = new FakeRemote().on('script:brew', { code: 69 });
    expect(await brewOutdated(none)).toBeNull();
    expect(await brewInstalled(none)).toEqual([]);
    expect(await brewUpgrade(none, ['testball'])).toMatchObject({ ok: false, errors: ['Homebrew is not installed on this machine'] });
    await expect(brewUpgrade(none, ['--all'])).rejects.toThrow(/Refusing/);
  });

  it('assessment lists Apple updates and Homebrew formulae, each with its note; a broken brew is a warning', async () => {
    const r = new FakeRemote()
      .on(['softwareupdate', '-l'], { stdout: su.get('sonoma') })
      .on(['sw_vers'], { stdout: 'ProductName:\t\tmacOS\nProductVersion:\t\t12.7.5\nBuildVersion:\t\t21H1222\n' })
      .on('script:brew', { stdout: brew.get('outdated-v2') });
    const p = await macos.pendingUpdates(r);
    expect(p.updates.map((u) => [u.name, u.source, u.note])).toEqual([
      ['Safari17.6MontereyAuto-17.6', 'Apple Software Update', OS_UPDATE_NOTE],
      ['macOS Monterey 12.7.6-21H1320', 'Apple Software Update', OS_UPDATE_NOTE],
      ['macOS Sonoma 14.6.1-23G93', 'Apple Software Update', OS_UPDATE_NOTE],
      ['testball', 'Homebrew', BREW_NOTE],
    ]);
    const broken = new FakeRemote()
      .on(['softwareupdate', '-l'], { stdout: su.get('sonoma') })
      .on(['sw_vers'], { stdout: 'ProductName:\t\tmacOS\nProductVersion:\t\t12.7.5\n' })
      .on('script:brew', { code: 1, stderr: 'Error: Running Homebrew as root is extremely dangerous and no longer supported.' });
    const b = await macos.pendingUpdates(broken);
    expect(b.updates).toHaveLength(3);
    expect(b.warnings[0]).toMatch(/^brew outdated failed/);
  });
});
