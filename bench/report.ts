/**
 * bench/report: the report for 500 machines and a year of history (report-seed.ts) in a real SQLite file. Each
 * round writes it twice: cold (Chromium started at the report's start, as without the Reports page open) and warm
 * (Chromium started ahead by the warm holder, as when the Reports page was open before Generate). For each it
 * prints when the executive summary PDF was ready from the start of the report (goal < 2 s), with its own
 * collection and its print, next to a bare `chromium --headless --print-to-pdf` of summary.html (Chromium's own
 * start and print); then the full report's collection, writing and print, and the report's total next to a bare
 * print of the same report.html (the floor, so the overhead is a ratio; goal ≤ 1.2×). Also the warm Chromium's
 * memory while it waits, and that it is closed when idle. Median of 3 rounds, each round with `uptime`'s load
 * average (the machine is shared), and each file's size.
 * Run: npx tsx bench/report.ts
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumPrinter, findChromium, type PdfPrinter } from '../electron/core/reports/pdf';
import { generateReport, type ReportManifest } from '../electron/core/reports/report-files';
import { WARM_IDLE_MS, WarmChromium } from '../electron/core/reports/warm-chromium';
import { formatGroupMemory, groupCpuMs, groupMemory } from './process-memory';
import { AUDIT, DEPLOYMENTS, MACHINES, seedReportFleet, UPDATES } from './report-seed';

const DAY = 86_400_000;
const now = Date.now();
const yearAgo = now - 365 * DAY;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-report-'));
const t0 = performance.now();
const db = seedReportFleet(path.join(dir, 'patchwell.db'), now);
console.log(`seeded ${MACHINES} machines, ${UPDATES} updates, ${DEPLOYMENTS} deployments, ${AUDIT} audit entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const chromium = findChromium();
const ROUNDS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/**
 * The floor: the same HTML printed by the same Chromium with nothing but what headless printing needs, started
 * for it. Run under bash so `times` gives Chromium's CPU (all its processes): wall time on a shared machine
 * follows the load; CPU time hardly does.
 */
function barePrint(binary: string, html: string): { ms: number; cpuMs: number } {
  const out = path.join(dir, 'bare.pdf');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-bare-'));
  const t = performance.now();
  const times = execFileSync('bash', ['-c', '"$0" "$@" >/dev/null 2>&1; times', binary, '--headless', `--user-data-dir=${profile}`, `--print-to-pdf=${out}`,
    // Chromium refuses to run as root with its sandbox on; the app's printer passes the same flag then.
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), pathToFileURL(html).href], { encoding: 'utf8', timeout: 300_000 });
  const ms = performance.now() - t;
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(out, { force: true });
  // times' second line: the children's user and system time, "0m1.234s 0m0.456s".
  const cpu = [...(times.trim().split('\n')[1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].reduce((n, x) => n + Number(x[1]) * 60_000 + Number(x[2]) * 1000, 0);
  return { ms, cpuMs: cpu };
}

/** `uptime`'s own line: the machine is shared, so every figure is printed beside the load it was taken under. */
function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average/, 'load average');
  } catch {
    return `load average: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  }
}

interface RoundFigures {
  m: ReportManifest;
  /** From the report's start: its summary listed (own collection and page written), and its PDF out. */
  summaryCollected: number | null;
  summaryCpu: number | null;
  summaryAt: number | null;
  steps: Record<string, number>;
  total: number;
}

/** One report, timed from its start; `printer` decides whether its Chromium was started ahead (warm) or not. */
async function timedReport(printer: PdfPrinter | null): Promise<RoundFigures> {
  const steps: Record<string, number> = {};
  let last = performance.now();
  let current = 'start';
  let summaryAt: number | null = null;
  let summaryCollected: number | null = null;
  let summaryCpu: number | null = null;
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const m = await generateReport(db, dir, {
    period: { from: yearAgo, to: now },
    printer,
    onStep: (s) => {
      steps[current] = performance.now() - last;
      last = performance.now();
      current = s;
    },
    onManifest: (_m, which) => {
      // Listed (`null`) once the summary's own data is collected and its page written; then its PDF is out.
      if (which === null && summaryCollected === null) {
        summaryCollected = performance.now() - t1;
        // This process's CPU only: the summary's collection and page, not Chromium's start beside it.
        const c = process.cpuUsage(cpu0);
        summaryCpu = (c.user + c.system) / 1000;
      }
      if (which === 'summary') summaryAt = performance.now() - t1;
    },
  });
  steps[current] = performance.now() - last;
  return { m, summaryCollected, summaryCpu, summaryAt, steps, total: performance.now() - t1 };
}

/**
 * A warm Chromium as the Reports page gets one: started, then left alone until it is quiet (a user picking a period
 * before clicking Generate). It answers the protocol long before its start-up work is done (about 2 s of CPU more
 * here), so "quiet" is what the warm figures are taken after: under 50 ms of its CPU in half a second, at most 15 s.
 */
async function warmUp(warm: WarmChromium, binary: string, waitQuiet: boolean): Promise<{ readyMs: number; quietMs: number | null; startCpuMs: number | null; memory: string }> {
  const t = performance.now();
  warm.prepare(binary);
  const held = warm.current!;
  await held.pipe.send('Browser.getVersion');
  const readyMs = performance.now() - t;
  const pid = held.pipe.pid;
  let quietMs: number | null = null;
  let cpu = pid === undefined ? null : groupCpuMs(pid);
  if (waitQuiet && pid !== undefined && cpu !== null) {
    await held.opened;
    while (performance.now() - t < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = groupCpuMs(pid) ?? 0;
      const used = now - (cpu ?? 0);
      cpu = now;
      if (used < 50) {
        quietMs = performance.now() - t;
        break;
      }
    }
  }
  return { readyMs, quietMs, startCpuMs: cpu, memory: pid === undefined ? 'n/a' : formatGroupMemory(groupMemory(pid)) };
}

/** Each figure kept per mode, for the medians. */
class Figures {
  readonly summaries: number[] = [];
  readonly collects: number[] = [];
  readonly cpus: number[] = [];
  readonly prints: number[] = [];
  readonly totals: number[] = [];
  readonly pdfs: number[] = [];
  readonly ratios: number[] = [];

  add(f: RoundFigures, bare: number | null): void {
    if (f.summaryAt !== null) this.summaries.push(f.summaryAt);
    if (f.summaryCollected !== null) this.collects.push(f.summaryCollected);
    if (f.summaryCpu !== null) this.cpus.push(f.summaryCpu);
    this.prints.push(f.m.pdfs.summary.ms ?? 0);
    // A round whose full PDF failed (e.g. Chromium's 10-minute limit on an overloaded machine) is printed, not counted.
    if (f.m.pdfs.full.state === 'ready') {
      this.totals.push(f.total);
      this.pdfs.push(f.m.pdfs.full.ms ?? 0);
      if (bare !== null) this.ratios.push(f.total / bare);
    }
  }
}

const optSecs = (ms: number | null): string => (ms === null ? 'n/a' : secs(ms));
const medianOf = (xs: number[]): string => (xs.length ? secs(median(xs)) : 'n/a');

function roundLine(r: number, mode: string, f: RoundFigures, bare: number | null, extra: string): string {
  if (f.m.pdfs.full.state !== 'ready') console.log(`round ${r} ${mode}: full PDF ${f.m.pdfs.full.state}: ${f.m.pdfs.full.error ?? ''}`);
  return `round ${r} ${mode}: executive summary PDF ready at ${optSecs(f.summaryAt)} ` +
    `(its own collection and page ${optSecs(f.summaryCollected)}, CPU ${optSecs(f.summaryCpu)}; its print ${secs(f.m.pdfs.summary.ms ?? 0)}${extra}); ` +
    `then the full report: collect ${secs(f.steps.collect ?? 0)}, render + write HTML/CSV/JSON ${secs(f.steps.write ?? 0)}, full PDF ${secs(f.m.pdfs.full.ms ?? 0)}` +
    `; report total ${secs(f.total)}${bare !== null ? ` = ${(f.total / bare).toFixed(2)}x the bare print of report.html` : ''}; ${uptime()}`;
}

const cold = new Figures();
const warm = new Figures();
const bares: number[] = [];
const bareSummaries: number[] = [];
const bareSummaryCpus: number[] = [];
const warmReady: number[] = [];
const warmQuiet: number[] = [];
let m: ReportManifest | undefined;
for (let r = 1; r <= ROUNDS; r++) {
  const c = await timedReport(chromium ? chromiumPrinter(chromium) : null);
  m = c.m;
  // Printed right after, under the same load, from the very files the report printed: each with its own Chromium.
  const bare = chromium && m.pdfs.full.state === 'ready' ? barePrint(chromium, path.join(dir, 'reports', m.id, 'report.html')).ms : null;
  if (bare !== null) bares.push(bare);
  const bareSum = chromium && m.pdfs.summary.state === 'ready' ? barePrint(chromium, path.join(dir, 'reports', m.id, 'summary.html')) : null;
  if (bareSum) {
    bareSummaries.push(bareSum.ms);
    bareSummaryCpus.push(bareSum.cpuMs);
  }
  cold.add(c, bare);
  console.log(roundLine(r, 'cold', c, bare, ` in the Chromium started at the report's start; bare chromium --headless --print-to-pdf of summary.html ${optSecs(bareSum?.ms ?? null)}, Chromium's CPU ${optSecs(bareSum?.cpuMs ?? null)}; bare print of report.html ${optSecs(bare)}`));
  if (!chromium) continue;

  const holder = new WarmChromium();
  const up = await warmUp(holder, chromium, true);
  warmReady.push(up.readyMs);
  if (up.quietMs !== null) warmQuiet.push(up.quietMs);
  const w = await timedReport(chromiumPrinter(chromium, holder));
  warm.add(w, bare);
  console.log(roundLine(r, 'warm', w, bare, ` in the Chromium started ahead: it answered ${secs(up.readyMs)} after it was asked for, was quiet at ${optSecs(up.quietMs)} having used ${optSecs(up.startCpuMs)} of CPU, and then held ${up.memory}`));
  await holder.close();
}
if (!m) throw new Error('unreachable');

// Closed when idle: a holder with a 3-second idle time, on the real clock.
if (chromium) {
  const holder = new WarmChromium({ idleMs: 3000 });
  const up = await warmUp(holder, chromium, false);
  const pid = holder.current!.pipe.pid!;
  const t = performance.now();
  await holder.current!.pipe.exited;
  const closedAt = performance.now() - t;
  // Its helpers were sent SIGKILL as the browser exited; they are gone once the system has reaped them.
  let left = groupMemory(pid);
  while (left && left.processes > 0 && performance.now() - t < closedAt + 5000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = groupMemory(pid);
  }
  console.log(`warm Chromium not taken: held ${up.memory}; closed by its idle timer ${secs(closedAt)} after it answered (idle time 3 s here, ${WARM_IDLE_MS / 1000} s in the app); ` +
    `processes left in its group ${left ? `${left.processes}, ${secs(performance.now() - t - closedAt)} after it closed` : 'n/a'}`);
}

const b = bares.length ? median(bares) : null;
const ratio = (f: Figures): string => (f.ratios.length ? `${median(f.ratios).toFixed(2)}x` : 'n/a');
console.log(`median of ${ROUNDS} rounds: summary ready WARM ${medianOf(warm.summaries)} (Chromium started ahead, the Reports page open before Generate), ` +
  `COLD ${medianOf(cold.summaries)} (Chromium started at the report's start) (goal < 2 s); ` +
  `its collection and page warm ${medianOf(warm.collects)} (CPU ${medianOf(warm.cpus)}) / cold ${medianOf(cold.collects)} (CPU ${medianOf(cold.cpus)}), ` +
  `its print warm ${medianOf(warm.prints)} / cold ${medianOf(cold.prints)}, bare print of summary.html ${medianOf(bareSummaries)} (Chromium's CPU ${medianOf(bareSummaryCpus)}), ` +
  `warm Chromium answered ${medianOf(warmReady)} after it was asked for and was quiet at ${medianOf(warmQuiet)}; ` +
  `full PDF warm ${medianOf(warm.pdfs)} / cold ${medianOf(cold.pdfs)}, bare print of report.html ${b === null ? 'n/a' : secs(b)}, ` +
  `report total warm ${medianOf(warm.totals)} / cold ${medianOf(cold.totals)}; total/bare warm ${ratio(warm)} / cold ${ratio(cold)} (goal: total ≤ 1.20x); ${uptime()}`);
for (const f of m.files) console.log(`  ${f.name.padEnd(16)} ${(f.bytes / 1024).toFixed(0).padStart(8)} KiB`);
if (m.pdfError) console.log(`  PDF error: ${m.pdfError}`);
for (const st of Object.values(m.pdfs).filter((p) => p.state === 'ready')) {
  try {
    const info = execFileSync('pdfinfo', [path.join(dir, 'reports', m.id, st.file)], { encoding: 'utf8' });
    console.log(`  ${st.file}: ${/Pages:\s+(\d+)/.exec(info)?.[1] ?? '?'} pages`);
  } catch {
    // pdfinfo (poppler-utils) is optional here.
  }
}
console.log(`peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
fs.rmSync(dir, { recursive: true, force: true });
