/**
 * Starts the core and the host, and stops both on SIGINT/SIGTERM: `npm run serve`, `patchwell serve` and the
 * systemd service all come through here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCore } from '../core/core';
import { installProcessGuard } from '../core/process-guard';
import { startHost } from './server';

/** The running host's URL (with its token, made at each start), for `patchwell service status`. Owner-only. */
export const HOST_URL_FILE = 'host-url';

export interface RunHostOptions {
  dataDir: string;
  port: number;
  resourcesDir: string;
  rendererDir: string;
}

export async function runHost(o: RunHostOptions): Promise<void> {
  const core = createCore({ dataDir: o.dataDir, runtime: 'browser', resourcesDir: o.resourcesDir });
  installProcessGuard({ storage: () => core.services.storage });
  if (core.interruptedJobIds.length > 0) {
    console.log(`patchwell: ${core.interruptedJobIds.length} job(s) were interrupted by the last shutdown; see the jobs tray.`);
  }
  const host = await startHost({ core, rendererDir: o.rendererDir, port: o.port });
  const urlFile = path.join(o.dataDir, HOST_URL_FILE);
  fs.rmSync(urlFile, { force: true });
  fs.writeFileSync(urlFile, `${host.url}\n`, { mode: 0o600, flag: 'wx' });
  console.log(`patchwell: data folder ${o.dataDir}`);
  console.log(`patchwell: open ${host.url}`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    fs.rmSync(urlFile, { force: true });
    void host
      .close()
      .then(() => core.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
