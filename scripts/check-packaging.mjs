// Validates the installer configuration where the Electron binary cannot be fetched (run by `npm test` after
// the build): electron-builder.yml through electron-builder's own loader and JSON-schema validator, then our
// invariants — icons present at the sizes their names say, the native module unpacked from the asar, and
// every built entry point included in the package.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
const { minimatch } = require('minimatch');

const root = process.cwd();
const problems = [];
const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
try {
  await validateConfiguration(config, { isEnabled: false, add() {} });
} catch (e) {
  problems.push(`electron-builder rejects electron-builder.yml: ${e.message.split('\n')[0]}`);
}

function pngSize(file) {
  const b = fs.readFileSync(file);
  if (b.subarray(1, 4).toString('ascii') !== 'PNG') throw new Error('not a PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}
const need = (file, why) => {
  if (!fs.existsSync(path.join(root, file))) problems.push(`${file} is missing (${why})`);
  return fs.existsSync(path.join(root, file));
};

// Icons.
const linuxDir = config.linux?.icon;
if (linuxDir && need(linuxDir, 'linux.icon')) {
  const pngs = fs.readdirSync(linuxDir).filter((f) => f.endsWith('.png'));
  for (const f of pngs) {
    const m = /^(\d+)x(\d+)\.png$/.exec(f);
    const [w, h] = pngSize(path.join(linuxDir, f));
    if (!m || Number(m[1]) !== w || Number(m[2]) !== h) problems.push(`${linuxDir}/${f} is ${w}×${h}, not what its name says`);
  }
  if (!pngs.includes('512x512.png')) problems.push(`${linuxDir} has no 512x512.png (AppImage and deb want one)`);
}
if (need('build/icon.png', 'the fallback icon')) {
  const [w, h] = pngSize(path.join(root, 'build/icon.png'));
  if (w < 512 || w !== h) problems.push(`build/icon.png is ${w}×${h}: use a square of at least 512`);
}
if (config.win?.icon && need(config.win.icon, 'win.icon')) {
  const b = fs.readFileSync(config.win.icon);
  const n = b.readUInt16LE(4);
  const sizes = Array.from({ length: n }, (_, i) => b[6 + i * 16] || 256);
  if (b.readUInt16LE(2) !== 1 || !sizes.includes(256)) problems.push(`${config.win.icon} is not an icon with a 256 px image (sizes: ${sizes.join(', ')})`);
}
if (config.mac?.icon && need(config.mac.icon, 'mac.icon')) {
  const b = fs.readFileSync(config.mac.icon);
  if (b.subarray(0, 4).toString('ascii') !== 'icns' || b.readUInt32BE(4) !== b.length || !b.includes(Buffer.from('ic10'))) problems.push(`${config.mac.icon} is not an .icns with a 1024 px image`);
}

// The native module must be unpacked from the asar archive, or the app cannot open its database.
const nativeModule = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
need(nativeModule, 'better-sqlite3 built by npm install');
if (!(config.asarUnpack ?? []).some((p) => minimatch(nativeModule, p, { dot: true }))) problems.push(`asarUnpack does not match ${nativeModule}`);

// Every built entry point (npm run build) must be packaged, and not excluded.
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// The loader normalises `files` to [{ filter: [...] }]; plain strings are accepted too.
const patterns = (config.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])));
const included = (f) => patterns.some((p) => !p.startsWith('!') && minimatch(f, p, { dot: true })) && !patterns.some((p) => p.startsWith('!') && minimatch(f, p.slice(1), { dot: true }));
for (const f of [pkg.main, 'out/preload/index.cjs', 'out/core/utility.cjs', 'out/cli/index.mjs', 'out/host/index.mjs', 'out/renderer/index.html', 'resources/tray/tray-32.png', 'resources/kev/known_exploited_vulnerabilities.json', 'package.json']) {
  if (need(f, 'npm run build first')) {
    if (!included(f)) problems.push(`${f} would not be packaged: electron-builder.yml "files" leaves it out`);
  }
}
// The command line from an installed app: each platform ships its launcher (it runs the app binary with --cli),
// and the Linux packages link /usr/bin/patchwell to it with our after-install script.
const LAUNCHERS = { linux: 'build/linux/patchwell-launcher.sh', mac: 'build/linux/patchwell-launcher.sh', win: 'build/win/patchwell.cmd' };
for (const [platform, from] of Object.entries(LAUNCHERS)) {
  const extra = (config[platform]?.extraResources ?? []).map((e) => (typeof e === 'string' ? { from: e } : e));
  if (!extra.some((e) => e.from === from && typeof e.to === 'string' && e.to.startsWith('bin/'))) problems.push(`${platform}.extraResources does not ship ${from} into bin/`);
  if (need(from, `the ${platform} command-line launcher`) && platform !== 'win' && (fs.statSync(path.join(root, from)).mode & 0o111) === 0) problems.push(`${from} is not executable`);
}
for (const t of ['deb', 'rpm']) {
  for (const [key, file] of [['afterInstall', 'build/linux/after-install.sh'], ['afterRemove', 'build/linux/after-remove.sh']]) {
    if (config[t]?.[key] !== file) problems.push(`${t}.${key} must be ${file} (it links /usr/bin/patchwell to the launcher)`);
  }
}
if (need('build/linux/after-install.sh', 'deb/rpm after-install') && !fs.readFileSync(path.join(root, 'build/linux/after-install.sh'), 'utf8').includes("ln -sf '/opt/${sanitizedProductName}/resources/bin/patchwell' '/usr/bin/patchwell'")) {
  problems.push('build/linux/after-install.sh does not link /usr/bin/patchwell to the launcher');
}

// Fuses: a tool that holds administrators' credentials must not be usable as a Node runtime or debugged from outside.
const FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
};
for (const [fuse, want] of Object.entries(FUSES)) {
  const got = config.electronFuses?.[fuse];
  if (got !== want) problems.push(`electronFuses.${fuse} must be ${want} (it is ${got === undefined ? 'not set' : got})`);
}
if (config.asar === false) problems.push('asar must stay on: onlyLoadAppFromAsar and the integrity check need it');
if (pkg.main !== 'out/main/index.cjs') problems.push(`package.json main is ${pkg.main}, the build writes out/main/index.cjs`);
if (!config.appId || !/^[a-z0-9.-]+$/.test(config.appId)) problems.push('appId must be a reverse-DNS identifier');

if (problems.length) {
  console.error(`packaging check: ${problems.length} problem(s)\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`packaging check: electron-builder.yml valid for electron-builder; icons, native module unpacking, fuses and ${patterns.length} file patterns checked`);
