/**
 * `patchwell …` from an installed app: the launcher starts the app binary with `--cli`, and main runs the
 * command line (out/cli/index.mjs, inside the asar) in this process instead of opening a window. The CLI then
 * loads better-sqlite3 as built for this Electron, which a system Node could not load.
 */
import { app } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function runCliInApp(args: readonly string[]): void {
  app.disableHardwareAcceleration();
  if (process.platform === 'darwin') app.dock?.hide();
  // The CLI reads its arguments from process.argv.slice(2), as under Node.
  process.argv = [process.execPath, 'patchwell', ...args];
  import(pathToFileURL(path.join(__dirname, '../cli/index.mjs')).href).catch((e: unknown) => {
    process.stderr.write(`patchwell: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
