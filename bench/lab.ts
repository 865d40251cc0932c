/**
 * Lab benchmark: time of `lab up` for 5, 20 and 50 hosts from a warm cache, and what an idle host
 * costs in memory. Run with `npx tsx bench/lab.ts` (as root). Prints figures; asserts nothing.
 */
import { down, hostProcessIds, labAvailable, memoryOf, status, up, type Scenario } from '../e2e/lab/index.js';

const COUNTS = [5, 20, 50];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (kib: number): string => (kib / 1024).toFixed(1);

async function main(): Promise<void> {
  const a = labAvailable();
  if (!a.ok) throw new Error(`the lab cannot run here: ${a.reason}`);
  const before = await status();

  // Warm the cache (base root) outside the timings; a cold build is a one-off.
  const warm = Date.now();
  await up({ hosts: 1 });
  console.log(`cache check / warm-up: ${((Date.now() - warm) / 1000).toFixed(1)} s`);

  for (const n of COUNTS) {
    await down();
    const t = Date.now();
    const hosts = await up({ hosts: n });
    const secs = (Date.now() - t) / 1000;
    const again = Date.now();
    await up({ hosts: n });
    const noop = (Date.now() - again) / 1000;
    await sleep(2000); // let the hosts settle to idle before measuring
    let rss = 0;
    let pss = 0;
    let procs = 0;
    for (const pids of hostProcessIds().values()) {
      for (const pid of pids) {
        const m = memoryOf(pid);
        rss += m.rssKiB;
        pss += m.pssKiB;
        procs++;
      }
    }
    console.log(`lab up --hosts ${n} (stale, warm cache): ${secs.toFixed(1)} s; rerun of the same up: ${noop.toFixed(2)} s; ` +
      `idle memory per host: ${mib(rss / hosts.length)} MiB RSS, ${mib(pss / hosts.length)} MiB PSS (${procs / hosts.length} processes per host)`);
  }

  await down();
  if (before.length > 0) await up({ scenarios: before.map((h): Scenario => h.scenario) });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
