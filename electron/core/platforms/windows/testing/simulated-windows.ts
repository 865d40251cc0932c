/**
 * A simulated Windows machine for tests, behind the loopback WinRM test server (real NTLM and sealing) or an SSH
 * server: it executes the exact command Patchwell sends (powershell.exe -NoProfile -NonInteractive
 * -EncodedCommand …, and for OpenSSH the script on stdin) in PowerShell 7 under StrictMode Latest, against the
 * stand-ins of standins/Patchwell.WindowsStandins.psm1 for the Windows-only surface. The machine's state lives
 * here; it is written to a JSON file before each script and read back after, so installs and removals change
 * what the next script sees, and Windows' refusals (an update that fails, a KB that cannot be removed, one
 * restore point per 24 hours, a task that hangs) come from the stand-ins, not from reading the script.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandReply } from '../../../winrm/testing/test-server';
import { MARKER } from '../scripts';
import { SSH_COMMAND } from '../windows-module';
import { findPwsh, runInPwsh } from './pwsh';

export interface SimUpdate {
  updateId: string;
  revision: number;
  title: string;
  kbs: string[];
  msrcSeverity: string;
  cves: string[];
  categories: string[];
  rebootBehavior: 0 | 1 | 2;
  maxDownloadSize: number;
  uninstallable: boolean;
  published: string;
  /** Installing it fails with this HRESULT (install result code 4). */
  failWith?: number;
  /** Its download ends with this OperationResultCode (4 failed, 5 aborted) and HRESULT. */
  download?: { resultCode: number; hresult: number };
  /** Its install ends with this OperationResultCode (3 with errors, 4 failed, 5 aborted) and HRESULT. */
  install?: { resultCode: number; hresult: number };
}

/** How a hotfix is serviced: a DISM package named by its KB, a cumulative update (RollupFix), or no package (wusa only). */
export type HotfixPackage = 'kb' | 'rollup' | 'none';

export interface SimHotfix {
  kb: string;
  installedOn: string | null;
  package?: HotfixPackage;
}

/** A folder's security as the stand-ins' Get-Acl reports it: owner and rules by SID. */
export interface SimAcl {
  owner: string;
  protected: boolean;
  rules: { sid: string; rights: string; type: 'Allow' | 'Deny' }[];
}

export interface SimCall {
  script: string;
  data: unknown;
}

const REASONS = {
  cbs: 'Windows servicing (CBS) has a reboot pending',
  wu: 'Windows Update needs a reboot to finish installing',
  pfro: 'files are waiting to be replaced at the next boot (PendingFileRenameOperations)',
} as const;

interface ServiceRow { name: string; state: 'Running' | 'Stopped'; startMode: 'Auto' | 'Manual' | 'Disabled'; delayed: boolean; trigger: boolean }

/** Services every Windows has that the "always running" list must leave out (delayed, trigger-started, manual). */
const OTHER_SERVICES: ServiceRow[] = [
  { name: 'BITS', state: 'Running', startMode: 'Auto', delayed: true, trigger: false },
  { name: 'CDPSvc', state: 'Running', startMode: 'Auto', delayed: false, trigger: true },
  { name: 'wuauserv', state: 'Running', startMode: 'Manual', delayed: false, trigger: true },
  { name: 'edgeupdate', state: 'Stopped', startMode: 'Auto', delayed: true, trigger: false },
];

const isAlwaysOn = (s: ServiceRow): boolean => s.startMode === 'Auto' && !s.delayed && !s.trigger;

/** "2026-10-15" as Win32_QuickFixEngineering.InstalledOn gives it ("10/15/2026"), and back. */
const toWmiDate = (iso: string | null): string => (iso ? `${Number(iso.slice(5, 7))}/${Number(iso.slice(8, 10))}/${iso.slice(0, 4)}` : '');
function fromWmiDate(s: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  return m ? `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}` : null;
}

export class SimulatedWindows {
  hostname = 'RECEPTION-PC';
  caption = 'Microsoft Windows 11 Pro';
  build = '22631';
  ubr = 3880;
  productType: 1 | 2 | 3 = 1;
  lastBoot = new Date('2026-11-20T07:00:00Z');
  freeKb = 40 * 1024 * 1024;
  rebootReasons: string[] = [];
  hotfixes: SimHotfix[] = [{ kb: 'KB5027397', installedOn: '2026-10-15' }];
  apps = [{ name: '7-Zip 23.01 (x64)', version: '23.01', publisher: 'Igor Pavlov', x86: false }];
  pending: SimUpdate[] = [];
  /** Updates installed through Windows Update: removing one of their KBs offers them again. */
  installedUpdates: SimUpdate[] = [];
  restorePoints: { sequence: number; description: string; created: number }[] = [];
  /** System Restore is turned off on the system drive (Checkpoint-Computer fails). */
  restoreDisabled = false;
  /** KBs Windows refuses to remove (permanent packages). */
  permanent = new Set<string>();
  /** The Windows Update Agent's search fails with this HRESULT. */
  searchHResult: number | null = null;
  /** winget (App Installer) present, and the application upgrades it offers. */
  winget = true;
  appUpgrades: { name: string; id: string; installed: string; available: string; failWith?: number }[] = [];
  /** The code page PowerShell decodes native programs' output with ([Console]::OutputEncoding): 437 as on an English Windows. */
  consoleCodePage = 437;
  /** Automatic, non-delayed, non-trigger services running now. */
  services = ['Dnscache', 'EventLog', 'LanmanServer', 'Spooler', 'W32Time', 'WinRM'];
  /** Installing an update with this KB stops these services (a bad update breaking something). */
  stopsServices = new Map<string, string[]>();
  /**
   * A service an install stopped that Windows starts again: how many `services` queries still see it stopped
   * (absent: it stays stopped).
   */
  comesBackAfter = new Map<string, number>();
  /** The next SYSTEM task runs past its time limit. */
  hangNextTask = false;
  /** The next SYSTEM task cannot start, and Task Scheduler records this result (an HRESULT). */
  nextTaskFailsWith: number | null = null;
  /**
   * ACLs set on folders of the machine, by path under its root ("/ProgramData/Patchwell"). %ProgramData%'s is
   * Windows' default: any user may create folders in it (and, as CREATOR OWNER, own them).
   */
  acls: Record<string, SimAcl> = {
    '/ProgramData': {
      owner: 'S-1-5-18',
      protected: true,
      rules: [
        { sid: 'S-1-5-18', rights: 'FullControl', type: 'Allow' },
        { sid: 'S-1-5-32-544', rights: 'FullControl', type: 'Allow' },
        { sid: 'S-1-3-0', rights: 'FullControl', type: 'Allow' },
        { sid: 'S-1-5-32-545', rights: 'ReadAndExecute, Synchronize', type: 'Allow' },
        { sid: 'S-1-5-32-545', rights: 'CreateFiles, AppendData, Synchronize', type: 'Allow' },
      ],
    },
  };
  readonly calls: SimCall[] = [];
  /** register/start/stop/remove of each SYSTEM task, in order. */
  readonly tasks: string[] = [];
  /** What the stand-ins saw happen (tasks, wusa, DISM, winget, restart), in order. */
  readonly events: string[] = [];
  /** Each SYSTEM task as it started: its action's arguments, and the files under %ProgramData%\Patchwell then. */
  readonly taskStarts: { arguments: string; files: string[] }[] = [];
  /** Errors a SYSTEM task's worker raised (on Windows, only its exit code 1 would show). */
  readonly taskErrors: string[] = [];
  private serviceTable: ServiceRow[] = OTHER_SERVICES.map((s) => ({ ...s }));
  private stoppedFor: Record<string, number> = {};
  private clockOffset = 0;
  private rootDir: string | undefined;

  constructor(private readonly now: () => number = Date.now) {
    // Fails the test at once, with the command that installs PowerShell, where there is none.
    findPwsh();
  }

  /** The machine's folder: C:\ProgramData, C:\Program Files and C:\Windows live under it. */
  get root(): string {
    this.rootDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pw-simwin-'));
    return this.rootDir;
  }

  /** The WinRM test server's command callback. */
  readonly onCommand = async (program: string, args: string[]): Promise<CommandReply> => {
    if (program !== 'powershell.exe') return { stdout: '', stderr: `'${program}' is not recognized as an internal or external command`, exitCode: 1 };
    if (args.length !== 4 || args[0] !== '-NoProfile' || args[1] !== '-NonInteractive' || args[2] !== '-EncodedCommand') return { stdout: '', stderr: `unexpected powershell.exe arguments ${args.slice(0, 3).join(' ')}`, exitCode: 1 };
    return this.execute(args[3]!, '');
  };

  /** The same for OpenSSH: the constant command line, with the script on stdin. */
  async runCommandLine(command: string, stdin: string): Promise<CommandReply> {
    const m = /^powershell\.exe -NoProfile -NonInteractive -EncodedCommand ([A-Za-z0-9+/=]+)$/.exec(command);
    if (!m) return { stdout: '', stderr: `'${command.split(' ')[0]}' is not recognized as an internal or external command`, exitCode: 1 };
    return this.execute(m[1]!, stdin);
  }

  /** A script arriving as text on OpenSSH's stdin, run by Patchwell's constant SSH bootstrap. */
  async runScriptText(text: string): Promise<CommandReply> {
    return this.runCommandLine(SSH_COMMAND, text);
  }

  private record(text: string): void {
    const marker = text.split('\n').find((l) => l.startsWith(MARKER));
    const blob = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(text)?.[1];
    if (!marker || blob === undefined) return;
    const args = JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as string[];
    this.calls.push({ script: marker.slice(MARKER.length).trim(), data: JSON.parse(args[0] ?? 'null') as unknown });
  }

  private async execute(encoded: string, stdin: string): Promise<CommandReply> {
    this.record(stdin || Buffer.from(encoded, 'base64').toString('utf16le'));
    const dir = this.root;
    const statePath = path.join(dir, 'state.json');
    for (const d of ['ProgramData', 'Program Files', 'Windows/System32']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.writeFileSync(statePath, JSON.stringify(this.toState()));
    const r = await runInPwsh({
      encoded,
      stdin,
      env: {
        COMPUTERNAME: this.hostname,
        SystemDrive: 'C:',
        ProgramData: path.join(dir, 'ProgramData'),
        ProgramFiles: path.join(dir, 'Program Files'),
        SystemRoot: path.join(dir, 'Windows'),
        PATCHWELL_STANDIN_STATE: statePath,
        PATCHWELL_STANDIN_ROOT: dir,
      },
    });
    this.fromState(JSON.parse(fs.readFileSync(statePath, 'utf8')) as State);
    // powershell.exe ends its lines with CRLF; Patchwell must read either.
    return { stdout: r.stdout.replace(/\n/g, '\r\n'), stderr: r.stderr, exitCode: r.exitCode };
  }

  /** The state file's text as the stand-ins read it, for a machine whose state lives elsewhere (the lab's windows-ssh host). */
  stateJson(): string {
    return JSON.stringify(this.toState());
  }

  private toState(): State {
    for (const row of this.serviceTable) if (isAlwaysOn(row)) row.state = this.services.includes(row.name) ? 'Running' : 'Stopped';
    for (const name of this.services) {
      if (!this.serviceTable.some((r) => r.name === name)) this.serviceTable.push({ name, state: 'Running', startMode: 'Auto', delayed: false, trigger: false });
    }
    return {
      now: this.now() + this.clockOffset,
      hostname: this.hostname,
      caption: this.caption,
      build: this.build,
      ubr: this.ubr,
      displayVersion: '23H2',
      edition: this.productType === 1 ? 'Professional' : 'ServerStandard',
      productType: this.productType,
      lastBoot: this.lastBoot.getTime(),
      freeKb: this.freeKb,
      reboot: { cbs: this.rebootReasons.includes(REASONS.cbs), wu: this.rebootReasons.includes(REASONS.wu), pfro: this.rebootReasons.includes(REASONS.pfro) },
      hotfixes: this.hotfixes.map((h) => ({ kb: h.kb, installedOn: toWmiDate(h.installedOn), description: 'Security Update', package: h.package ?? 'kb' })),
      apps: this.apps,
      pending: this.pending,
      installedUpdates: this.installedUpdates,
      restorePoints: this.restorePoints,
      restoreDisabled: this.restoreDisabled,
      permanent: [...this.permanent],
      searchHResult: this.searchHResult,
      winget: this.winget,
      appUpgrades: this.appUpgrades,
      consoleCodePage: this.consoleCodePage,
      services: this.serviceTable,
      stopsServices: Object.fromEntries(this.stopsServices),
      comesBackAfter: Object.fromEntries(this.comesBackAfter),
      stoppedFor: this.stoppedFor,
      hangNextTask: this.hangNextTask,
      nextTaskFailsWith: this.nextTaskFailsWith,
      acls: Object.fromEntries(Object.entries(this.acls).map(([k, a]) => [k, { ...a, rules: a.rules.map((r) => ({ ...r, inherited: false })) }])),
      scheduledTasks: {},
      events: [],
      taskStarts: [],
      taskErrors: [],
    };
  }

  private fromState(s: State): void {
    this.clockOffset = s.now - this.now();
    this.lastBoot = new Date(s.lastBoot);
    this.rebootReasons = (['cbs', 'wu', 'pfro'] as const).filter((k) => s.reboot[k]).map((k) => REASONS[k]);
    this.hotfixes = s.hotfixes.map((h) => ({ kb: h.kb, installedOn: fromWmiDate(h.installedOn), package: h.package }));
    this.apps = s.apps;
    this.pending = s.pending;
    this.installedUpdates = s.installedUpdates;
    this.restorePoints = s.restorePoints;
    this.appUpgrades = s.appUpgrades;
    this.serviceTable = s.services;
    this.services = s.services.filter((r) => isAlwaysOn(r) && r.state === 'Running').map((r) => r.name);
    this.stoppedFor = s.stoppedFor;
    this.hangNextTask = s.hangNextTask;
    this.nextTaskFailsWith = s.nextTaskFailsWith;
    this.acls = Object.fromEntries(Object.entries(s.acls).map(([k, a]) => [k, { owner: a.owner, protected: a.protected, rules: a.rules.map(({ sid, rights, type }) => ({ sid, rights, type })) }]));
    this.events.push(...s.events);
    this.tasks.push(...s.events.filter((e) => /^(register|start|stop|remove) Patchwell-/.test(e)));
    this.taskErrors.push(...s.taskErrors);
    this.taskStarts.push(...s.taskStarts.map((t) => ({ arguments: t.arguments, files: t.files })));
  }
}

/** The state file the stand-ins read and write (see Patchwell.WindowsStandins.psm1). */
interface State {
  now: number;
  hostname: string;
  caption: string;
  build: string;
  ubr: number;
  displayVersion: string;
  edition: string;
  productType: number;
  lastBoot: number;
  freeKb: number;
  reboot: { cbs: boolean; wu: boolean; pfro: boolean };
  hotfixes: { kb: string; installedOn: string; description: string; package: HotfixPackage }[];
  apps: SimulatedWindows['apps'];
  pending: SimUpdate[];
  installedUpdates: SimUpdate[];
  restorePoints: SimulatedWindows['restorePoints'];
  restoreDisabled: boolean;
  permanent: string[];
  searchHResult: number | null;
  winget: boolean;
  appUpgrades: SimulatedWindows['appUpgrades'];
  consoleCodePage: number;
  services: ServiceRow[];
  stopsServices: Record<string, string[]>;
  comesBackAfter: Record<string, number>;
  stoppedFor: Record<string, number>;
  hangNextTask: boolean;
  nextTaskFailsWith: number | null;
  acls: Record<string, SimAcl & { rules: { inherited: boolean }[] }>;
  scheduledTasks: Record<string, unknown>;
  events: string[];
  taskStarts: { arguments: string; files: string[] }[];
  taskErrors: string[];
}

/** Two realistic pending updates: a cumulative update fixing a KEV-listed CVE, and a .NET update. */
export function sampleUpdates(): SimUpdate[] {
  return [
    {
      updateId: '2f1e3b6a-7c44-4d2e-9a8b-1c0d5e6f7a81',
      revision: 200,
      title: '2026-11 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5046633)',
      kbs: ['KB5046633'],
      msrcSeverity: 'Critical',
      cves: ['CVE-2024-38063', 'CVE-2024-43451'],
      categories: ['Security Updates', 'Windows 11'],
      rebootBehavior: 1,
      maxDownloadSize: 812_000_000,
      uninstallable: true,
      published: '2026-11-10T18:00:00Z',
    },
    {
      updateId: '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
      revision: 1,
      title: '2026-11 Cumulative Update for .NET Framework 3.5 and 4.8.1 for Windows 11 (KB5045935)',
      kbs: ['KB5045935'],
      msrcSeverity: 'Important',
      cves: ['CVE-2024-43499'],
      categories: ['Security Updates'],
      rebootBehavior: 0,
      maxDownloadSize: 70_000_000,
      uninstallable: true,
      published: '2026-11-10T18:00:00Z',
    },
  ];
}
