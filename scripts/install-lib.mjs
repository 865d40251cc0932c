// What `npm start` and `npm test` need before they run, for a newcomer's fresh clone: the npm packages, where
// Electron's binary is, and for the tests the Debian packages and PowerShell. Node built-ins only: this runs
// before node_modules exists.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** The npm packages are missing or older than the lock file. */
export function npmInstallNeeded(dir = root) {
  const marker = path.join(dir, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(marker)) return true;
  return fs.statSync(path.join(dir, 'package-lock.json')).mtimeMs > fs.statSync(marker).mtimeMs;
}

function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d) => {
      out += d.toString();
      if (out.length > 1_000_000) out = out.slice(-500_000);
    };
    child.stdout.on('data', (d) => (process.stdout.write(d), keep(d)));
    child.stderr.on('data', (d) => (process.stderr.write(d), keep(d)));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.on('error', (e) => resolve({ code: 127, out: String(e) }));
  });
}

/** `npm install` when the packages are missing or older than the lock file; any failure stops with npm's own words. */
export async function ensureNpmPackages() {
  if (!npmInstallNeeded()) return false;
  console.log('patchwell: installing the npm packages (npm install)…');
  const r = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund']);
  if (r.code !== 0) throw new Error(`npm install failed (exit ${r.code}); see its output above`);
  return true;
}

/**
 * Where Electron's binary is, without fetching it: since Electron 45, requiring the package downloads the binary
 * on first use, and a probe (tests, start-up checks) must never reach the network on its own.
 */
export function electronBinary(dir = root) {
  const pkg = path.join(dir, 'node_modules', 'electron');
  if (!fs.existsSync(path.join(pkg, 'package.json'))) return { missing: 'the electron package is not installed' };
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return { missing: 'its binary has not been downloaded', downloadable: true };
  const exe = fs.readFileSync(pathFile, 'utf8').trim();
  const full = process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe) : path.join(pkg, 'dist', exe);
  return fs.existsSync(full) ? { path: full } : { missing: `${full} does not exist`, downloadable: true };
}

/** The Debian packages the tests need: the lab's list (e2e/lab/debian-packages.txt), one per line. */
export function testDebianPackages(dir = root) {
  return fs
    .readFileSync(path.join(dir, 'e2e/lab/debian-packages.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Of `names`, those dpkg does not have installed. */
export function missingDebianPackages(names) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\\n', ...names], { encoding: 'utf8' });
  const ok = new Set(
    (r.stdout ?? '')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([, status]) => status?.startsWith('ii'))
      .map(([name]) => name.split(':')[0]),
  );
  return names.filter((n) => !ok.has(n));
}

export const PWSH_VERSION = '7.6.10';
export const PWSH_INSTALL = `dotnet tool install --global PowerShell --version ${PWSH_VERSION}`;

/** PowerShell's path: on PATH, or where `dotnet tool install --global` puts it. */
export function findPwsh(env = process.env, home = os.homedir()) {
  for (const dir of [...(env.PATH ?? '').split(path.delimiter), path.join(home, '.dotnet', 'tools')]) {
    if (dir && fs.existsSync(path.join(dir, 'pwsh'))) return path.join(dir, 'pwsh');
  }
  return null;
}
