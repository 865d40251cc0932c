// `npm start`: installs the npm packages when they are missing (a fresh clone), builds, then opens the Electron
// app. Electron 45 fetches its binary on first use: where that cannot be done (no route to Electron's download
// host), `npm start` says why no window opens and starts the headless host, whose URL opens the same app in a
// browser.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { electronBinary, ensureNpmPackages, root } from './install-lib.mjs';

try {
  await ensureNpmPackages();
} catch (e) {
  console.error(`patchwell: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
if (spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) {
  console.error('patchwell: the build failed; see its output above');
  process.exit(1);
}

let bin = electronBinary();
// ELECTRON_SKIP_BINARY_DOWNLOAD (Electron's own switch, set by .ci/run) keeps the first start offline.
if ('missing' in bin && bin.downloadable && !process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('patchwell: fetching Electron\'s binary (first start)…');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules/electron/install.js')], { cwd: root, stdio: 'inherit', timeout: 10 * 60_000 });
  bin = r.status === 0 ? electronBinary() : { missing: 'its binary could not be downloaded on this machine' };
} else if ('missing' in bin && bin.downloadable) {
  bin = { missing: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so its binary was not fetched' };
}
const args = process.argv.slice(2);
let child;
if ('path' in bin) {
  child = spawn(bin.path, ['.', ...args], { cwd: root, stdio: 'inherit' });
} else {
  console.log(`patchwell: no desktop window: no Electron binary (${bin.missing}). Starting the headless host instead: open the URL it prints.`);
  child = spawn(process.execPath, ['out/host/index.mjs', ...args], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
