// What `npm start` and `npm test` decide before anything is installed, on folders laid out as a fresh clone,
// an installed one and an Electron package with and without its binary.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electronBinary, findPwsh, npmInstallNeeded, testDebianPackages } from './install-lib.mjs';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-install-'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (rel: string, text = ''): void => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

describe('npm packages', () => {
  it('installs on a fresh clone and after the lock file changed, not otherwise', () => {
    expect(npmInstallNeeded(dir)).toBe(true);
    write('node_modules/.package-lock.json', '{}');
    const t = Date.now() / 1000;
    fs.utimesSync(path.join(dir, 'package-lock.json'), t - 100, t - 100);
    fs.utimesSync(path.join(dir, 'node_modules/.package-lock.json'), t - 50, t - 50);
    expect(npmInstallNeeded(dir)).toBe(false);
    fs.utimesSync(path.join(dir, 'package-lock.json'), t, t);
    expect(npmInstallNeeded(dir)).toBe(true);
  });
});

describe('Electron binary probe', () => {
  it('finds the binary where the electron package recorded it, and never asks the package (which would download it)', () => {
    expect(electronBinary(dir)).toEqual({ missing: 'the electron package is not installed' });
    // index.js would download on require: the probe must not load it.
    write('node_modules/electron/package.json', '{"name":"electron"}');
    write('node_modules/electron/index.js', 'throw new Error("the probe loaded the package");');
    expect(electronBinary(dir)).toEqual({ missing: 'its binary has not been downloaded', downloadable: true });
    write('node_modules/electron/path.txt', 'electron');
    expect(electronBinary(dir)).toMatchObject({ downloadable: true });
    write('node_modules/electron/dist/electron', '');
    expect(electronBinary(dir)).toEqual({ path: path.join(dir, 'node_modules/electron/dist/electron') });
  });
});

describe('test prerequisites', () => {
  it('reads the Debian package list, skipping comments and blank lines', () => {
    write('e2e/lab/debian-packages.txt', '# comment\nchromium\n\n nmap \n');
    expect(testDebianPackages(dir)).toEqual(['chromium', 'nmap']);
  });

  it('finds PowerShell on PATH or where dotnet tool install puts it', () => {
    expect(findPwsh({ PATH: path.join(dir, 'bin') }, dir)).toBeNull();
    write('.dotnet/tools/pwsh');
    expect(findPwsh({ PATH: path.join(dir, 'bin') }, dir)).toBe(path.join(dir, '.dotnet/tools/pwsh'));
    write('bin/pwsh');
    expect(findPwsh({ PATH: path.join(dir, 'bin') }, dir)).toBe(path.join(dir, 'bin/pwsh'));
  });
});
