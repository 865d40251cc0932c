import { describe, expect, it } from 'vitest';
import { assess } from './assess';
import { debian } from './debian';
import { FakeRemote, fixture } from './fake-remote';
import { detectPlatform, probeOs, WINDOWS_OS } from './index';
import { parseOsRelease } from './os-release';
import { detectFamily } from './platform';

describe('detectPlatform', () => {
  const cases: [string, string | null][] = [
    ['ID=debian', 'debian'], ['ID=ubuntu\nID_LIKE=debian', 'debian'], ['ID=raspbian\nID_LIKE=debian', 'debian'],
    ['ID=linuxmint\nID_LIKE="ubuntu debian"', 'debian'], ['ID="rhel"\nID_LIKE="fedora"', 'rhel'], ['ID="centos"', 'rhel'],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"', 'rhel'], ['ID="almalinux"', 'rhel'], ['ID=fedora', 'rhel'], ['ID="ol"', 'rhel'],
    ['ID="amzn"\nID_LIKE="fedora"', 'rhel'], ['ID="sles"', 'suse'], ['ID="opensuse-leap"\nID_LIKE="suse opensuse"', 'suse'],
    ['ID="opensuse-tumbleweed"', 'suse'], ['ID=alpine', 'alpine'], ['ID=arch', null], ['', null],
  ];
  it.each(cases)('%j → %s', (text, want) => {
    expect(detectFamily(parseOsRelease(text))).toBe(want);
    expect(detectPlatform(parseOsRelease(text))?.id ?? null).toBe(want);
  });
  it('parses quoting in os-release', () => {
    const os = parseOsRelease(fixture('debian/facts-script.txt').split('@@hostname')[0] ?? '');
    expect(os).toMatchObject({ id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
    expect(parseOsRelease('NAME="a \\"b\\" \\$c"\nX=\'lit $x\'').raw).toEqual({ NAME: 'a "b" $c', X: 'lit $x' });
  });
  it('probes macOS through sw_vers when there is no os-release', async () => {
    const host = new FakeRemote()
      .on(['cat', '/etc/os-release'], { code: 1, stderr: 'cat: /etc/os-release: No such file or directory' })
      .on(['sw_vers'], { stdout: 'ProductName:\t\tmacOS\nProductVersion:\t\t14.6.1\nBuildVersion:\t\t23G93\n' });
    const os = await probeOs(host);
    expect(detectPlatform(os)?.id).toBe('macos');
  });
  it("recognises Windows' OpenSSH by its shell's replies, with cmd.exe or PowerShell as the default shell", async () => {
    const cmd = new FakeRemote()
      .on(['cat', '/etc/os-release'], { code: 1, stderr: "'cat' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n" })
      .on(['sw_vers'], { code: 1, stderr: "'sw_vers' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n" });
    expect(await probeOs(cmd)).toBe(WINDOWS_OS);
    const pwsh = new FakeRemote()
      .on(['cat', '/etc/os-release'], { code: 1, stderr: "cat : Cannot find path 'C:\\etc\\os-release' because it does not exist.\r\n" })
      .on(['sw_vers'], { code: 1, stderr: "sw_vers : The term 'sw_vers' is not recognized as the name of a cmdlet, function, script file, or operable program.\r\n" });
    expect(await probeOs(pwsh)).toBe(WINDOWS_OS);
    expect(detectPlatform(WINDOWS_OS)).toBeNull();
    // A Unix without either still fails as before, naming the command.
    const odd = new FakeRemote()
      .on(['cat', '/etc/os-release'], { code: 1, stderr: 'cat: /etc/os-release: No such file or directory' })
      .on(['sw_vers'], { code: 127, stderr: 'sh: sw_vers: not found' });
    await expect(probeOs(odd)).rejects.toThrow(/sw_vers/);
  });
});

describe('assess', () => {
  it('runs every step and records failures without stopping', async () => {
    const host = new FakeRemote()
      .on('script:debian-facts', { stdout: fixture('debian/facts-script.txt') })
      .on(['dpkg-query', '-W', '-f=${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n'], { stdout: fixture('debian/dpkg-query.txt') })
      .on(['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], { code: 100, stderr: 'E: Could not open lock file\n' })
      .on(['dpkg', '--audit'], { stdout: '' });
    const a = await assess(debian, host);
    expect(a.facts?.hostname).toBe('vm');
    expect(a.installed?.length).toBeGreaterThan(30);
    expect(a.pending).toBeNull();
    expect(a.errors).toEqual([{ step: 'pending', message: expect.stringMatching(/exit code 100.*Could not open lock file/) }]);
    expect(a.health).toEqual({ ok: true, problems: [] });
  });
});
