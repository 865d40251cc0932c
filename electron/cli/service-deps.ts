/** The real effects behind `patchwell service` (service.ts holds the logic). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { defaultUnitFile, type ServiceDeps } from './service';

function idOf(user: string, flag: '-u' | '-g'): number {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  if (r.status !== 0 || !Number.isInteger(n)) throw new Error(`no account named ${user} on this computer`);
  return n;
}

export function realServiceDeps(hostCommand: readonly string[], defaultDataDir: string): ServiceDeps {
  const home = os.homedir();
  return {
    uid: process.getuid?.() ?? -1,
    home,
    env: process.env,
    platform: process.platform,
    hostCommand,
    defaultDataDir,
    unitFile: defaultUnitFile(home, process.env),
    run: (cmd, args) => {
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, stdout: r.stdout ?? '', stderr: r.error ? r.error.message : (r.stderr ?? '') };
    },
    readFile: (file) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return null;
      }
    },
    writeFile: (file, text) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text, { mode: 0o644 });
    },
    removeFile: (file) => fs.rmSync(file, { force: true }),
    makeDataDir: (dir, user) => {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // The service's account must own its folder: it holds the vault and the database.
      if (user) fs.chownSync(dir, idOf(user, '-u'), idOf(user, '-g'));
    },
    answers: (port) =>
      new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 3000 }, (res) => {
          res.resume();
          resolve(true);
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
      }),
  };
}
