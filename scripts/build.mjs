// Builds everything into out/: the renderer with Vite, and the Node/Electron entry points with esbuild.
// Native modules (better-sqlite3, ssh2's optional crypto) stay external and load from node_modules.
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = ['electron', 'better-sqlite3', 'ssh2', 'cpu-features', 'node-ssh'];
const define = { __PATCHWELL_VERSION__: JSON.stringify(pkg.version) };
const common = { bundle: true, platform: 'node', target: 'node20', external, define, sourcemap: 'linked', logLevel: 'warning' };

const quiet = process.argv.includes('--quiet');
await vite({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, logLevel: quiet ? 'warn' : 'info' });
await Promise.all([
  esbuild({ ...common, entryPoints: ['electron/main/index.ts'], outfile: 'out/main/index.cjs', format: 'cjs' }),
  // The sandboxed preload may only require('electron'), so it is one self-contained CommonJS file.
  esbuild({ ...common, entryPoints: ['electron/preload/index.ts'], outfile: 'out/preload/index.cjs', format: 'cjs' }),
  esbuild({ ...common, entryPoints: ['electron/core/utility-entry.ts'], outfile: 'out/core/utility.cjs', format: 'cjs' }),
  esbuild({
    ...common,
    entryPoints: ['electron/host/index.ts'],
    outfile: 'out/host/index.mjs',
    format: 'esm',
    // Bundled CommonJS dependencies (ws) call require(); give the ES module one.
    banner: { js: "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);" },
  }),
  // The command line: the same core for scripts and cron (`npm run patchwell -- …`, bin "patchwell").
  esbuild({
    ...common,
    entryPoints: ['electron/cli/index.ts'],
    outfile: 'out/cli/index.mjs',
    format: 'esm',
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);" },
  }),
]);
if (!quiet) console.log('built into out/');
