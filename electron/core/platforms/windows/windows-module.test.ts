/**
 * The Windows module over the real WinRM client (NTLM, sealed messages) against the loopback test server with a
 * simulated Windows machine behind it, which executes each script in PowerShell 7 against the stand-ins: assess, install exactly the approved updates through the SYSTEM task,
 * verify, restore point with its 24-hour limit, KB removal and its refusals, a hung task, malformed replies.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WinrmTestServer } from '../../winrm/testing/test-server';
import { WinrmSession } from '../../winrm/winrm-client';
import type { ExecResult } from '../remote';
import { scriptWithData } from '../../winrm/powershell';
import { SimulatedWindows, sampleUpdates } from './testing/simulated-windows';
import {
  parseUpdateVersion, remotePowerShell, removeKb, restart, restorePoint, SSH_BOOTSTRAP, SSH_COMMAND, sshPowerShell, toFacts, toInstalledPackages, toPendingUpdate,
  windowsFacts, windowsInstalled, windowsRunningServices, WindowsError, wingetPendingUpdate, wingetUpgrade, wingetUpgrades, parseWingetUpgradeTable, wuaInstall, wuaSearch, type PsRunner,
} from './windows-module';

// Every script runs in PowerShell 7 (one runspace each, and one more for a SYSTEM task): seconds, not milliseconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const cred = { username: 'Administrator', password: 'Tr0ub4dor&3', domain: 'LAB' };
let server: WinrmTestServer | undefined;
let session: WinrmSession | undefined;

async function machine(setup: (w: SimulatedWindows) => void = () => undefined, now = () => Date.parse('2026-11-22T10:00:00Z')): Promise<{ win: SimulatedWindows; ps: PsRunner }> {
  const win = new SimulatedWindows(now);
  win.pending = sampleUpdates();
  setup(win);
  server = new WinrmTestServer(cred, win.onCommand);
  const port = await server.listen();
  session = new WinrmSession({ address: '127.0.0.1', port }, cred, 10_000);
  return { win, ps: remotePowerShell(session) };
}

afterEach(async () => {
  session?.close();
  await server?.close();
  session = undefined;
  server = undefined;
});

describe('Windows module over WinRM', () => {
  it('assesses: facts, hotfixes and applications, pending updates searched as SYSTEM', async () => {
    const { win, ps } = await machine();
    const facts = toFacts(await windowsFacts(ps));
    expect(facts).toMatchObject({ hostname: 'RECEPTION-PC', osName: 'Microsoft Windows 11 Pro', osVersion: '23H2 (build 22631.3880)', osId: 'windows', kernel: '22631.3880', rebootRequired: false });
    expect(toInstalledPackages(await windowsInstalled(ps))).toEqual([
      { name: 'KB5027397', arch: '', version: '2026-10-15' },
      { name: '7-Zip 23.01 (x64)', arch: '', version: '23.01' },
    ]);
    const updates = await wuaSearch(ps);
    expect(updates.map((u) => u.kbs)).toEqual([['KB5046633'], ['KB5045935']]);
    const p = toPendingUpdate(updates[0]!);
    expect(p).toMatchObject({ name: 'KB5046633', candidateVersion: '2f1e3b6a-7c44-4d2e-9a8b-1c0d5e6f7a81/200', isSecurity: true, severity: 'Critical', cves: ['CVE-2024-38063', 'CVE-2024-43451'], rebootSuggested: true, kind: 'os-update' });
    expect(parseUpdateVersion(p.candidateVersion)).toEqual({ updateId: '2f1e3b6a-7c44-4d2e-9a8b-1c0d5e6f7a81', revision: 200 });
    // The task was registered, started and removed, with a name made of our random hex only.
    expect(win.tasks).toEqual([expect.stringMatching(/^register Patchwell-[0-9a-f]{16}$/), expect.stringMatching(/^start /), expect.stringMatching(/^remove /)]);
  });

  it('installs exactly the approved update, reports the failing one in plain words, and verifies', async () => {
    const { win, ps } = await machine((w) => {
      w.pending[1]!.failWith = 0x80240022;
    });
    const [cu, net] = sampleUpdates();
    const r = await wuaInstall(ps, [cu!.updateId, net!.updateId, '00000000-0000-4000-8000-000000000000']);
    expect(r.rebootRequired).toBe(true);
    expect(r.outcomes).toEqual([
      { updateId: cu!.updateId, kbs: ['KB5046633'], ok: true, message: 'installed', rebootRequired: true },
      { updateId: net!.updateId, kbs: ['KB5045935'], ok: false, message: 'failed: 0x80240022 WU_E_ALL_UPDATES_FAILED: every update in the operation failed', rebootRequired: false },
      { updateId: '00000000-0000-4000-8000-000000000000', kbs: [], ok: false, message: expect.stringMatching(/no longer offers/), rebootRequired: false },
    ]);
    expect((await windowsInstalled(ps)).hotfixes.map((h) => h.kb)).toContain('KB5046633');
    const facts = toFacts(await windowsFacts(ps));
    expect(facts).toMatchObject({ rebootRequired: true, rebootReasons: ['Windows Update needs a reboot to finish installing'] });
    await restart(ps);
    expect(toFacts(await windowsFacts(ps)).rebootRequired).toBe(false);
    expect(win.calls.map((c) => c.script)).toEqual(['wua-task', 'installed', 'facts', 'restart', 'facts']);
    await expect(wuaInstall(ps, ['not-a-guid'])).rejects.toThrow(/is not a Windows update id/);
  });

  it('makes a restore point once a day, and says plainly when Windows made none', async () => {
    let now = Date.parse('2026-11-22T10:00:00Z');
    const { ps } = await machine(() => undefined, () => now);
    expect(await restorePoint(ps, 'Patchwell deployment 7')).toEqual({ created: true, sequence: 41 });
    now += 3 * 3_600_000;
    const second = await restorePoint(ps, 'Patchwell deployment 8');
    expect(second).toMatchObject({ created: false });
    expect(second.created === false && second.reason).toMatch(/one per 24 hours by default .*#41 "Patchwell deployment 7"/);
  });

  it('has no restore points on a server, and says why', async () => {
    const { ps } = await machine((w) => (w.productType = 3));
    const r = await restorePoint(ps, 'x');
    expect(r.created === false && r.reason).toMatch(/does not exist on Windows Server/);
  });

  it('removes a KB, refuses a permanent one plainly, and says when a KB is not installed', async () => {
    const { ps } = await machine((w) => {
      w.hotfixes.push({ kb: 'KB5046633', installedOn: '2026-11-21' }, { kb: 'KB5043080', installedOn: '2026-09-11' });
      w.permanent.add('KB5043080');
    });
    expect(await removeKb(ps, 'KB5046633')).toEqual({ kb: 'KB5046633', ok: true, via: 'dism', message: 'removed', rebootRequired: true });
    const permanent = await removeKb(ps, 'KB5043080');
    expect(permanent).toMatchObject({ ok: false, message: expect.stringMatching(/0x800F0825 CBS_E_CANNOT_UNINSTALL: this package cannot be uninstalled/) });
    expect(await removeKb(ps, 'KB5046633')).toMatchObject({ ok: false, via: 'wusa', message: expect.stringMatching(/0x00240007 .*not installed/) });
    await expect(removeKb(ps, 'KB1; Remove-Item')).rejects.toThrow(/is not a KB id/);
  });

  it('stops, removes and reports a task that hangs', async () => {
    const { win, ps } = await machine((w) => (w.hangNextTask = true));
    await expect(wuaSearch(ps, 60)).rejects.toThrow(/did not finish within 1 minutes; the task Patchwell-[0-9a-f]{16} was stopped and removed/);
    expect(win.tasks.map((t) => t.split(' ')[0])).toEqual(['register', 'start', 'stop', 'remove']);
  });

  it('lists the automatic services running, whatever shape ConvertTo-Json gave the list', async () => {
    const { win, ps } = await machine();
    expect(await windowsRunningServices(ps)).toEqual(['Dnscache', 'EventLog', 'LanmanServer', 'Spooler', 'W32Time', 'WinRM']);
    win.services = ['WinRM'];
    expect(await windowsRunningServices(ps)).toEqual(['WinRM']);
    const reply = (stdout: string): PsRunner => ({ label: 'x', run: async () => ({ code: 0, stdout, stderr: '', timedOut: false }) });
    expect(await windowsRunningServices(reply('{"running":null}'))).toEqual([]);
    await expect(windowsRunningServices(reply('{"running":[""]}'))).rejects.toThrow(/services: The PowerShell output is not of the expected shape: running/);
  });

  it('refuses malformed replies with a clear error', async () => {
    const { win, ps } = await machine();
    win.hostname = '';
    await expect(windowsFacts(ps)).rejects.toThrow(/facts: The PowerShell output is not of the expected shape: hostname/);
    win.onCommand('cmd.exe', []);
    const garbage: PsRunner = { label: 'x', run: async () => ({ code: 0, stdout: 'Access is denied.', stderr: '', timedOut: false }) };
    await expect(windowsFacts(garbage)).rejects.toThrow(WindowsError);
    const failing: PsRunner = { label: 'x', run: async () => ({ code: 1, stdout: '', stderr: 'Get-CimInstance : Access denied', timedOut: false }) };
    await expect(windowsInstalled(failing)).rejects.toThrow(/installed script on x failed \(exit 1\)/);
  });
});

describe('Windows module over OpenSSH', () => {
  it('sends one constant command line and the script with its data on stdin; hostile data stays inside base64', async () => {
    const win = new SimulatedWindows(() => Date.parse('2026-11-22T10:00:00Z'));
    win.hotfixes.push({ kb: 'KB5046633', installedOn: '2026-11-21' });
    const seen: { command: string; stdin: string }[] = [];
    const ps = sshPowerShell({
      label: 'reception:22',
      execRaw: async (command, stdin): Promise<ExecResult> => {
        seen.push({ command, stdin });
        const r = await win.runCommandLine(command, stdin);
        return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr ?? '', timedOut: false };
      },
    });
    expect((await windowsFacts(ps)).hostname).toBe('RECEPTION-PC');
    expect(seen[0]!.command).toBe(SSH_COMMAND);
    expect(SSH_COMMAND).toMatch(/^powershell\.exe -NoProfile -NonInteractive -EncodedCommand [A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(SSH_COMMAND.split(' ').at(-1)!, 'base64').toString('utf16le')).toBe(SSH_BOOTSTRAP);
    // A hostile description: in the data blob only.
    const hostile = `'; Remove-Item C:\\ -Recurse; $(Stop-Computer) \`n"`;
    await restorePoint(ps, hostile);
    const stdin = seen[1]!.stdin;
    expect(stdin).not.toContain('Remove-Item C:');
    expect(stdin).toBe(scriptWithData(stdin.slice(stdin.indexOf('# patchwell-windows:')), [JSON.stringify({ description: hostile })]));
    expect(win.restorePoints[0]!.description).toBe(hostile);
    expect(await removeKb(ps, 'KB5046633')).toMatchObject({ ok: true });
  });
});

describe('winget', () => {
  // The shape of `winget upgrade` output: a progress spinner, a header, a dashed rule, rows whose Name column is
  // padded to the longest name, a footer. Names with spaces and a "< version" row (not exact) included.
  const table = [
    '   - \r   \\ \r',
    'Name                               Id                    Version     Available   Source',
    '----------------------------------------------------------------------------------------',
    'Mozilla Firefox (x64 en-US)        Mozilla.Firefox       131.0.3     132.0.2     winget',
    '7-Zip 23.01 (x64)                  7zip.7zip             23.01       24.08       winget',
    'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135 Microsoft.VCRedist.2015+.x64 14.38.33135.0 14.42.34433.0 winget',
    'Some Tool                          Vendor.Tool           < 2.0       2.1         winget',
    '4 upgrades available.',
  ];

  it('reads the upgrade table from the right, so padded and long names do not shift the columns', () => {
    expect(parseWingetUpgradeTable(table)).toEqual([
      { name: 'Mozilla Firefox (x64 en-US)', id: 'Mozilla.Firefox', installed: '131.0.3', available: '132.0.2', source: 'winget' },
      { name: '7-Zip 23.01 (x64)', id: '7zip.7zip', installed: '23.01', available: '24.08', source: 'winget' },
      { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135', id: 'Microsoft.VCRedist.2015+.x64', installed: '14.38.33135.0', available: '14.42.34433.0', source: 'winget' },
      { name: 'Some Tool', id: 'Vendor.Tool', installed: '2.0', available: '2.1', source: 'winget' },
    ].filter((r) => r.id !== 'Vendor.Tool'));
  });

  it('lists and upgrades applications as SYSTEM in machine scope; says when winget is missing', async () => {
    const { win, ps } = await machine((w) => {
      w.appUpgrades = [{ name: '7-Zip 23.01 (x64)', id: '7zip.7zip', installed: '23.01', available: '24.08' }];
    });
    const list = await wingetUpgrades(ps);
    expect(list).toEqual([{ name: '7-Zip 23.01 (x64)', id: '7zip.7zip', installed: '23.01', available: '24.08', source: 'winget' }]);
    expect(wingetPendingUpdate(list![0]!)).toMatchObject({ name: '7zip.7zip', installedVersion: '23.01', candidateVersion: '24.08', note: expect.stringMatching(/cannot roll it back/) });
    expect(await wingetUpgrade(ps, '7zip.7zip', '24.08')).toEqual({ ok: true, message: 'upgraded to 24.08' });
    expect(await wingetUpgrades(ps)).toEqual([]);
    expect(await wingetUpgrade(ps, '7zip.7zip', '99.0')).toMatchObject({ ok: false, message: expect.stringMatching(/^winget exit 0x8A150014: No package found/) });
    await expect(wingetUpgrade(ps, '7zip.7zip; calc', '1')).rejects.toThrow(/not a winget package id/);
    win.winget = false;
    expect(await wingetUpgrades(ps)).toBeNull();
  });
});
