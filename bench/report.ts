/**
 * bench/report: the report for 500 machines and a year of history — 60,000 security updates detected over the
 * year (most fixed, some KEV-listed), 52 weekly deployments of 20 machines × 5 packages with their approvals,
 * and 30,000 audit entries — in a real SQLite file. Prints the time to collect, render and write every format,
 * when the executive summary PDF was ready (from the start of the report) and how long its print took, the full
 * PDF's print time (the system Chromium) next to a bare `chromium --headless --print-to-pdf` of the same HTML
 * (the floor, so the overhead is a ratio), median of 3 rounds, each round's load average, and each file's size.
 * Run: npx tsx bench/report.ts
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { appendAudit } from '../electron/core/audit/audit-log';
import { openDatabase } from '../electron/core/db/open';
import { ensureBundledKev } from '../electron/core/intel/kev-import';
import { chromiumPrinter, findChromium } from '../electron/core/reports/pdf';
import { generateReport } from '../electron/core/reports/report-files';

const MACHINES = 500;
const UPDATES = 60_000;
const DEPLOYMENTS = 52;
const AUDIT = 30_000;
const DAY = 86_400_000;
const now = Date.now();
const yearAgo = now - 365 * DAY;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-report-'));
const db = openDatabase(path.join(dir, 'patchwell.db'));
ensureBundledKev(db, path.resolve('resources'));
const kev = (db.prepare('SELECT cve_id FROM kev LIMIT 200').all() as { cve_id: string }[]).map((r) => r.cve_id);

const t0 = performance.now();
db.transaction(() => {
  const host = db.prepare(`INSERT INTO hosts (address, display_name, criticality, os_name, os_version, last_assessed_at, created_at, updated_at) VALUES (?, ?, ?, 'Debian GNU/Linux', '12', ?, 1, 1)`);
  const crit = ['low', 'normal', 'normal', 'high', 'critical'];
  for (let m = 0; m < MACHINES; m++) host.run(`10.1.${m >> 8}.${m & 255}`, `pc-${String(m).padStart(3, '0')}`, crit[m % 5], now - (m % 3) * DAY);
  const upd = db.prepare(
    `INSERT INTO pending_updates (host_id, package, arch, installed_version, candidate_version, is_security, urgency, detected_at, resolved_at)
     VALUES (?, ?, 'amd64', '1.0-1', ?, 1, ?, ?, ?)`,
  );
  const adv = db.prepare('INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, ?)');
  const urg = ['low', 'medium', 'high', 'high'];
  for (let i = 0; i < UPDATES; i++) {
    const detected = yearAgo + Math.floor((i / UPDATES) * 365 * DAY);
    const open = i % 25 === 0;
    const info = upd.run((i % MACHINES) + 1, `pkg-${i % 1500}`, `1.0-${2 + Math.floor(i / MACHINES)}`, urg[i % 4], detected, open ? null : Math.min(now, detected + ((i % 20) + 1) * DAY));
    const id = Number(info.lastInsertRowid);
    adv.run(id, i % 40 === 0 ? kev[i % kev.length]! : `CVE-2025-${10000 + (i % 50000)}`, 'changelog');
  }
  const dep = db.prepare(`INSERT INTO deployments (state, plan, created_by, created_at, finished_at, title) VALUES ('succeeded', '{}', 'user', ?, ?, ?)`);
  const target = db.prepare(`INSERT INTO deployment_targets (deployment_id, host_id, ring, state, updated_at) VALUES (?, ?, 1, 'succeeded', ?)`);
  const appr = db.prepare(`INSERT INTO approvals (host_id, package, from_version, to_version, approved_by, approved_at, state) VALUES (?, ?, '1.0-1', '1.0-2', 'user', ?, 'deployed')`);
  const item = db.prepare(`INSERT INTO deployment_items (deployment_id, host_id, package, from_version, to_version, approval_id, result_version, state) VALUES (?, ?, ?, '1.0-1', '1.0-2', ?, '1.0-2', 'installed')`);
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const at = yearAgo + d * 7 * DAY;
    const id = Number(dep.run(at, at + 3600_000, `Week ${d + 1} updates`).lastInsertRowid);
    for (let h = 0; h < 20; h++) {
      const hostId = ((d * 20 + h) % MACHINES) + 1;
      target.run(id, hostId, at);
      for (let p = 0; p < 5; p++) {
        const a = Number(appr.run(hostId, `pkg-${d}-${p}`, at - DAY).lastInsertRowid);
        item.run(id, hostId, `pkg-${d}-${p}`, a);
      }
    }
  }
  for (let i = 0; i < AUDIT; i++) appendAudit(db, { actor: 'user', action: i % 3 ? 'patch.approve' : 'deploy.install', targetType: 'host', targetId: (i % MACHINES) + 1, details: { n: i } }, yearAgo + Math.floor((i / AUDIT) * 365 * DAY));
})();
console.log(`seeded ${MACHINES} machines, ${UPDATES} updates, ${DEPLOYMENTS} deployments, ${AUDIT} audit entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const chromium = findChromium();
const ROUNDS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The floor: the same report.html printed by the same Chromium with nothing but what headless printing needs. */
function barePrint(binary: string, html: string): number {
  const out = path.join(dir, 'bare.pdf');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-bare-'));
  const t = performance.now();
  execFileSync(binary, ['--headless', `--user-data-dir=${profile}`, `--print-to-pdf=${out}`,
    // Chromium refuses to run as root with its sandbox on; the app's printer passes the same flag then.
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), pathToFileURL(html).href], { stdio: 'ignore', timeout: 300_000 });
  const ms = performance.now() - t;
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(out, { force: true });
  return ms;
}

const totals: number[] = [];
const summaries: number[] = [];
const summaryPrints: number[] = [];
const pdfs: number[] = [];
const bares: number[] = [];
let m: Awaited<ReturnType<typeof generateReport>> | undefined;
for (let r = 1; r <= ROUNDS; r++) {
  const steps: Record<string, number> = {};
  let last = performance.now();
  let current = 'start';
  let summaryAt: number | null = null;
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
      if (which === 'summary') summaryAt = performance.now() - t1;
    },
  });
  steps[current] = performance.now() - last;
  const total = performance.now() - t1;
  // Both PDFs print side by side from the end of the write step; the full one is the PDF the bare print matches.
  const full = m.pdfs.full.ms ?? 0;
  // A round whose full PDF failed (e.g. Chromium's 10-minute limit on an overloaded machine) is printed, not counted.
  if (m.pdfs.full.state === 'ready') {
    totals.push(total);
    pdfs.push(full);
  } else console.log(`round ${r}: full PDF ${m.pdfs.full.state}: ${m.pdfs.full.error ?? ''}`);
  if (summaryAt !== null) summaries.push(summaryAt);
  summaryPrints.push(m.pdfs.summary.ms ?? 0);
  // Printed right after, under the same load, from the very file the report printed.
  const bare = chromium && m.pdfs.full.state === 'ready' ? barePrint(chromium, path.join(dir, 'reports', m.id, 'report.html')) : null;
  if (bare !== null) bares.push(bare);
  console.log(`round ${r}: report for a year: total ${secs(total)} (collect ${secs(steps.collect!)}, render + write HTML/CSV/JSON ${secs(steps.write!)}); ` +
    `executive summary PDF ready at ${summaryAt === null ? 'n/a' : secs(summaryAt)} (its print ${secs(m.pdfs.summary.ms ?? 0)}), ` +
    `full PDF ${secs(full)} with ${chromium ?? 'no Chromium'}${bare !== null ? `; bare chromium --headless --print-to-pdf of the same HTML ${secs(bare)}` : ''}` +
    `; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
if (!m) throw new Error('unreachable');
if (bares.length) {
  const b = median(bares);
  console.log(`median of ${bares.length} rounds with a full PDF (of ${ROUNDS}): executive summary PDF ready at ${summaries.length ? secs(median(summaries)) : 'n/a'} (its print ${secs(median(summaryPrints))}; goal < 2 s), ` +
    `full PDF ${secs(median(pdfs))}, bare print ${secs(b)}, report total ${secs(median(totals))}; ` +
    `full PDF/bare ${(median(pdfs) / b).toFixed(2)}x, total/bare ${(median(totals) / b).toFixed(2)}x (goal: total ≤ 1.20x)`);
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
