/**
 * `npm run serve`: starts the core and serves the app to a browser on 127.0.0.1.
 * Flags: --port N (default: a free port), --home DIR (default: PATCHWELL_HOME or the user data folder).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../core/core';
import { runHost } from './run';

function parseFlags(argv: string[]): { port: number; home: string | undefined } {
  let port = 0;
  let home: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--port' && value !== undefined) {
      port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port takes a number from 0 to 65535, not "${value}"`);
      i++;
    } else if (flag === '--home' && value !== undefined) {
      home = value;
      i++;
    } else if (flag === '--help' || flag === '-h') {
      console.log('Usage: npm run serve -- [--port N] [--home DIR]');
      process.exit(0);
    } else {
      fail(`Unknown flag "${flag}". Usage: npm run serve -- [--port N] [--home DIR]`);
    }
  }
  return { port, home };
}

function fail(message: string): never {
  console.error(`patchwell: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const here = path.dirname(fileURLToPath(import.meta.url));
  await runHost({
    dataDir: flags.home ? path.resolve(flags.home) : defaultDataDir(),
    port: flags.port,
    resourcesDir: path.resolve(here, '../../resources'),
    rendererDir: path.resolve(here, '../renderer'),
  });
}

main().catch((err: unknown) => {
  console.error(`patchwell: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
