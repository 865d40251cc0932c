/**
 * The installed app's `patchwell` launchers (build/), run against a stand-in app binary laid out as the packages
 * lay it out, and the deb/rpm scripts that put it on the PATH, filled in as electron-builder fills them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliArgsFrom, ELECTRON_CLI_SWITCHES } from './cli-mode';

const LAUNCHER = path.resolve('build/linux/patchwell-launcher.sh');
// Prints each argument on its own line, as the app binary would receive them.
const FAKE_APP = '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n';

function layout(kind: 'linux' | 'mac'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-launch-'));
  const app = kind === 'linux' ? path.join(root, 'opt/Patchwell') : path.join(root, 'Patchwell.app/Contents');
  const bin = path.join(app, kind === 'linux' ? 'resources/bin' : 'Resources/bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(path.join(app, 'MacOS'), { recursive: true });
  fs.writeFileSync(kind === 'linux' ? path.join(app, 'patchwell') : path.join(app, 'MacOS/Patchwell'), FAKE_APP, { mode: 0o755 });
  fs.copyFileSync(LAUNCHER, path.join(bin, 'patchwell'));
  fs.chmodSync(path.join(bin, 'patchwell'), 0o755);
  // As after-install.sh links it: /usr/bin/patchwell -> the launcher.
  fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  fs.symlinkSync(path.join(bin, 'patchwell'), path.join(root, 'usr/bin/patchwell'));
  return path.join(root, 'usr/bin/patchwell');
}

const run = (file: string, args: string[]): { status: number | null; lines: string[]; stderr: string } => {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
};

describe('the patchwell launcher', () => {
  it.each(['linux', 'mac'] as const)('runs the %s app binary in command-line mode, each argument intact, through the PATH link', (kind) => {
    const r = run(layout(kind), ['--home', '/srv/my data', 'scan', '10.0.0.0/24', '$HOME', '*']);
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([...ELECTRON_CLI_SWITCHES, '--home', '/srv/my data', 'scan', '10.0.0.0/24', '$HOME', '*']);
  });

  it('opens the desktop app when given no arguments', () => {
    const r = run(layout('linux'), []);
    expect(r.status).toBe(0);
    expect(r.lines).toEqual([]);
  });

  it('says so when it is not next to an app binary', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-launch-'));
    fs.copyFileSync(LAUNCHER, path.join(dir, 'patchwell'));
    fs.chmodSync(path.join(dir, 'patchwell'), 0o755);
    const r = run(path.join(dir, 'patchwell'), ['help']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('app binary is not next to this launcher');
  });

  it('passes the same switches on Windows', () => {
    const cmd = fs.readFileSync('build/win/patchwell.cmd', 'utf8');
    expect(cmd).toContain(`"%~dp0..\\..\\Patchwell.exe" ${ELECTRON_CLI_SWITCHES.join(' ')} %*\r\n`);
    expect(cmd).toContain('exit /b %ERRORLEVEL%');
  });
});

describe('cliArgsFrom', () => {
  it('finds command-line mode in the packaged and the development argv, and not in a desktop start', () => {
    expect(cliArgsFrom(['/opt/Patchwell/patchwell', ...ELECTRON_CLI_SWITCHES, 'scan', '10.0.0.1'])).toEqual(['scan', '10.0.0.1']);
    expect(cliArgsFrom(['electron', '.', '--cli', '--json', 'audit', 'verify'])).toEqual(['--json', 'audit', 'verify']);
    expect(cliArgsFrom(['/opt/Patchwell/patchwell'])).toBeNull();
    expect(cliArgsFrom(['/opt/Patchwell/patchwell', '--hidden'])).toBeNull();
  });
});

describe('the deb/rpm scripts', () => {
  // electron-builder's substitution (FpmTarget writeConfigFile): an unknown macro stops the build.
  const fill = (file: string): string =>
    fs.readFileSync(file, 'utf8').replace(/\${([a-zA-Z]+)}/g, (_m, name: string) => {
      const macros: Record<string, string> = { executable: 'patchwell', sanitizedProductName: 'Patchwell' };
      if (!(name in macros)) throw new Error(`Macro ${name} is not defined`);
      return macros[name]!;
    });

  it.each(['build/linux/after-install.sh', 'build/linux/after-remove.sh'])('%s fills in and is valid bash', (file) => {
    const text = fill(file);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-pkg-')), 'script.sh');
    fs.writeFileSync(out, text);
    const r = spawnSync('bash', ['-n', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('after-install links /usr/bin/patchwell to the launcher; after-remove only removes that link, and not on upgrade', () => {
    expect(fill('build/linux/after-install.sh')).toContain("ln -sf '/opt/Patchwell/resources/bin/patchwell' '/usr/bin/patchwell'");
    const remove = fill('build/linux/after-remove.sh');
    expect(remove).toContain("if [ \"$(readlink /usr/bin/patchwell)\" = '/opt/Patchwell/resources/bin/patchwell' ]; then");
    expect(remove).toMatch(/upgrade\|1\) exit 0/);
  });
});
