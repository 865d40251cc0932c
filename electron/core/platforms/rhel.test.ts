import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureSections, FakeRemote } from './fake-remote';
import { buildRhelUpdates, newestRpmKernel, parseRhelFacts, rhel, RHEL_FACTS_SCRIPT } from './rhel';
import {
  highestSeverity, parseCheckUpdate, parseNeedsRestartingR, parseNevra, parseRpmQa, parseUpdateinfoInfo, parseUpdateinfoList,
} from './rpm-parse';

describe('rpm -qa (AlmaLinux 9, vuls fixture)', () => {
  const rows = parseRpmQa(fixture('rhel/rpm-qa.txt'));
  it('reads name, EVR and arch, ignoring extra fields', () => {
    expect(rows[0]).toEqual({ name: 'dnf', arch: 'noarch', version: '4.14.0-17.el9.alma.1' });
    expect(rows[1]).toEqual({ name: 'nginx', arch: 'x86_64', version: '1:1.24.0-4.module_el9.5.0+122+220a1c6b.alma.1' });
    expect(parseRpmQa('package foo is not installed\n')).toEqual([]);
  });
  it('finds the newest kernel as uname -r spells it', () => {
    expect(newestRpmKernel(fixture('rhel/rpm-qa.txt').split('\n').filter((l) => l.startsWith('kernel ')).join('\n')))
      .toBe('5.14.0-503.15.1.el9_5.x86_64');
  });
});

describe('check-update', () => {
  it('reads rows (reconstructed ci-dnf-stack output)', () => {
    expect(parseCheckUpdate(fixture('rhel/check-update.txt'))).toEqual([
      { name: 'glibc', arch: 'x86_64', evr: '2.28-26.fc29', repo: 'dnf-ci-fedora-updates' },
      { name: 'glibc-all-langpacks', arch: 'x86_64', evr: '2.28-26.fc29', repo: 'dnf-ci-fedora-updates' },
      { name: 'glibc-common', arch: 'x86_64', evr: '2.28-26.fc29', repo: 'dnf-ci-fedora-updates' },
    ]);
  });
  it('joins wrapped long names and stops at Obsoleting Packages (layout as yum/dnf print it; constructed)', () => {
    const text = 'Last metadata expiration check: 0:10:00 ago on Mon 01 Jan 2024.\n\nopenssl-libs.x86_64   1:3.0.7-27.el9   baseos\n' +
      'a-very-long-package-name-that-wraps.noarch\n                      2.0-1.el9        appstream\nObsoleting Packages\nfoo.noarch 1.0-1 repo\n';
    expect(parseCheckUpdate(text).map((r) => `${r.name} ${r.evr} ${r.repo}`)).toEqual([
      'openssl-libs 1:3.0.7-27.el9 baseos', 'a-very-long-package-name-that-wraps 2.0-1.el9 appstream',
    ]);
  });
});

describe('updateinfo', () => {
  it('reads dnf4 list rows (insights-core Fedora 32 fixture)', () => {
    const rows = parseUpdateinfoList(fixture('rhel/dnf-updateinfo-list-fedora32.txt'));
    expect(rows).toHaveLength(12);
    expect(rows[8]).toMatchObject({ id: 'FEDORA-2020-352b61ce72', type: 'bugfix', nevra: { name: 'iwl1000-firmware', evr: '1:39.31.5.1-115.fc32', arch: 'noarch' } });
    expect(rows[11]).toMatchObject({ type: 'security', severity: 'Moderate', nevra: { name: 'iwl2000-firmware' } });
  });
  it('reads the installed-marker form and dnf4 info blocks (ci-dnf-stack, RHEL docs)', () => {
    const s = fixtureSections('rhel/dnf4-updateinfo.txt');
    expect(parseUpdateinfoList(s.get('list') ?? '')).toEqual([{
      id: 'FEDORA-2018-318f184113', type: 'security', severity: 'Moderate', issued: null,
      nevra: { name: 'CQRlib', evr: '1.1.2-16.fc29', arch: 'x86_64' },
    }]);
    expect(parseUpdateinfoInfo(s.get('info') ?? '')).toEqual([{
      id: 'FEDORA-2018-318f184000', type: 'bugfix', severity: null, issued: '2019-01-17T00:00:00.000Z', cves: [], rebootSuggested: false,
    }]);
    expect(parseUpdateinfoInfo(s.get('rhel-doc-info') ?? '')).toEqual([{
      id: 'RHSA-2019:0997', type: 'security', severity: null, issued: '2019-05-07T05:41:52.000Z', cves: ['CVE-2019-9636'], rebootSuggested: false,
    }]);
  });
  it('reads dnf5 advisory list and info (ci-dnf-stack)', () => {
    const s = fixtureSections('rhel/dnf5-advisory.txt');
    const list = parseUpdateinfoList(s.get('list') ?? '');
    expect(list).toEqual([
      { id: 'FEDORA-2018-318f184000', type: 'bugfix', severity: null, issued: '2019-01-17T00:00:00Z', nevra: { name: 'glibc', evr: '2.28-26.fc29', arch: 'x86_64' } },
      { id: 'FEDORA-2999:002-02', type: 'enhancement', severity: 'Moderate', issued: '2019-01-17T00:00:00Z', nevra: { name: 'flac', evr: '1.3.3-8.fc29', arch: 'x86_64' } },
    ]);
    const info = parseUpdateinfoInfo(s.get('info') ?? '');
    expect(info.map((i) => [i.id, i.type, i.severity])).toEqual([
      ['FEDORA-2018-318f184000', 'bugfix', null], ['FEDORA-2999:002-02', 'enhancement', 'Moderate'],
    ]);
  });
  it('joins check-update rows with covering advisories', () => {
    const updates = buildRhelUpdates(
      [{ name: 'python3', arch: 'x86_64', evr: '3.6.8-2.el8', repo: 'baseos' }, { name: 'kernel', arch: 'x86_64', evr: '4.18.0-80.el8', repo: 'baseos' }],
      [{ name: 'python3', arch: 'x86_64', version: '3.6.8-1.el8' }, { name: 'kernel', arch: 'x86_64', version: '4.18.0-1.el8' }],
      [
        { id: 'RHSA-2019:0997', type: 'security', severity: 'Important', issued: null, nevra: { name: 'python3', evr: '3.6.8-2.el8', arch: 'x86_64' } },
        { id: 'RHSA-2018:0001', type: 'security', severity: 'Low', issued: null, nevra: { name: 'python3', evr: '3.6.8-1.el8', arch: 'x86_64' } },
      ],
      [{ id: 'RHSA-2019:0997', type: 'security', severity: 'Important', issued: '2019-05-07T05:41:52.000Z', cves: ['CVE-2019-9636'], rebootSuggested: false }],
    );
    expect(updates[0]).toMatchObject({
      isSecurity: true, severity: 'Important', cves: ['CVE-2019-9636'], installedVersion: '3.6.8-1.el8',
      advisories: [{ id: 'RHSA-2019:0997', origin: 'updateinfo', publishedAt: '2019-05-07T05:41:52.000Z' }],
    });
    expect(updates[1]).toMatchObject({ isSecurity: false, advisories: [], rebootSuggested: true });
    expect(highestSeverity(['Low', null, 'Critical', 'Important'])).toBe('Critical');
    expect(parseNevra('iwl1000-firmware-1:39.31.5.1-115.fc32.noarch')).toEqual({ name: 'iwl1000-firmware', evr: '1:39.31.5.1-115.fc32', arch: 'noarch' });
  });
});

describe('facts and needs-restarting', () => {
  it('reads needs-restarting -r (ci-dnf-stack) and flags the newer kernel', () => {
    expect(parseNeedsRestartingR(fixture('rhel/needs-restarting-r.txt'))).toEqual(['glibc', 'kernel']);
    const f = parseRhelFacts([
      '@@os-release', 'ID="rocky"', 'ID_LIKE="rhel centos fedora"', 'VERSION_ID="9.5"', '@@hostname', 'db1',
      '@@kernel', '5.14.0-70.13.1.el9_0.x86_64', '@@arch', 'x86_64', '@@uptime', '5.00 1.00',
      '@@kernels', 'kernel 0 5.14.0 70.13.1.el9_0 x86_64', 'kernel 0 5.14.0 503.15.1.el9_5 x86_64',
      '@@needs-restarting', fixture('rhel/needs-restarting-r.txt'), '@@needs-restarting-rc', '1', '@@end',
    ].join('\n'));
    expect(f.newestKernel).toBe('5.14.0-503.15.1.el9_5.x86_64');
    expect(f.rebootReasons).toEqual([
      'running kernel 5.14.0-70.13.1.el9_0.x86_64, newest installed 5.14.0-503.15.1.el9_5.x86_64',
      'needs-restarting -r: glibc, kernel',
    ]);
  });
});

/**
 * Runs the facts script with a PATH holding only the basic tools and the given programs, so which needs-restarting
 * it finds does not depend on this machine.
 */
function factsWith(programs: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-rhel-facts-'));
  try {
    for (const tool of ['cat', 'uname', 'grep', 'ls', 'hostname']) {
      const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
      if (found) fs.symlinkSync(found, path.join(dir, tool));
    }
    for (const [name, body] of Object.entries(programs)) fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const r = spawnSync('/bin/sh', ['-s'], { input: RHEL_FACTS_SCRIPT, env: { PATH: dir }, encoding: 'utf8' });
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('rhel facts script', () => {
  // Recorded from dnf-plugins-core 4.3's needs-restarting -r (ci-dnf-stack): exit 1 means a reboot is needed.
  const rebootNeeded = `cat <<'EOF'\n${fixture('rhel/needs-restarting-r.txt').trimEnd()}\nEOF\nexit 1`;

  it('asks dnf needs-restarting where the standalone tool (yum-utils) is not installed, as on minimal EL9, starting dnf once', () => {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-rhel-dnf-')), 'calls');
    const dnf = `echo "$*" >> ${log}; case "$*" in *needs-restarting*--help*) exit 0 ;; *needs-restarting*-r*) ${rebootNeeded} ;; *) exit 2 ;; esac`;
    const f = parseRhelFacts(factsWith({ dnf }));
    expect(f.rebootRequired).toBe(true);
    expect(f.rebootReasons).toEqual(['needs-restarting -r: glibc, kernel']);
    // Each dnf start loads the package database: no --help probe before the real question.
    expect(fs.readFileSync(log, 'utf8')).toBe('-q needs-restarting -r\n');
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
  });

  it('reads a dnf needs-restarting that finds nothing to restart (exit 0) as no reboot', () => {
    expect(parseRhelFacts(factsWith({ dnf: 'echo "Reboot should not be necessary."; exit 0' })).rebootRequired).toBe(false);
  });

  it('prefers the standalone needs-restarting, and says nothing where neither exists', () => {
    expect(parseRhelFacts(factsWith({ 'needs-restarting': rebootNeeded, dnf: 'exit 2' })).rebootReasons).toEqual(['needs-restarting -r: glibc, kernel']);
    // A dnf without the plugin says "No such command" and exits 1, which must not read as "reboot needed".
    expect(parseRhelFacts(factsWith({ dnf: 'echo "No such command: needs-restarting." >&2; exit 1' })).rebootRequired).toBe(false);
  });
});

describe('rhel platform command sequence', () => {
  it('runs dnf in UTC: updateinfo info prints issue dates in the machine\'s local time, without a zone', async () => {
    const host = new FakeRemote()
      .on(['sh', '-c', 'command -v dnf || command -v yum'], { stdout: '/usr/bin/dnf\n' })
      .on(['dnf', 'check-update', '-q'], { code: 0 })
      .on(['rpm', '-qa', '--qf', '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n'], { stdout: '' })
      .on(['dnf', 'updateinfo', 'list', '--available', '-q'], { stdout: '' })
      .on(['dnf', 'updateinfo', 'info', '--available', '-q'], { stdout: '' })
      .on(['dnf', 'versionlock', 'list', '-q'], { code: 0 });
    await rhel.pendingUpdates(host);
    const dnfCalls = host.calls.filter((c) => c.argv[0] === 'dnf');
    expect(dnfCalls.length).toBe(4);
    for (const c of dnfCalls) expect(c.options?.env).toMatchObject({ TZ: 'UTC', LC_ALL: 'C' });
  });

  it('treats check-update exit 100 as success and joins advisories', async () => {
    const s = fixtureSections('rhel/dnf4-updateinfo.txt');
    const host = new FakeRemote()
      .on(['sh', '-c', 'command -v dnf || command -v yum'], { stdout: '/usr/bin/dnf\n' })
      .on(['dnf', 'check-update', '-q'], { code: 100, stdout: fixture('rhel/check-update.txt') })
      .on(['rpm', '-qa', '--qf', '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n'], { stdout: 'glibc 0 2.28 9.fc29 x86_64\n' })
      .on(['dnf', 'updateinfo', 'list', '--available', '-q'], { stdout: 'FEDORA-2018-318f184000 bugfix      glibc-2.28-26.fc29.x86_64\n' })
      .on(['dnf', 'updateinfo', 'info', '--available', '-q'], { stdout: s.get('info') ?? '' })
      .on(['dnf', 'versionlock', 'list', '-q'], { code: 1, stderr: 'No such command: versionlock.' });
    const r = await rhel.pendingUpdates(host);
    expect(r.updates).toHaveLength(3);
    expect(r.updates[0]).toMatchObject({ name: 'glibc', installedVersion: '2.28-9.fc29', isSecurity: false, advisories: [{ id: 'FEDORA-2018-318f184000', type: 'bugfix' }] });
  });
  it('reads what the lab\'s real dnf 4.14 printed: epochs in check-update and updateinfo rows, versionlock, every advisory joined', async () => {
    const s = fixtureSections('rhel/lab-dnf414.txt');
    const host = new FakeRemote()
      .on(['sh', '-c', 'command -v dnf || command -v yum'], { stdout: '/usr/bin/dnf\n' })
      .on(['dnf', 'check-update', '-q'], { code: 100, stdout: s.get('check-update') ?? '' })
      .on(['rpm', '-qa', '--qf', '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n'], { stdout: s.get('rpm-qa') ?? '' })
      .on(['dnf', 'updateinfo', 'list', '--available', '-q'], { stdout: s.get('list') ?? '' })
      .on(['dnf', 'updateinfo', 'info', '--available', '-q'], { stdout: s.get('info') ?? '' })
      .on(['dnf', 'versionlock', 'list', '-q'], { stdout: s.get('versionlock') ?? '' });
    const r = await rhel.pendingUpdates(host);
    expect(r.held).toEqual(['pw-rpm-b']);
    expect(r.updates.map((u) => [u.name, u.installedVersion, u.candidateVersion, u.severity, u.cves.length, u.isSecurity])).toEqual([
      ['pw-rpm-a', '1.0-1', '1.1-1', 'Important', 4, true],
      ['pw-rpm-b', '2.0-1', '2.0-2', 'Low', 1, true],
      ['pw-rpm-c', '1:0.9-1', '1:1.0-1', 'Critical', 3, true],
    ]);
    expect(r.updates[2]?.advisories).toEqual([
      { id: 'RLSA-2024:0605', cves: ['CVE-2021-4034'], severity: 'Moderate', publishedAt: '2024-02-05T10:00:00.000Z', origin: 'updateinfo', type: 'security' },
      { id: 'RLSA-2024:7007', cves: ['CVE-2022-0847', 'CVE-2024-47176'], severity: 'Critical', publishedAt: '2024-10-07T10:00:00.000Z', origin: 'updateinfo', type: 'security' },
    ]);
  });
  it('refuses option-like package names', async () => {
    await expect(rhel.installExact(new FakeRemote(), [{ name: '--setopt=x', version: '1-1' }])).rejects.toThrow(/Refusing/);
  });
});
