/**
 * bench/feeds-zip: importing an osv.dev-sized OSV bundle — 150,000 advisory files, ZIP64, about 1 GiB inflated
 * (generated once by Python's zipfile into a cache folder and reused) — into a fresh database, three rounds, each
 * in its own process. Prints wall time and peak memory per round (process.memoryUsage().rss sampled every 50 ms,
 * and the kernel's maximum RSS from /usr/bin/time -v where it exists) and the median of the rounds. Asserts
 * nothing: the tests assert the outcomes.
 * Run: npx tsx bench/feeds-zip.ts [advisories] [bytes-per-advisory]
 * Cache: $PATCHWELL_BENCH_CACHE or /var/tmp/patchwell-bench/feeds-zip (delete it to regenerate).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';

const ROUNDS = 3;
const self = fileURLToPath(import.meta.url);
const mib = (bytes: number): string => (bytes / 1048576).toFixed(0);

interface Round {
  ms: number;
  sampledPeakRss: number;
  maxRss: number | null;
  records: number;
}

/** One round, in this process: import the archive into a new database and print a JSON line. */
async function child(zip: string, dbFile: string): Promise<void> {
  const { openDatabase, closeDatabase } = await import('../electron/core/db/open');
  const { importFeed } = await import('../electron/core/intel/feed-import');
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const db = openDatabase(dbFile);
  const t = process.hrtime.bigint();
  const r = await importFeed(db, { path: zip }, 'all.zip');
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  closeDatabase(db);
  console.log(JSON.stringify({ ms, sampledPeakRss: peak, records: r.recordCount }));
}

async function inflatedSize(zip: string): Promise<{ entries: number; bytes: number; zip64: boolean }> {
  const z = await yauzl.openPromise(zip, { lazyEntries: true, autoClose: true });
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    z.on('entry', (e: yauzl.Entry) => {
      bytes += e.uncompressedSize;
      z.readEntry();
    });
    z.on('end', resolve);
    z.on('error', reject);
    z.readEntry();
  });
  const fd = fs.openSync(zip, 'r');
  const tail = Buffer.alloc(98);
  fs.readSync(fd, tail, 0, tail.length, fs.fstatSync(fd).size - tail.length);
  fs.closeSync(fd);
  return { entries: z.entryCount, bytes, zip64: tail.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])) };
}

function round(zip: string): Round {
  const dbFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-feeds-')), 'patchwell.db');
  const node = [process.execPath, '--import', 'tsx', self, '--child', zip, dbFile];
  const timeTool = fs.existsSync('/usr/bin/time');
  const res = timeTool ? spawnSync('/usr/bin/time', ['-v', ...node], { encoding: 'utf8' }) : spawnSync(node[0]!, node.slice(1), { encoding: 'utf8' });
  fs.rmSync(path.dirname(dbFile), { recursive: true, force: true });
  if (res.status !== 0) throw new Error(`round failed (${res.status}): ${res.stderr.slice(-2000)}`);
  const line = res.stdout.trim().split('\n').at(-1) ?? '';
  const r = JSON.parse(line) as Omit<Round, 'maxRss'>;
  const kib = /Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr)?.[1];
  return { ...r, maxRss: kib ? Number(kib) * 1024 : null };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 150_000);
  const pad = Number(process.argv[3] ?? 7200);
  const cache = process.env.PATCHWELL_BENCH_CACHE ?? '/var/tmp/patchwell-bench/feeds-zip';
  fs.mkdirSync(cache, { recursive: true });
  const zip = path.join(cache, `osv-${count}-${pad}.zip`);
  if (!fs.existsSync(zip)) {
    const t = Date.now();
    const { makeOsvZip } = await import('../electron/core/intel/feeds/testing/make-osv-zip');
    makeOsvZip(`${zip}.part`, count, { pad });
    fs.renameSync(`${zip}.part`, zip);
    console.log(`generated ${zip} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
  const size = await inflatedSize(zip);
  console.log(
    `${zip}: ${size.entries.toLocaleString('en')} entries, ${mib(fs.statSync(zip).size)} MiB on disk, ` +
      `${(size.bytes / 1073741824).toFixed(2)} GiB inflated, ZIP64 end record: ${size.zip64 ? 'yes' : 'no'}`,
  );
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const rounds: Round[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const r = round(zip);
    rounds.push(r);
    console.log(
      `round ${i}: ${(r.ms / 1000).toFixed(1)} s, ${r.records.toLocaleString('en')} advisories imported, ` +
        `peak RSS sampled ${mib(r.sampledPeakRss)} MiB, max RSS (time -v) ${r.maxRss === null ? 'n/a' : `${mib(r.maxRss)} MiB`}`,
    );
  }
  const maxRss = rounds.map((r) => r.maxRss).filter((x): x is number => x !== null);
  console.log(
    `median of ${ROUNDS}: ${(median(rounds.map((r) => r.ms)) / 1000).toFixed(1)} s, peak RSS sampled ${mib(median(rounds.map((r) => r.sampledPeakRss)))} MiB` +
      (maxRss.length ? `, max RSS ${mib(median(maxRss))} MiB` : ''),
  );
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();
