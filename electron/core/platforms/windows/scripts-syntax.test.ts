/**
 * The scripts also run in PowerShell 7 in the tests (scripts-in-powershell.test.ts and the simulated machine),
 * but Windows runs them in Windows PowerShell 5.1, which has fewer cmdlets and a different grammar in places.
 * So this check stands beside that one: every script Patchwell sends, exactly as it travels (the data prelude
 * of powershell.ts, the SSH bootstrap, the SYSTEM task's bootstrap line), is parsed with tree-sitter's
 * PowerShell grammar and must have no syntax error, and every command it calls must be one it defines itself
 * or one of the Windows PowerShell 5.1 cmdlets listed below (a cmdlet only PowerShell 7 or the stand-ins have
 * is otherwise found only on a customer's machine).
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { powershellArgv, scriptWithData } from '../../winrm/powershell';
import * as scripts from './scripts';
import { SSH_BOOTSTRAP, SSH_COMMAND } from './windows-module';

/** The cmdlets the scripts may call, each with the Windows PowerShell 5.1 module that ships it. */
const KNOWN_CMDLETS: Record<string, string> = {
  'Checkpoint-Computer': 'Microsoft.PowerShell.Management',
  'ConvertFrom-Json': 'Microsoft.PowerShell.Utility',
  'ConvertTo-Json': 'Microsoft.PowerShell.Utility',
  'ForEach-Object': 'Microsoft.PowerShell.Core',
  'Get-ChildItem': 'Microsoft.PowerShell.Management',
  'Get-CimInstance': 'CimCmdlets',
  'Get-ComputerRestorePoint': 'Microsoft.PowerShell.Management',
  'Get-Acl': 'Microsoft.PowerShell.Security',
  'Get-Content': 'Microsoft.PowerShell.Management',
  'Get-Item': 'Microsoft.PowerShell.Management',
  'Get-Date': 'Microsoft.PowerShell.Utility',
  'Get-ItemProperty': 'Microsoft.PowerShell.Management',
  'Get-ScheduledTask': 'ScheduledTasks',
  'Get-ScheduledTaskInfo': 'ScheduledTasks',
  'Get-WindowsPackage': 'Dism',
  'Join-Path': 'Microsoft.PowerShell.Management',
  'New-Item': 'Microsoft.PowerShell.Management',
  'New-Object': 'Microsoft.PowerShell.Utility',
  'New-ScheduledTaskAction': 'ScheduledTasks',
  'New-ScheduledTaskPrincipal': 'ScheduledTasks',
  'New-ScheduledTaskSettingsSet': 'ScheduledTasks',
  'New-TimeSpan': 'Microsoft.PowerShell.Utility',
  'Out-Null': 'Microsoft.PowerShell.Core',
  'Register-ScheduledTask': 'ScheduledTasks',
  'Remove-Item': 'Microsoft.PowerShell.Management',
  'Remove-WindowsPackage': 'Dism',
  'Restart-Computer': 'Microsoft.PowerShell.Management',
  'Select-Object': 'Microsoft.PowerShell.Utility',
  'Set-Acl': 'Microsoft.PowerShell.Security',
  'Set-Content': 'Microsoft.PowerShell.Management',
  'Sort-Object': 'Microsoft.PowerShell.Utility',
  'Start-Process': 'Microsoft.PowerShell.Management',
  'Start-ScheduledTask': 'ScheduledTasks',
  'Start-Sleep': 'Microsoft.PowerShell.Utility',
  'Stop-ScheduledTask': 'ScheduledTasks',
  'Test-Path': 'Microsoft.PowerShell.Management',
  'Unregister-ScheduledTask': 'ScheduledTasks',
  'Where-Object': 'Microsoft.PowerShell.Core',
};

let parser: Parser;

beforeAll(async () => {
  await Parser.init();
  const require = createRequire(import.meta.url);
  const wasm = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
  parser = new Parser();
  parser.setLanguage(await Language.load(wasm));
});

interface Checked {
  errors: string[];
  commands: Set<string>;
  functions: Set<string>;
}

function check(source: string): Checked {
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  const out: Checked = { errors: [], commands: new Set(), functions: new Set() };
  const visit = (node: Node): void => {
    if (node.type === 'ERROR' || node.isMissing) {
      const line = source.split('\n')[node.startPosition.row] ?? '';
      out.errors.push(`${node.isMissing ? `missing ${node.type}` : 'syntax error'} at line ${node.startPosition.row + 1}: ${line.trim()}`);
    }
    if (node.type === 'command_name') out.commands.add(node.text);
    if (node.type === 'function_name') out.functions.add(node.text);
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  tree.delete();
  return out;
}

function unknownCommands(c: Checked): string[] {
  return [...c.commands].filter((name) => !(name in KNOWN_CMDLETS) && !c.functions.has(name));
}

const constantScripts: [string, string][] = Object.entries(scripts as Record<string, unknown>).flatMap(([name, value]) =>
  typeof value === 'string' && value !== scripts.MARKER && value.startsWith(scripts.MARKER) ? [[name, value] as [string, string]] : [],
);

function decodeEncodedCommand(argv: string[]): string {
  const at = argv.indexOf('-EncodedCommand');
  return Buffer.from(argv[at + 1] ?? '', 'base64').toString('utf16le');
}

describe('the PowerShell Patchwell sends to Windows', () => {
  it('covers every script of the module', () => {
    expect(constantScripts.map(([name]) => name).sort()).toEqual([
      'FACTS_SCRIPT', 'INSTALLED_SCRIPT', 'REMOVE_KB_SCRIPT', 'RESTART_SCRIPT', 'RESTORE_POINT_SCRIPT', 'SERVICES_SCRIPT', 'WINGET_WORKER_SCRIPT', 'WUA_TASK_SCRIPT', 'WUA_WORKER_SCRIPT',
    ]);
  });

  it.each(constantScripts)('%s parses as sent over WinRM (data prelude + script) and calls only known cmdlets', (_name, script) => {
    const sent = decodeEncodedCommand(powershellArgv(script, { kb: 'KB5031356', description: "it's \"quoted\" $(x)" }));
    expect(sent).toBe(scriptWithData(script, { kb: 'KB5031356', description: "it's \"quoted\" $(x)" }));
    const c = check(sent);
    expect(c.errors).toEqual([]);
    expect(unknownCommands(c)).toEqual([]);
    expect(c.commands.size).toBeGreaterThan(0);
  });

  it.each(constantScripts)('%s is ASCII, so no code page (OpenSSH stdin is read with the OEM one) can change it', (_name, script) => {
    // eslint-disable-next-line no-control-regex
    expect(script.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
  });

  it('the SSH bootstrap decodes to itself and parses', () => {
    const argv = SSH_COMMAND.split(' ');
    expect(decodeEncodedCommand(argv)).toBe(SSH_BOOTSTRAP);
    expect(check(SSH_BOOTSTRAP).errors).toEqual([]);
  });

  it("the SYSTEM task's bootstrap line, as the task script builds it, parses and carries the worker itself", () => {
    // The same concatenation WUA_TASK_SCRIPT performs for $boot: the run folder, the input and the worker, each
    // as base64 of UTF-8 decoded in place, so nothing the task runs is read from a file.
    const b64 = (t: string): string => Buffer.from(t, 'utf8').toString('base64');
    const decode = (b: string): string => "[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" + b + "'))";
    expect(scripts.WUA_TASK_SCRIPT).toContain('$boot = "`$PwTaskDir = " + (& $decode (& $b64 $dir)) + "; `$PwInput = " + (& $decode (& $b64 ($D.input | ConvertTo-Json -Depth 6 -Compress))) + "; & ([scriptblock]::Create(" + (& $decode (& $b64 $D.worker)) + "))"');
    for (const worker of [scripts.WUA_WORKER_SCRIPT, scripts.WINGET_WORKER_SCRIPT]) {
      const boot = '$PwTaskDir = ' + decode(b64('C:\\ProgramData\\Patchwell\\0123456789abcdef')) + '; $PwInput = ' + decode(b64('{"op":"search"}')) + '; & ([scriptblock]::Create(' + decode(b64(worker)) + '))';
      expect(check(boot).errors).toEqual([]);
      const c = check(worker);
      expect(c.errors).toEqual([]);
      expect(unknownCommands(c)).toEqual([]);
    }
  });

  it('the SYSTEM task with its worker fits on the WinRM command line', () => {
    const data = { id: '0123456789abcdef', worker: scripts.WUA_WORKER_SCRIPT, input: { op: 'install', updateIds: Array.from({ length: 40 }, () => '2f1e3b6a-7c44-4d2e-9a8b-1c0d5e6f7a81') }, timeoutSeconds: 3600 };
    expect(() => powershellArgv(scripts.WUA_TASK_SCRIPT, [JSON.stringify(data)])).not.toThrow();
  });

  it('finds what it is there to find: a broken script and a misspelt cmdlet', () => {
    const broken = check(scriptWithData(scripts.FACTS_SCRIPT.replace('rebootReasons = @($reasons)', 'rebootReasons = @($reasons'), {}));
    expect(broken.errors.length).toBeGreaterThan(0);
    const misspelt = check(scriptWithData(scripts.FACTS_SCRIPT.replace('Get-CimInstance Win32_OperatingSystem', 'Get-CimInstanse Win32_OperatingSystem'), {}));
    expect(misspelt.errors).toEqual([]);
    expect(unknownCommands(misspelt)).toEqual(['Get-CimInstanse']);
  });
});
