/**
 * A simulated Windows machine for tests, behind the loopback WinRM test server (real NTLM and sealing): it
 * recognises Patchwell's constant scripts by their marker line, never executes anything, decodes their JSON data
 * and answers from a state that installs and removals change — as Windows would, including its refusals: an
 * update that fails, a KB that cannot be removed, one restore point per 24 hours, a task that hangs.
 */
import type { CommandReply } from '../../../winrm/testing/test-server';
import { MARKER } from '../scripts';

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
  /** Installing it fails with this HRESULT. */
  failWith?: number;
}

export interface SimCall {
  script: string;
  data: unknown;
}

const DAY = 86_400_000;

export class SimulatedWindows {
  hostname = 'RECEPTION-PC';
  caption = 'Microsoft Windows 11 Pro';
  build = '22631';
  ubr = 3880;
  productType: 1 | 2 | 3 = 1;
  lastBoot = new Date('2026-11-20T07:00:00Z');
  freeKb = 40 * 1024 * 1024;
  rebootReasons: string[] = [];
  hotfixes: { kb: string; installedOn: string | null }[] = [{ kb: 'KB5027397', installedOn: '2026-10-15' }];
  apps = [{ name: '7-Zip 23.01 (x64)', version: '23.01', publisher: 'Igor Pavlov', x86: false }];
  pending: SimUpdate[] = [];
  /** Updates installed through Windows Update: removing one of their KBs offers them again. */
  installedUpdates: SimUpdate[] = [];
  restorePoints: { sequence: number; description: string; created: number }[] = [];
  /** KBs Windows refuses to remove (permanent packages). */
  permanent = new Set<string>();
  /** winget (App Installer) present, and the application upgrades it offers. */
  winget = true;
  appUpgrades: { name: string; id: string; installed: string; available: string; failWith?: number }[] = [];
  /** Automatic, non-delayed, non-trigger services running now. */
  services = ['Dnscache', 'EventLog', 'LanmanServer', 'Spooler', 'W32Time', 'WinRM'];
  /** Installing an update with this KB stops these services (a bad update breaking something). */
  stopsServices = new Map<string, string[]>();
  /**
   * A service an install stopped that Windows starts again: how many `services` queries still see it stopped
   * (absent: it stays stopped).
   */
  comesBackAfter = new Map<string, number>();
  private readonly stoppedFor = new Map<string, number>();
  /** The next SYSTEM task runs past its time limit. */
  hangNextTask = false;
  readonly calls: SimCall[] = [];
  readonly tasks: string[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** The WinRM test server's command callback. */
  readonly onCommand = (program: string, args: string[]): CommandReply => {
    if (program !== 'powershell.exe') return { stdout: '', stderr: `'${program}' is not recognized as an internal or external command`, exitCode: 1 };
    const encoded = args[args.indexOf('-EncodedCommand') + 1];
    if (!encoded) return { stdout: '', stderr: 'no -EncodedCommand', exitCode: 1 };
    return this.runScriptText(Buffer.from(encoded, 'base64').toString('utf16le'));
  };

  /** The same, for a script arriving as text (OpenSSH: the script on stdin). */
  runScriptText(text: string): CommandReply {
    const marker = text.split('\n').find((l) => l.startsWith(MARKER));
    const blob = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(text)?.[1];
    if (!marker || blob === undefined) return { stdout: '', stderr: 'The simulated machine runs only Patchwell scripts', exitCode: 1 };
    const args = JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as string[];
    const data = JSON.parse(args[0] ?? 'null') as Record<string, unknown>;
    const script = marker.slice(MARKER.length).trim();
    this.calls.push({ script, data });
    const json = (v: unknown): CommandReply => ({ stdout: `${JSON.stringify(v)}\r\n`, exitCode: 0 });
    switch (script) {
      case 'facts':
        return json({
          hostname: this.hostname,
          caption: this.caption,
          version: `10.0.${this.build}`,
          build: this.build,
          ubr: this.ubr,
          displayVersion: '23H2',
          edition: this.productType === 1 ? 'Professional' : 'ServerStandard',
          productType: this.productType,
          architecture: '64-bit',
          lastBoot: this.lastBoot.toISOString(),
          uptimeSeconds: Math.max(0, Math.floor((this.now() - this.lastBoot.getTime()) / 1000)),
          systemDriveFreeKb: this.freeKb,
          // As ConvertTo-Json writes a one-element array: the element alone.
          rebootReasons: this.rebootReasons.length === 1 ? this.rebootReasons[0] : this.rebootReasons,
        });
      case 'installed':
        return json({ hotfixes: this.hotfixes.map((h) => ({ ...h, description: 'Security Update' })), apps: this.apps });
      case 'wua-task':
        return json(this.task(data));
      case 'restore-point':
        return json(this.restorePoint(String(data.description)));
      case 'remove-kb':
        return json(this.remove(String(data.kb)));
      case 'services':
        for (const [name, looks] of this.stoppedFor) {
          if (looks > 0) this.stoppedFor.set(name, looks - 1);
          else {
            this.stoppedFor.delete(name);
            this.services.push(name);
          }
        }
        // One running service: ConvertTo-Json writes the element alone.
        return json({ running: this.services.length === 1 ? this.services[0] : [...this.services].sort() });
      case 'restart':
        this.lastBoot = new Date(this.now());
        this.rebootReasons = [];
        return json({ restarting: true });
      default:
        return { stdout: '', stderr: `unknown script ${script}`, exitCode: 1 };
    }
  }

  private task(d: Record<string, unknown>): unknown {
    const id = String(d.id);
    if (!/^[0-9a-f]{16}$/.test(id)) return { status: 'no-result', task: 'invalid', lastTaskResult: 0x80070057 };
    const worker = String(d.worker);
    if (!worker.startsWith(`${MARKER}wua-worker`) && !worker.startsWith(`${MARKER}winget-worker`)) return { status: 'no-result', task: `Patchwell-${id}`, lastTaskResult: 1 };
    const name = `Patchwell-${id}`;
    this.tasks.push(`register ${name}`, `start ${name}`);
    try {
      if (this.hangNextTask) {
        this.hangNextTask = false;
        this.tasks.push(`stop ${name}`);
        return { status: 'timed-out', task: name, seconds: Number(d.timeoutSeconds) };
      }
      const input = d.input as { op: string; updateIds?: string[]; id?: string; version?: string };
      if (input.op.startsWith('winget')) return { status: 'done', task: name, result: this.wingetOp(input) };
      if (input.op === 'search') return { status: 'done', task: name, result: { op: 'search', updates: this.pending.map(({ failWith: _f, ...u }) => u) } };
      const results: unknown[] = [];
      const missing: string[] = [];
      let reboot = false;
      for (const want of input.updateIds ?? []) {
        const u = this.pending.find((p) => p.updateId === want);
        if (!u) {
          missing.push(want);
          continue;
        }
        if (u.failWith !== undefined) {
          results.push({ updateId: u.updateId, kbs: u.kbs, resultCode: 4, hresult: u.failWith | 0, rebootRequired: false });
          continue;
        }
        this.pending = this.pending.filter((p) => p !== u);
        this.installedUpdates.push(u);
        for (const kb of u.kbs) this.hotfixes.push({ kb, installedOn: new Date(this.now()).toISOString().slice(0, 10) });
        for (const name of u.kbs.flatMap((kb) => this.stopsServices.get(kb) ?? [])) {
          if (!this.services.includes(name)) continue;
          this.services = this.services.filter((s) => s !== name);
          const back = this.comesBackAfter.get(name);
          if (back !== undefined) this.stoppedFor.set(name, back);
        }
        const needs = u.rebootBehavior !== 0;
        if (needs && !this.rebootReasons.includes('Windows Update needs a reboot to finish installing')) this.rebootReasons.push('Windows Update needs a reboot to finish installing');
        reboot ||= needs;
        results.push({ updateId: u.updateId, kbs: u.kbs, resultCode: 2, hresult: 0, rebootRequired: needs });
      }
      return { status: 'done', task: name, result: { op: 'install', results, missing, rebootRequired: reboot } };
    } finally {
      this.tasks.push(`remove ${name}`);
    }
  }

  /** Answers like winget: its table (with a progress spinner first), or an upgrade's output and exit code. */
  private wingetOp(input: { op: string; id?: string; version?: string }): unknown {
    if (!this.winget) return { op: input.op, found: false };
    if (input.op === 'winget-list') {
      const rows = this.appUpgrades.map((a) => [a.name, a.id, a.installed, a.available, 'winget']);
      const widths = [0, 1, 2, 3].map((i) => Math.max(['Name', 'Id', 'Version', 'Available'][i]!.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]): string => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]! + 1) : c)).join('');
      const lines = ['   - \r   \\ \r', line(['Name', 'Id', 'Version', 'Available', 'Source']), '-'.repeat(widths.reduce((a, b) => a + b + 1, 6)), ...rows.map(line)];
      lines.push(rows.length ? `${rows.length} upgrade${rows.length === 1 ? '' : 's'} available.` : 'No installed package found matching input criteria.');
      return { op: 'winget-list', found: true, exitCode: rows.length ? 0 : 0x8a15002b | 0, lines };
    }
    const app = this.appUpgrades.find((a) => a.id === input.id && a.available === input.version);
    if (!app) return { op: 'winget-upgrade', found: true, exitCode: 0x8a150014 | 0, lines: ['No package found matching input criteria.'] };
    if (app.failWith !== undefined) return { op: 'winget-upgrade', found: true, exitCode: app.failWith | 0, lines: ['Installer failed with exit code: 1603'] };
    this.appUpgrades = this.appUpgrades.filter((a) => a !== app);
    const installed = this.apps.find((a) => a.name === app.name);
    if (installed) installed.version = app.available;
    return { op: 'winget-upgrade', found: true, exitCode: 0, lines: ['Found ' + app.name + ' [' + app.id + '] Version ' + app.available, 'Successfully installed'] };
  }

  private restorePoint(description: string): unknown {
    if (this.productType !== 1) return { created: false, reason: 'server' };
    const last = this.restorePoints.at(-1);
    const previous = last ? { sequence: last.sequence, description: last.description, created: new Date(last.created).toISOString() } : null;
    if (last && this.now() - last.created < DAY) return { created: false, sequence: null, reason: 'frequency', previous, message: 'A new system restore point cannot be created because one has already been created within the past 1440 minutes.' };
    const sequence = (last?.sequence ?? 40) + 1;
    this.restorePoints.push({ sequence, description, created: this.now() });
    return { created: true, sequence, reason: null, previous, message: '' };
  }

  private remove(kb: string): unknown {
    if (!this.hotfixes.some((h) => h.kb === kb)) return { kb, via: 'wusa', package: null, exitCode: 0x240007, rebootRequired: false };
    const pkg = `Package_for_RollupFix~31bf3856ad364e35~amd64~~${this.build}.${this.ubr}.1.7`;
    if (this.permanent.has(kb)) return { kb, via: 'dism', package: pkg, exitCode: 0x800f0825 | 0, message: 'The specified package cannot be uninstalled.', rebootRequired: false };
    this.hotfixes = this.hotfixes.filter((h) => h.kb !== kb);
    const u = this.installedUpdates.find((x) => x.kbs.includes(kb));
    if (u) {
      this.installedUpdates = this.installedUpdates.filter((x) => x !== u);
      this.pending.push(u);
    }
    if (!this.rebootReasons.includes('Windows servicing (CBS) has a reboot pending')) this.rebootReasons.push('Windows servicing (CBS) has a reboot pending');
    return { kb, via: 'dism', package: pkg, exitCode: 0, rebootRequired: true };
  }
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
