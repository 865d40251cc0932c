/**
 * bench/report: the report for 500 machines and a year of history (report-seed.ts) in a real SQLite file. Prints
 * when the executive summary PDF was ready from the start of the report (goal < 2 s), with its own collection and
 * its print, and a bare `chromium --headless --print-to-pdf` of summary.html (Chromium's own start and print: the
 * summary's floor); then the full report's collection, writing and print, and the report's total next to a bare
 * print of the same report.html (the floor, so the overhead is a ratio; goal ≤ 1.2×); median of 3 rounds, each
 * round with `uptime`'s load average (the machine is shared), and each file's size.
 * Run: npx tsx bench/report.ts
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumPrinter, findChromium } from '../electron/core/reports/pdf';
import { generateReport } from '../electron/core/reports/report-files';
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

const totals: number[] = [];
const summaries: number[] = [];
const summaryPrints: number[] = [];
const summaryCollects: number[] = [];
const pdfs: number[] = [];
const bares: number[] = [];
const bareSummaries: number[] = [];
const bareSummaryCpus: number[] = [];
const summaryCpus: number[] = [];
let m: Awaited<ReturnType<typeof generateReport>> | undefined;
for (let r = 1; r <= ROUNDS; r++) {
  const steps: Record<string, number> = {};
  let last = performance.now();
  let current = 'start';
  let summaryAt: number | null = null;
  let summaryCollected: number | null = null;
  let summaryCpu: number | null = null;
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  m = await generateReport(db, dir, {
    period: { from: yearAgo, to: now },
    printer: chromium ? chromiumPrinter(chromium) : null,
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
  const total = performance.now() - t1;
  const full = m.pdfs.full.ms ?? 0;
  // A round whose full PDF failed (e.g. Chromium's 10-minute limit on an overloaded machine) is printed, not counted.
  if (m.pdfs.full.state === 'ready') {
    totals.push(total);
    pdfs.push(full);
  } else console.log(`round ${r}: full PDF ${m.pdfs.full.state}: ${m.pdfs.full.error ?? ''}`);
  if (summaryAt !== null) summaries.push(summaryAt);
  if (summaryCollected !== null) summaryCollects.push(summaryCollected);
  if (summaryCpu !== null) summaryCpus.push(summaryCpu);
  summaryPrints.push(m.pdfs.summary.ms ?? 0);
  // Printed right after, under the same load, from the very files the report printed: each with its own Chromium.
  const bare = chromium && m.pdfs.full.state === 'ready' ? barePrint(chromium, path.join(dir, 'reports', m.id, 'report.html')).ms : null;
  if (bare !== null) bares.push(bare);
  const bareSum = chromium && m.pdfs.summary.state === 'ready' ? barePrint(chromium, path.join(dir, 'reports', m.id, 'summary.html')) : null;
  const bareSummary = bareSum?.ms ?? null;
  if (bareSum) {
    bareSummaries.push(bareSum.ms);
    bareSummaryCpus.push(bareSum.cpuMs);
  }
  console.log(`round ${r}: executive summary PDF ready at ${summaryAt === null ? 'n/a' : secs(summaryAt)} ` +
    `(its own collection and page ${summaryCollected === null ? 'n/a' : secs(summaryCollected)}, CPU ${summaryCpu === null ? 'n/a' : secs(summaryCpu)}; its print ${secs(m.pdfs.summary.ms ?? 0)} in the Chromium started at the report's start; ` +
    `bare chromium --headless --print-to-pdf of summary.html ${bareSummary === null ? 'n/a' : secs(bareSummary)}, Chromium's CPU ${bareSum ? secs(bareSum.cpuMs) : 'n/a'}); ` +
    `then the full report: collect ${secs(steps.collect ?? 0)}, render + write HTML/CSV/JSON ${secs(steps.write ?? 0)}, full PDF ${secs(full)} with ${chromium ?? 'no Chromium'}` +
    `${bare !== null ? `; bare chromium --headless --print-to-pdf of report.html ${secs(bare)}` : ''}; report total ${secs(total)}` +
    `${bare !== null ? ` = ${(total / bare).toFixed(2)}x the bare print` : ''}; ${uptime()}`);
}
if (!m) throw new Error('unreachable');
if (bares.length) {
  const b = median(bares);
  console.log(`median of ${bares.length} rounds with a full PDF (of ${ROUNDS}): summary ready ${summaries.length ? secs(median(summaries)) : 'n/a'} (goal < 2 s; ` +
    `its collection and page ${secs(median(summaryCollects))} (CPU ${secs(median(summaryCpus))}), its print ${secs(median(summaryPrints))}, ` +
    `bare print of summary.html ${bareSummaries.length ? `${secs(median(bareSummaries))} (Chromium's CPU ${secs(median(bareSummaryCpus))})` : 'n/a'}); ` +
    `full PDF ${secs(median(pdfs))}, bare print ${secs(b)}, report total ${secs(median(totals))}; ` +
    `full PDF/bare ${(median(pdfs) / b).toFixed(2)}x, total/bare ${(median(totals) / b).toFixed(2)}x (goal: total ≤ 1.20x); ${uptime()}`);
}
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
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
fs.rmSync(dir, { recursive: true, force: true });
