import { describe, expect, it } from 'vitest';
import { fixtureSections } from './fake-remote';
import { macos, parseMacFacts, parseSoftwareUpdateList, softwareUpdatesToPending } from './macos';
import { FakeRemote } from './fake-remote';
import { parseSwVers } from './os-release';

const s = fixtureSections('macos/softwareupdate.txt');

describe('softwareupdate -l', () => {
  it('reads the pre-Catalina format (Mojave, Salt fixture)', () => {
    expect(parseSoftwareUpdateList(s.get('mojave') ?? '')).toEqual([
      { label: 'Command Line Tools (macOS Mojave version 10.14) for Xcode-10.3', title: 'Command Line Tools (macOS Mojave version 10.14) for Xcode', version: '10.3', sizeKiB: 199140, recommended: true, action: null },
      { label: 'macOS 10.14.1 Update', title: 'macOS 10.14.1 Update', version: '10.14.1', sizeKiB: 199140, recommended: true, action: 'restart' },
      { label: 'BridgeOSUpdateCustomer', title: 'BridgeOSUpdateCustomer', version: '10.14.4.1.1.1555388607', sizeKiB: 328394, recommended: true, action: 'shut down' },
      { label: 'iCal-1.0.2', title: 'iCal', version: '1.0.2', sizeKiB: 6520, recommended: false, action: null },
    ]);
  });
  it('reads the Catalina+ format (Salt fixture)', () => {
    const u = parseSoftwareUpdateList(s.get('catalina') ?? '');
    expect(u.map((x) => [x.label, x.version, x.recommended, x.action])).toEqual([
      ['Command Line Tools beta 5 for Xcode-11.0', '11.0', true, null], ['macOS Catalina Developer Beta-6', '5', true, 'restart'],
      ['BridgeOSUpdateCustomer', '10.15.0.1.1.1560926689', true, 'shut down'], ['iCal-1.0.2', '1.0.2', false, null],
    ]);
  });
  it('reads Monterey/Sonoma output with log noise and KiB sizes (munki fixture)', () => {
    const u = parseSoftwareUpdateList(s.get('sonoma') ?? '');
    expect(u.map((x) => [x.label, x.title, x.version, x.sizeKiB, x.action])).toEqual([
      ['Safari17.6MontereyAuto-17.6', 'Safari', '17.6', 152370, null],
      ['macOS Monterey 12.7.6-21H1320', 'macOS Monterey 12.7.6', '12.7.6', 1765616, 'restart'],
      ['macOS Sonoma 14.6.1-23G93', 'macOS Sonoma 14.6.1', '14.6.1', 6327722, 'restart'],
    ]);
    const pending = softwareUpdatesToPending(u, '12.7.5');
    expect(pending[1]).toMatchObject({ kind: 'os-update', installedVersion: '12.7.5', rebootSuggested: true });
    expect(parseSoftwareUpdateList('Software Update Tool\n\nFinding available software\nNo new software available.\n')).toEqual([]);
  });
  it('keeps a label with trailing whitespace exactly (Salt: "… Supplemental Update- ")', () => {
    const u = parseSoftwareUpdateList('Software Update found the following new or updated software:\n   * macOS Mojave 10.14.6 Supplemental Update- \n    macOS Mojave 10.14.6 Supplemental Update ( ), 1581834K [recommended] [restart]');
    expect(u[0]?.label).toBe('macOS Mojave 10.14.6 Supplemental Update- ');
    expect(u[0]?.version).toBe('');
  });
});

describe('sw_vers and facts', () => {
  it('parses sw_vers (vuls fixtures) and refuses other text', () => {
    expect(parseSwVers(s.get('sw-vers-macos') ?? '')).toMatchObject({ id: 'macos', versionId: '13.4.1', prettyName: 'macOS 13.4.1 (22F82)' });
    expect(parseSwVers(s.get('sw-vers-macosx') ?? '')?.versionId).toBe('10.3');
    expect(parseSwVers('ProductName:\t\tMacOS\nProductVersion:\t\t13.4.1')).toBeNull();
  });
  it('builds facts', () => {
    const f = parseMacFacts(s.get('sw-vers-macos') ?? '', '22.5.0 arm64\n', 'mac1\n', '{ sec = 1700000000, usec = 0 } Tue Nov 14 22:13:20 2023\n');
    expect(f).toMatchObject({ osId: 'macos', osVersion: '13.4.1', kernel: '22.5.0', arch: 'arm64', hostname: 'mac1', bootTime: '2023-11-14T22:13:20.000Z' });
  });
  it('refuses rollback and hostile labels', async () => {
    const r = await macos.downgradeExact(new FakeRemote(), [{ name: 'macOS Sonoma 14.6.1-23G93', version: '14.6.1' }]);
    expect(r.ok).toBe(false);
    await expect(macos.installExact(new FakeRemote(), [{ name: '--all', version: '1' }])).rejects.toThrow(/Refusing/);
  });
});
