/**
 * `npm run demo`: Patchwell on the lab, for evaluation. Brings up four real Debian machines on 127.0.0.x (needs
 * root on Linux), prepares a data folder with the lab's credential and the machines added and assessed, then
 * starts the headless host on it and prints the URL to open. Nothing outside this computer is touched.
 * The data folder is ~/.cache/patchwell-demo (or --home DIR); run again to start over.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore } from '../../electron/core/core';
import { labAvailable, up } from './index.js';

const NAMES: Record<string, { name: string; tags: string[]; criticality: 'low' | 'normal' | 'high' }> = {
  stale: { name: 'Front desk PC', tags: ['office'], criticality: 'normal' },
  fixture: { name: 'File server', tags: ['servers'], criticality: 'high' },
  btrfs: { name: 'Accounts laptop', tags: ['office'], criticality: 'low' },
  current: { name: 'Print server', tags: ['servers'], criticality: 'normal' },
};

async function main(): Promise<void> {
  const available = labAvailable();
  if (!available.ok) throw new Error(`the demo needs the lab, which cannot run here: ${available.reason}`);
  const i = process.argv.indexOf('--home');
  const home = i > 0 ? path.resolve(process.argv[i + 1] ?? '') : path.join(os.homedir(), '.cache', 'patchwell-demo');
  fs.rmSync(home, { recursive: true, force: true });
  console.log('demo: starting the lab (the first time builds a Debian root: about a minute)…');
  const lab = await up({ scenarios: ['stale', 'fixture', 'btrfs', 'current'], onLog: (m) => console.log(`  ${m}`) });
  const core = createCore({ dataDir: home, runtime: 'browser', scheduler: false });
  try {
    const first = lab[0]!;
    await core.call('credentials/create', {
      name: 'Lab admin', username: 'admin', privateKey: fs.readFileSync(first.keyPath, 'utf8'), sudoPassword: first.password ?? undefined, appliesToAll: true,
    });
    for (const h of lab) {
      const n = NAMES[h.scenario] ?? { name: h.hostname, tags: [], criticality: 'normal' as const };
      await core.call('machines/create', { address: h.address, displayName: n.name, tags: n.tags, criticality: n.criticality });
    }
    console.log(`demo: assessing ${lab.length} machines…`);
    const { jobId } = await core.call('assess/start', { allowFirstContact: true });
    await core.services.jobs.idle();
    const job = await core.call('jobs/get', { id: jobId });
    console.log(`demo: ${job.summary ?? job.state}`);
    const hosts = await core.call('machines/list', undefined);
    for (const h of hosts) console.log(`  ${h.displayName} (${h.address}): ${h.pendingCount} updates pending, ${h.securityCount} security`);
  } finally {
    await core.close();
  }
  const hostScript = path.resolve('out/host/index.mjs');
  if (!fs.existsSync(hostScript)) throw new Error('out/host/index.mjs is missing: run npm run build');
  console.log('demo: starting Patchwell; open the URL below. Try Patches → approve → Deployments → Deploy now → Roll back.');
  const child = spawn(process.execPath, [hostScript, '--home', home], { stdio: 'inherit' });
  const stop = (): void => void child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}

main().catch((e: unknown) => {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
