import { describe, expect, it } from 'vitest';
import { fixture } from './fake-remote';
import { parseXml } from './mini-xml';
import { parseSuseFacts, parseZypperListPatches, parseZypperListUpdates, parseZypperPs } from './suse';

describe('zypper --xmlout', () => {
  it('reads list-updates with edition-old (openSUSE Leap 16)', () => {
    const u = parseZypperListUpdates(fixture('suse/list-updates-leap16.xml'));
    expect(u.map((x) => [x.name, x.installedVersion, x.candidateVersion, x.arch])).toEqual([
      ['kernel-default', '6.12.0-160000.7.1', '6.12.0-160000.8.1', 'aarch64'],
      ['kernel-default-extra', '6.12.0-160000.7.1', '6.12.0-160000.8.1', 'aarch64'],
      ['kernel-default-optional', '6.12.0-160000.7.1', '6.12.0-160000.8.1', 'aarch64'],
      ['qemu-guest-agent', '10.0.4-160000.1.1', '10.0.7-160000.1.1', 'aarch64'],
    ]);
    expect(u[0]?.source).toBe('https-download.opensuse.org-4bc031d9');
  });
  it('reads list-updates from older zypper without edition-old (SLES 12 SP1, Salt fixture)', () => {
    const u = parseZypperListUpdates(fixture('suse/list-updates-sle12.xml'));
    expect(u.map((x) => [x.name, x.installedVersion, x.candidateVersion, x.source])).toEqual([
      ['SUSEConnect', null, '0.2.33-7.1', 'SLE12-SP1-x86_64-Update'],
      ['bind-libs', null, '9.9.6P1-35.1', 'SLE12-SP1-x86_64-Update'],
      ['bind-utils', null, '9.9.6P1-35.1', 'SLE12-SP1-x86_64-Update'],
    ]);
  });
  it('reads list-patches: IDs, category, severity, CVEs, issue date, restart', () => {
    const p = parseZypperListPatches(fixture('suse/list-patches-leap16.xml'));
    expect(p).toHaveLength(2);
    expect(p[0]).toMatchObject({
      name: 'openSUSE-Leap-16.0-112', kind: 'patch', isSecurity: true, severity: 'important', cves: ['CVE-2025-11234', 'CVE-2025-12464'],
      advisories: [{ id: 'openSUSE-Leap-16.0-112', type: 'security', origin: 'zypper-patch', publishedAt: '2025-12-18T12:42:03.000Z' }],
    });
    expect(p[0]?.rebootSuggested).toBeUndefined();
    expect(p[1]).toMatchObject({ name: 'openSUSE-Leap-16.0-113', rebootSuggested: true, cves: ['CVE-2025-40168', 'CVE-2025-40169', 'CVE-2025-40171'] });
  });
  it('reads what the lab\'s real zypper 1.14 printed: epochs in editions, one patch per advisory with CVEs, severity and date', () => {
    const u = parseZypperListUpdates(fixture('suse/lab-list-updates.xml'));
    expect(u.map((x) => [x.name, x.installedVersion, x.candidateVersion, x.arch, x.source])).toEqual([
      ['pw-rpm-a', '1.0-1', '1.1-1', 'noarch', 'pw-fixture'],
      ['pw-rpm-b', '2.0-1', '2.0-2', 'noarch', 'pw-fixture'],
      ['pw-rpm-c', '1:0.9-1', '1:1.0-1', 'noarch', 'pw-fixture'],
    ]);
    const p = parseZypperListPatches(fixture('suse/lab-list-patches.xml'));
    expect(p.map((x) => [x.name, x.severity, x.cves, x.advisories[0]?.publishedAt])).toEqual([
      ['openSUSE-SU-2024:1402-1', 'important', ['CVE-2021-44228', 'CVE-2024-3094'], '2024-04-02T10:00:00.000Z'],
      ['openSUSE-SU-2024:4701-1', 'moderate', ['CVE-2023-4863', 'CVE-2024-6387'], '2024-07-01T10:00:00.000Z'],
      ['openSUSE-SU-2024:0815-1', 'low', ['CVE-2023-38545'], '2024-02-15T10:00:00.000Z'],
      ['openSUSE-SU-2024:0605-1', 'moderate', ['CVE-2021-4034'], '2024-02-05T10:00:00.000Z'],
      ['openSUSE-SU-2024:7007-1', 'critical', ['CVE-2022-0847', 'CVE-2024-47176'], '2024-10-07T10:00:00.000Z'],
    ]);
    expect(p.every((x) => x.isSecurity && x.kind === 'patch' && x.source === 'pw-fixture')).toBe(true);
  });
  it('decodes entities and refuses broken XML', () => {
    const doc = parseXml('<a x="&lt;&amp;&#65;&#x42;">t&apos;s<![CDATA[<raw>]]><b/></a>');
    expect(doc.children[0]?.attrs.x).toBe('<&AB');
    expect(doc.children[0]?.text).toBe("t's<raw>");
    expect(() => parseXml('<stream><update-status><update-list><update></update-list></update-status></stream>')).toThrow(/closes/);
  });
});

describe('SUSE facts and zypper ps', () => {
  it('maps kernel-default to the uname release and reads needs-rebooting', () => {
    const f = parseSuseFacts(['@@os-release', 'ID="sles"', 'VERSION_ID="15.6"', '@@kernel', '6.4.0-150600.23.22-default', '@@arch', 'x86_64',
      '@@kernels', 'kernel-default 0 6.4.0 150600.23.22.1 x86_64', 'kernel-default 0 6.4.0 150600.23.25.1 x86_64',
      '@@needs-rebooting', '102', '@@end'].join('\n'));
    expect(f.newestKernel).toBe('6.4.0-150600.23.25-default');
    expect(f.rebootReasons).toHaveLength(2);
  });
  it('reads the Service column of zypper ps -s (constructed table, see fixture)', () => {
    expect(parseZypperPs(fixture('suse/zypper-ps-s.txt'))).toEqual(['sshd', 'cron']);
  });
});
