/**
 * bench/assess: assess 20 lab machines (stale scenario: real pending security updates) with Patchwell's
 * core, first cold (empty changelog cache), then again with the cache warm. Prints total and per-host times.
 * Run: npx tsx bench/assess.ts [hosts]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labAvailable, up } from '../e2e/lab/index';
import { createCore } from '../electron/core/core';

const count = Number(process.argv[2] ?? 20);

async function main(): Promise<void> {
  const available = labAvailable();
  if (!available.ok) throw new Error(`the lab cannot run here: ${available.reason}`);
  console.log(`bringing up ${count} stale lab hosts…`);
  const hosts = await up({ hosts: count, scenarios: ['stale'] });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-assess-'));
  const core = createCore({ dataDir, runtime: 'browser' });
  const db = core.services.db;
  await core.call('settings/update', { maxConcurrentHosts: count });
  await core.call('credentials/create', {
    name: 'lab',
    username: 'admin',
    privateKey: fs.readFileSync(hosts[0]!.keyPath, 'utf8'),
    appliesToAll: true,
  });
  for (const h of hosts) await core.call('machines/create', { address: h.address });

  const run = async (label: string, refresh: boolean): Promise<void> => {
    const t0 = performance.now();
    const { jobId } = await core.call('assess/start', { refresh, allowFirstContact: true });
    await core.services.jobs.idle();
    const total = (performance.now() - t0) / 1000;
    const rows = db.prepare('SELECT state, finished_at - started_at AS ms, pending_count FROM assessments WHERE job_id = ?').all(jobId) as {
      state: string;
      ms: number;
      pending_count: number;
    }[];
    const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
    const failed = rows.filter((r) => r.state !== 'succeeded').length;
    const pct = (p: number): string => (ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]! / 1000).toFixed(2);
    console.log(
      `${label.padEnd(34)} total ${total.toFixed(2)} s | per host: min ${pct(0)} s, median ${pct(0.5)} s, max ${pct(1)} s | ` +
        `${rows.length - failed}/${rows.length} ok, ${rows[0]?.pending_count ?? 0} updates per host`,
    );
  };

  await run(`cold (${count} hosts, apt-get update)`, true);
  await run(`cold lists, warm changelog cache`, false);
  await run(`cached (again)`, false);
  const cached = db.prepare('SELECT count(*) AS n, count(DISTINCT package || char(0) || version) AS versions FROM machine_changelogs').get() as { n: number; versions: number };
  console.log(`changelog cache: ${cached.n} entries (${cached.versions} package versions, kept per machine)`);
  await core.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
