/**
 * Every shipped Windows script on its failure paths, executed in PowerShell 7 exactly as WinRM sends it
 * (powershellArgv: the data prelude and the script, -EncodedCommand) against the stand-ins: Windows Update's
 * errors and result codes, a hung SYSTEM task, System Restore's limits, what DISM and wusa refuse, winget's
 * table with padded and non-ASCII names, a service that stays down, reboots pending before and after, and a
 * SYSTEM task folder someone else prepared. The harness itself must be able to fail: an unknown cmdlet or a
 * StrictMode violation ends the script with an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { powershellArgv, scriptWithData } from '../../winrm/powershell';
import { FACTS_SCRIPT, INSTALLED_SCRIPT, WUA_WORKER_SCRIPT } from './scripts';
import { SimulatedWindows, sampleUpdates } from './testing/simulated-windows';
import {
  removeKb, restart, restorePoint, toFacts, windowsFacts, windowsInstalled, windowsRunningServices, wingetUpgrades, wuaInstall, wuaSearch, type PsRunner,
} from './windows-module';

// Every script runs in PowerShell 7 (one runspace each, and one more for a SYSTEM task): seconds, not milliseconds.
vi.setConfig({ testTimeout: 180_000 });

const NOW = Date.parse('2026-11-22T10:00:00Z');

function machine(setup: (w: SimulatedWindows) => void = () => undefined, now = () => NOW): { win: SimulatedWindows; ps: PsRunner } {
  const win = new SimulatedWindows(now);
  win.pending = sampleUpdates();
  setup(win);
  const ps: PsRunner = {
    label: 'reception',
    run: async (script, data) => {
      const [program, ...args] = powershellArgv(script, [JSON.stringify(data ?? null)]);
      const r = await win.onCommand(program!, args);
      return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr ?? '', timedOut: false };
    },
  };
  return { win, ps };
}

const [CU, NET] = sampleUpdates() as [ReturnType<typeof sampleUpdates>[number], ReturnType<typeof sampleUpdates>[number]];

describe('the harness fails what Windows would fail', () => {
  it('a cmdlet neither Windows PowerShell 7 on Linux nor the stand-ins have, and a StrictMode violation, end the script with an error', async () => {
    const { win } = machine();
    const run = (script: string) => {
      const [program, ...args] = powershellArgv(script, [JSON.stringify({})]);
      return win.onCommand(program!, args);
    };
    const unknown = await run(FACTS_SCRIPT.replace('Get-CimInstance Win32_OperatingSystem', 'Get-WmiObject Win32_OperatingSystem'));
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/Get-WmiObject.* is not recognized/);
    const strict = await run(INSTALLED_SCRIPT.replace("(Prop $_ 'SystemComponent')", '$_.SystemComponent'));
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(/property 'SystemComponent' cannot be found/);
    const wmiClass = await run(FACTS_SCRIPT.replace('Win32_LogicalDisk', 'Win32_Volume'));
    expect(wmiClass.stderr).toMatch(/do not model Win32_Volume/);
  });
});

describe('Windows Update as SYSTEM', () => {
  it('reports a failed search by the HRESULT Windows Update gave, not by PowerShell\'s wrapper around it', async () => {
    const { win, ps } = machine((w) => (w.searchHResult = 0x8024402c));
    await expect(wuaSearch(ps)).rejects.toThrow(/Windows Update on reception failed: 0x8024402C WU_E_PT_WINHTTP_NAME_NOT_RESOLVED/);
    expect(win.taskErrors).toEqual([]);
    expect(win.tasks.map((t) => t.split(' ')[0])).toEqual(['register', 'start', 'remove']);
  });

  it('keeps an update whose download failed or was aborted from the installer, and reports the download result', async () => {
    const { win, ps } = machine((w) => {
      w.pending[0]!.download = { resultCode: 4, hresult: 0x80244022 };
      w.pending[1]!.download = { resultCode: 5, hresult: 0x8024001e };
    });
    const r = await wuaInstall(ps, [CU.updateId, NET.updateId]);
    expect(r.outcomes).toEqual([
      { updateId: CU.updateId, kbs: ['KB5046633'], ok: false, message: 'download failed: 0x80244022 WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL: the update server answered 503 (busy)', rebootRequired: false },
      { updateId: NET.updateId, kbs: ['KB5045935'], ok: false, message: 'download aborted: 0x8024001E WU_E_SERVICE_STOP: Windows Update or the machine was shutting down', rebootRequired: false },
    ]);
    expect(r.rebootRequired).toBe(false);
    expect(win.hotfixes.map((h) => h.kb)).toEqual(['KB5027397']);
  });

  it('reads install result codes 2, 3, 4 and 5 per update', async () => {
    const extra = { ...NET, updateId: '0b6c1d2e-3f40-4a5b-9c6d-7e8f9a0b1c2e', kbs: ['KB5044284'], title: '2026-11 Update for Windows Security platform (KB5044284)' };
    const fourth = { ...NET, updateId: '1c7d2e3f-4051-4b6c-8d7e-8f9a0b1c2d3f', kbs: ['KB5043937'], title: 'Windows Malicious Software Removal Tool (KB5043937)' };
    const { win, ps } = machine((w) => {
      w.pending.push(extra, fourth);
      w.pending[1]!.install = { resultCode: 3, hresult: 0x80240fff };
      w.pending[2]!.install = { resultCode: 4, hresult: 0x800f0922 };
      w.pending[3]!.install = { resultCode: 5, hresult: 0x8024001e };
    });
    const r = await wuaInstall(ps, [CU.updateId, NET.updateId, extra.updateId, fourth.updateId]);
    expect(r.outcomes.map((o) => [o.kbs[0], o.ok, o.message])).toEqual([
      ['KB5046633', true, 'installed'],
      ['KB5045935', true, 'installed, with errors'],
      ['KB5044284', false, 'failed: 0x800F0922 CBS_E_INSTALLERS_FAILED: the update could not be installed (often too little space on the System Reserved partition)'],
      ['KB5043937', false, 'aborted: 0x8024001E WU_E_SERVICE_STOP: Windows Update or the machine was shutting down'],
    ]);
    expect(win.hotfixes.map((h) => h.kb).sort()).toEqual(['KB5027397', 'KB5045935', 'KB5046633']);
    expect(win.pending.map((u) => u.kbs[0])).toEqual(['KB5044284', 'KB5043937']);
  });

  it('stops and removes a task that hangs, and leaves no run folder behind', async () => {
    const { win, ps } = machine((w) => (w.hangNextTask = true));
    await expect(wuaSearch(ps, 30)).rejects.toThrow(/did not finish within 1 minutes; the task Patchwell-[0-9a-f]{16} was stopped and removed/);
    expect(win.tasks.map((t) => t.split(' ')[0])).toEqual(['register', 'start', 'stop', 'remove']);
    // Stopped before it was unregistered (the stand-in notes a task removed while still running).
    expect(win.taskErrors).toEqual([]);
    expect(fs.readdirSync(path.join(win.root, 'ProgramData', 'Patchwell'))).toEqual([]);
    // The task runs again after that, on the folder the first run created.
    expect((await wuaSearch(ps)).length).toBe(2);
  });
});

describe('over OpenSSH', () => {
  it('runs a script given as text through the constant bootstrap, reading it from stdin', async () => {
    const { win } = machine();
    const r = await win.runScriptText(scriptWithData(FACTS_SCRIPT, [JSON.stringify({})]));
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ hostname: 'RECEPTION-PC', build: '22631', ubr: 3880 });
  });
});

describe('a SYSTEM task that cannot start', () => {
  it('says it ended without a result, with Task Scheduler\'s code, and removes it', async () => {
    const { win, ps } = machine((w) => (w.nextTaskFailsWith = 0x8007052e));
    await expect(wuaSearch(ps)).rejects.toThrow(/The Windows Update task on reception ended without a result \(task result 0x8007052E\); it was removed/);
    expect(win.tasks.map((t) => t.split(' ')[0])).toEqual(['register', 'start', 'remove']);
  });
});

describe('the SYSTEM task folder', () => {
  const USER = 'S-1-5-21-3623811015-3361044348-30300820-1013';
  const prepared = (acl: SimulatedWindows['acls'][string]) => (w: SimulatedWindows) => {
    fs.mkdirSync(path.join(w.root, 'ProgramData', 'Patchwell'), { recursive: true });
    w.acls['/ProgramData/Patchwell'] = acl;
  };
  const safeRules = [{ sid: 'S-1-5-18', rights: 'FullControl', type: 'Allow' as const }, { sid: 'S-1-5-32-544', rights: 'FullControl', type: 'Allow' as const }];

  it('is refused when a standard user created it first and owns it', async () => {
    const { win, ps } = machine(prepared({ owner: USER, protected: true, rules: [...safeRules, { sid: USER, rights: 'FullControl', type: 'Allow' }] }));
    await expect(wuaSearch(ps)).rejects.toThrow(new RegExp(`did not run Windows Update as SYSTEM on reception: .*Patchwell is not safe for a SYSTEM task: it is owned by ${USER}, not by SYSTEM or Administrators`));
    expect(win.tasks).toEqual([]);
  });

  it('is refused when it lets Users write, or inherits from ProgramData', async () => {
    const writable = machine(prepared({ owner: 'S-1-5-32-544', protected: true, rules: [...safeRules, { sid: 'S-1-5-32-545', rights: 'Write, ReadAndExecute, Synchronize', type: 'Allow' }] }));
    await expect(wuaSearch(writable.ps)).rejects.toThrow(/it grants Write, ReadAndExecute, Synchronize to S-1-5-32-545/);
    const inheriting = machine(prepared({ owner: 'S-1-5-32-544', protected: false, rules: safeRules }));
    await expect(wuaSearch(inheriting.ps)).rejects.toThrow(/it inherits permissions from its parent folder/);
    expect([...writable.win.tasks, ...inheriting.win.tasks]).toEqual([]);
  });

  it('gives the task nothing to read from a file: the worker and its input are in its command line, the run folder is empty', async () => {
    const { win, ps } = machine();
    await wuaInstall(ps, [CU.updateId]);
    expect(win.taskStarts).toHaveLength(1);
    const start = win.taskStarts[0]!;
    const m = /^-NoProfile -NonInteractive -EncodedCommand ([A-Za-z0-9+/=]+)$/.exec(start.arguments);
    const boot = Buffer.from(m![1]!, 'base64').toString('utf16le');
    const blobs = [...boot.matchAll(/FromBase64String\('([A-Za-z0-9+/=]*)'\)/g)].map((b) => Buffer.from(b[1]!, 'base64').toString('utf8'));
    expect(blobs).toEqual([expect.stringMatching(/ProgramData\/Patchwell\/[0-9a-f]{16}$/), JSON.stringify({ op: 'install', updateIds: [CU.updateId] }), WUA_WORKER_SCRIPT]);
    expect(boot).not.toMatch(/ReadAllText|Get-Content|\.ps1/);
    expect(start.files).toEqual([expect.stringMatching(/^\/[0-9a-f]{16}$/)]);
  });

  it('is created protected when missing, each run in a fresh folder that is removed after; a safe existing one is used', async () => {
    const { win, ps } = machine();
    await wuaSearch(ps);
    expect(win.acls['/ProgramData/Patchwell']).toEqual({ owner: 'S-1-5-32-544', protected: true, rules: safeRules });
    const runs = Object.keys(win.acls).filter((k) => /^\/ProgramData\/Patchwell\/[0-9a-f]{16}$/.test(k));
    expect(runs).toHaveLength(1);
    expect(win.acls[runs[0]!]).toEqual({ owner: 'S-1-5-32-544', protected: true, rules: safeRules });
    expect(fs.readdirSync(path.join(win.root, 'ProgramData', 'Patchwell'))).toEqual([]);
    const again = machine(prepared({ owner: 'S-1-5-18', protected: true, rules: safeRules }));
    expect((await wuaSearch(again.ps)).length).toBe(2);
  });
});

describe('restore points, KB removal, services, reboots', () => {
  it('says when System Restore refused, and shows the newest point of the day in plain time', async () => {
    const off = machine((w) => (w.restoreDisabled = true));
    const r = await restorePoint(off.ps, 'Patchwell deployment 3');
    expect(r.created === false && r.reason).toMatch(/Windows refused to make a restore point: This operation cannot be performed because System Restore is turned off/);
    const { ps } = machine((w) => w.restorePoints.push({ sequence: 57, description: 'Windows Update', created: NOW - 2 * 3_600_000 }));
    const second = await restorePoint(ps, 'Patchwell deployment 4');
    expect(second.created === false && second.reason).toMatch(/one per 24 hours by default .*The newest is #57 "Windows Update" of 2026-11-22 08:00\./);
  });

  it('finds a cumulative update by its RollupFix package, removes a KB that has no package with wusa, and keeps a permanent one', async () => {
    const { win, ps } = machine((w) => {
      w.hotfixes.push({ kb: 'KB5046633', installedOn: '2026-11-21', package: 'rollup' }, { kb: 'KB5044033', installedOn: '2026-10-30', package: 'none' }, { kb: 'KB5043080', installedOn: '2026-09-11', package: 'rollup' });
      w.permanent.add('KB5043080');
    });
    expect(await removeKb(ps, 'KB5046633')).toEqual({ kb: 'KB5046633', ok: true, via: 'dism', message: 'removed', rebootRequired: true });
    expect(await removeKb(ps, 'KB5044033')).toEqual({ kb: 'KB5044033', ok: true, via: 'wusa', message: 'removed; a restart is needed to finish', rebootRequired: true });
    expect(await removeKb(ps, 'KB5043080')).toMatchObject({ ok: false, via: 'dism', message: expect.stringMatching(/^0x800F0825 CBS_E_CANNOT_UNINSTALL/) });
    expect(win.hotfixes.map((h) => h.kb)).toEqual(['KB5027397', 'KB5043080']);
    expect(win.events.filter((e) => /^(dism|wusa)/.test(e))).toEqual([expect.stringMatching(/^dism remove Package_for_RollupFix~/), 'wusa /uninstall /kb:5044033 /quiet /norestart']);
  });

  it('leaves out delayed and trigger-started services, and sees a service an update stopped stay down', async () => {
    const { win, ps } = machine((w) => w.stopsServices.set('KB5046633', ['Spooler']));
    expect(await windowsRunningServices(ps)).toEqual(['Dnscache', 'EventLog', 'LanmanServer', 'Spooler', 'W32Time', 'WinRM']);
    await wuaInstall(ps, [CU.updateId]);
    expect(await windowsRunningServices(ps)).toEqual(['Dnscache', 'EventLog', 'LanmanServer', 'W32Time', 'WinRM']);
    expect(await windowsRunningServices(ps)).not.toContain('Spooler');
    await restart(ps);
    expect(win.services).toContain('Spooler');
  });

  it('reads every reboot-pending reason before, and none after the restart', async () => {
    const { ps } = machine((w) => (w.rebootReasons = ['files are waiting to be replaced at the next boot (PendingFileRenameOperations)']));
    expect(toFacts(await windowsFacts(ps)).rebootReasons).toEqual(['files are waiting to be replaced at the next boot (PendingFileRenameOperations)']);
    await wuaInstall(ps, [CU.updateId]);
    await removeKb(ps, 'KB5027397');
    expect(toFacts(await windowsFacts(ps)).rebootReasons).toEqual([
      'Windows servicing (CBS) has a reboot pending',
      'Windows Update needs a reboot to finish installing',
      'files are waiting to be replaced at the next boot (PendingFileRenameOperations)',
    ]);
    await restart(ps);
    const after = toFacts(await windowsFacts(ps));
    expect(after).toMatchObject({ rebootRequired: false, rebootReasons: [], uptimeSeconds: 0 });
  });
});

describe('names beyond ASCII', () => {
  it('reads installed applications with non-ASCII names exactly (the output is UTF-8, not the OEM code page)', async () => {
    const { ps } = machine((w) => w.apps.push({ name: 'Lecteur PDF – Édition Bureau', version: '5.2', publisher: 'Société Générale de Logiciels', x86: true }));
    expect((await windowsInstalled(ps)).apps).toContainEqual({ name: 'Lecteur PDF – Édition Bureau', version: '5.2', publisher: 'Société Générale de Logiciels', x86: true });
  });

  it('lists winget upgrades with padded, long and non-ASCII names exactly', async () => {
    const { ps } = machine((w) => {
      w.appUpgrades = [
        { name: 'Café Kasse', id: 'Cafe.Kasse', installed: '3.1', available: '3.2' },
        { name: 'メモ帳 Plus', id: 'Memo.Plus', installed: '1.0.0', available: '1.1.0' },
        { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135', id: 'Microsoft.VCRedist.2015+.x64', installed: '14.38.33135.0', available: '14.42.34433.0' },
      ];
    });
    expect(await wingetUpgrades(ps)).toEqual([
      { name: 'Café Kasse', id: 'Cafe.Kasse', installed: '3.1', available: '3.2', source: 'winget' },
      { name: 'メモ帳 Plus', id: 'Memo.Plus', installed: '1.0.0', available: '1.1.0', source: 'winget' },
      { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135', id: 'Microsoft.VCRedist.2015+.x64', installed: '14.38.33135.0', available: '14.42.34433.0', source: 'winget' },
    ]);
  });
});
