// `npm start`: the Electron app where Electron's binary is installed; otherwise says so and starts the
// headless host, whose URL opens the same app in a browser.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    // The electron package exports the binary's path, and throws when its download never happened.
    const p = require('electron');
    return typeof p === 'string' ? p : null;
  } catch (err) {
    return { missing: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

const bin = electronBinary();
const args = process.argv.slice(2);
let child;
if (typeof bin === 'string') {
  child = spawn(bin, ['.', ...args], { stdio: 'inherit' });
} else {
  console.log(`patchwell: no Electron binary (${bin?.missing ?? 'not installed'}); starting the headless host instead.`);
  child = spawn(process.execPath, ['out/host/index.mjs', ...args], { stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
