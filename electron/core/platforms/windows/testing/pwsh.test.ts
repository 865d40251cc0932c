/**
 * Where PowerShell is missing, the tests that execute the Windows scripts fail with the command that installs
 * it; they do not skip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPwsh, PWSH_NEEDED } from './pwsh';

describe('finding PowerShell', () => {
  it('fails with the install command where there is no pwsh on PATH or in ~/.dotnet/tools', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-nopwsh-'));
    expect(() => findPwsh(empty, empty)).toThrow(PWSH_NEEDED);
    expect(PWSH_NEEDED).toBe('PowerShell 7.6.10 is needed: dotnet tool install --global PowerShell --version 7.6.10');
  });

  it('finds it in ~/.dotnet/tools when PATH does not have it', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-home-'));
    fs.mkdirSync(path.join(home, '.dotnet', 'tools'), { recursive: true });
    fs.writeFileSync(path.join(home, '.dotnet', 'tools', 'pwsh'), '');
    expect(findPwsh('/nonexistent', home)).toBe(path.join(home, '.dotnet', 'tools', 'pwsh'));
  });
});
