/**
 * PowerShell over WinRM without building PowerShell from untrusted text: the script is constant, its data
 * travels as base64 of JSON (an alphabet that cannot leave a single-quoted string) and is decoded inside the
 * script into $PwArgs; the script prints JSON, which is validated with a zod schema before use.
 */
import type { z } from 'zod';

/** CreateProcess limits a command line to 32,767 characters; keep clear of it. */
const MAX_COMMAND_LINE = 32_000;

export class PowerShellOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PowerShellOutputError';
  }
}

/** The full script run: a prelude that decodes the data, then the constant script. */
export function scriptWithData(script: string, data: unknown): string {
  const json = JSON.stringify(data ?? null);
  if (json === undefined) throw new Error('PowerShell data must be JSON-serialisable');
  const blob = Buffer.from(json, 'utf8').toString('base64');
  return (
    "$ErrorActionPreference = 'Stop'\n" +
    "$ProgressPreference = 'SilentlyContinue'\n" +
    `$PwArgs = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${blob}')) | ConvertFrom-Json\n` +
    script
  );
}

/** argv for powershell.exe with -EncodedCommand (base64 of UTF-16LE), as WinRM's Command takes it. */
export function powershellArgv(script: string, data?: unknown): string[] {
  const encoded = Buffer.from(scriptWithData(script, data), 'utf16le').toString('base64');
  const argv = ['powershell.exe', '-NoProfile', '-NonInteractive', '-EncodedCommand', encoded];
  const length = argv.join(' ').length;
  if (length > MAX_COMMAND_LINE) {
    throw new Error(`The PowerShell command line would be ${length} characters, over Windows' limit; send less data`);
  }
  return argv;
}

/** Parses the script's stdout as JSON and validates it; a clear error names what was wrong. */
export function parsePowerShellJson<T extends z.ZodTypeAny>(stdout: string, schema: T): z.infer<T> {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') throw new PowerShellOutputError('The PowerShell script printed nothing; JSON was expected');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PowerShellOutputError(`The PowerShell script did not print JSON (starts with ${JSON.stringify(text.slice(0, 40))})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new PowerShellOutputError(`The PowerShell output is not of the expected shape: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data as z.infer<T>;
}
