/** The PowerShell helper: hostile data never reaches the script text, and output is validated. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parsePowerShellJson, powershellArgv, PowerShellOutputError, scriptWithData } from './powershell';

const SCRIPT = 'Get-HotFix -Id $PwArgs.kb | Select-Object HotFixID | ConvertTo-Json -Compress';
const hostile = [
  "KB1'; Remove-Item C:\\ -Recurse; '",
  '$(Stop-Computer)',
  '`n"; Invoke-Expression "calc',
  'line1\nline2\r\n#comment',
  '\u2018smart\u2019 quotes \u201cdouble\u201d',
  '@{a=1}; & cmd.exe /c whoami',
];

const decode = (argv: string[]): string => Buffer.from(argv[4]!, 'base64').toString('utf16le');

describe('powershell', () => {
  it('builds the encoded command line', () => {
    const argv = powershellArgv(SCRIPT, { kb: 'KB5034441' });
    expect(argv.slice(0, 4)).toEqual(['powershell.exe', '-NoProfile', '-NonInteractive', '-EncodedCommand']);
    expect(argv[4]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decode(argv)).toBe(scriptWithData(SCRIPT, { kb: 'KB5034441' }));
    expect(decode(argv).endsWith(SCRIPT)).toBe(true);
  });

  it.each(hostile)('carries %j only as base64 data', (value) => {
    const text = decode(powershellArgv(SCRIPT, { kb: value }));
    expect(text).not.toContain(value);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    const m = /^\$PwArgs = \[Text\.Encoding\]::UTF8\.GetString\(\[Convert\]::FromBase64String\('([A-Za-z0-9+/]*=*)'\)\) \| ConvertFrom-Json$/.exec(lines[2]!);
    expect(m).not.toBeNull();
    expect(JSON.parse(Buffer.from(m![1]!, 'base64').toString('utf8'))).toEqual({ kb: value });
    expect(lines[3]).toBe(SCRIPT);
  });

  it('refuses data that would overflow the command line', () => {
    expect(() => powershellArgv(SCRIPT, { blob: 'x'.repeat(20_000) })).toThrow(/over Windows' limit/);
  });

  it('validates the JSON output', () => {
    const schema = z.object({ HotFixID: z.string().regex(/^KB\d+$/) });
    expect(parsePowerShellJson('\uFEFF{"HotFixID":"KB5034441"}\r\n', schema)).toEqual({ HotFixID: 'KB5034441' });
    expect(() => parsePowerShellJson('', schema)).toThrow(/printed nothing/);
    expect(() => parsePowerShellJson('Get-HotFix : Cannot find', schema)).toThrow(PowerShellOutputError);
    expect(() => parsePowerShellJson('{"HotFixID":"rm -rf"}', schema)).toThrow(/HotFixID/);
  });
});
