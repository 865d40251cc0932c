/**
 * The executive summary is collected on its own (aggregate SQL, scoring only the updates whose being a finding
 * depends on their score) and printed before the full report's data is read; it must still show exactly the
 * numbers of the full report's executive part. One fixture, both collected, compared: every kind of update
 * (security source, KEV-listed, naming CVEs from an ordinary repository scored high or not, plain), fixed before,
 * in and after the period, machines never assessed, names alike but for case, deployments and rollbacks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendAudit } from '../audit/audit-log';
import { openDatabase, type Db } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import { collectReport, executiveOf } from './report-data';
import type { PdfPrinter } from './pdf';
import { generateReport } from './report-files';
import { FINDINGS_IN_HTML, KEV_ROWS_IN_SUMMARY } from './report-html';
import { collectExecutive, collectSummary } from './report-summary';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);
// The period ends before now: updates fixed after its end count as open in it, and exposure ends at its end.
const period = { from: NOW - 120 * DAY, to: NOW - 5 * DAY };
const KEV = ['CVE-2021-44228', 'CVE-2023-4863', 'CVE-2024-3094'];
const CRITICALITY = ['low', 'normal', 'high', 'critical'] as const;
const URGENCY = ['low', 'medium', 'high', 'critical', null] as const;

const dirs: string[] = [];
const tmp = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-report-summary-'));
  dirs.push(dir);
  return dir;
};
const dbs: Db[] = [];
afterEach(() => {
  // Closed first: a database on disk records its audit head in its folder a tick after a write (audit-head.ts),
  // and a folder removed under it made that write fail after the test.
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function seedUpdates(db: Db, hosts: readonly number[]): void {
  const upd = db.prepare(
    `INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, urgency, detected_at, resolved_at)
     VALUES (?, ?, '1.0', ?, ?, ?, ?, ?)`,
  );
  const adv = db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, ?, 'changelog')`);
  const epss = db.prepare('INSERT OR IGNORE INTO epss (cve_id, score, percentile) VALUES (?, ?, ?)');
  const osv = db.prepare(
    `INSERT OR IGNORE INTO osv_fixes (advisory_id, cve_id, ecosystem, package, fixed_version, published_at, modified_at, cvss_version, cvss_score) VALUES (?, ?, 'Debian', 'p', '2', ?, ?, '3.1', ?)`,
  );
  for (let i = 0; i < 900; i++) {
    const kind = i % 6; // 0 security source, 1 KEV from an ordinary repository, 2-3 naming CVEs only, 4-5 plain
    const detected = NOW - 200 * DAY + ((i * 7919) % (195 * DAY));
    const fate = i % 5; // open, fixed before the period, in it, after its end, in it
    const resolved = fate === 0 ? null : fate === 1 ? period.from - ((i % 9) + 1) * DAY : fate === 3 ? period.to + ((i % 4) + 1) * DAY : Math.max(detected, period.from) + ((i % 40) + 1) * 3_600_000;
    const id = Number(upd.run(hosts[(i * 5) % hosts.length], `pkg-${i % 37}`, `2.${i}`, kind === 0 ? 1 : 0, URGENCY[i % 5], detected, resolved === null || resolved > NOW ? null : Math.max(resolved, detected)).lastInsertRowid);
    if (kind === 1) adv.run(id, KEV[i % 3]);
    if (kind === 0 && i % 12 === 0) adv.run(id, KEV[(i / 12) % 3]);
    if (kind === 2 || kind === 3 || (kind === 0 && i % 4 === 2)) {
      const cve = `CVE-2025-${1000 + (i % 53)}`;
      adv.run(id, cve);
      // Some with an EPSS, some with a CVSS and a fix published (the age counts from it): scored high or not.
      if (i % 3 === 0) epss.run(cve, ((i % 10) + 1) / 10, 0.9);
      if (i % 4 === 0) osv.run(`DSA-${i % 53}`, cve, NOW - 90 * DAY, NOW - 90 * DAY, 5 + (i % 5));
    }
  }
}

function fleet(file = ':memory:'): Db {
  const db = openDatabase(file);
  dbs.push(db);
  const kev = db.prepare('INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES (?, ?, ?, ?, ?, NULL, ?)');
  KEV.forEach((cve, i) => kev.run(cve, 'v', 'p', 'n', '2024-01-01', i === 0 ? 1 : 0));
  const hosts: number[] = [];
  for (let h = 0; h < 24; h++) {
    // Two machines named alike but for case, and a few never assessed.
    const name = h === 1 ? 'PC-01' : h === 2 ? 'pc-01' : `pc-${String(h).padStart(2, '0')}`;
    const id = insertHost(db, { address: `127.0.1.${h + 1}`, displayName: name }).id;
    db.prepare('UPDATE hosts SET criticality = ?, last_assessed_at = ? WHERE id = ?').run(CRITICALITY[h % 4], h % 7 === 6 ? null : NOW - DAY, id);
    hosts.push(id);
  }
  // One transaction: a file database syncs each commit.
  db.transaction(() => seedUpdates(db, hosts))();
  const dep = db.prepare(`INSERT INTO deployments (state, plan, created_by, created_at, finished_at, title, rollback_of) VALUES ('succeeded', '{}', 'user', ?, ?, 't', ?)`);
  const first = Number(dep.run(period.from + DAY, period.from + DAY + 60_000, null).lastInsertRowid);
  dep.run(period.from + 2 * DAY, period.from + 2 * DAY + 60_000, first);
  dep.run(period.from - 10 * DAY, period.from - 10 * DAY + 60_000, null);
  dep.run(period.to - DAY, period.to - DAY + 60_000, null);
  appendAudit(db, { actor: 'user', action: 'patch.approve', targetType: 'host', targetId: hosts[0]!, details: { package: 'pkg-1' } }, period.from + DAY);
  return db;
}

describe('the executive summary from its own collection', () => {
  it('shows the very figures of the full report’s executive part', () => {
    const db = fleet();
    const full = collectReport(db, period, { now: NOW });
    // The fixture reaches every path: findings decided by score alone (open and fixed), ordinary updates naming
    // CVEs that are not findings, KEV findings beyond the summary's rows, machines never assessed.
    const byScoreAlone = full.critical.filter((f) => f.reasons.join() === 'risk');
    expect(byScoreAlone.some((f) => f.resolvedAt === null)).toBe(true);
    expect(byScoreAlone.some((f) => f.resolvedAt !== null)).toBe(true);
    expect(full.summary.openFindings).toBeLessThan(full.summary.openUpdates);
    expect(full.outcomes.kevExposure.findings.length).toBeGreaterThan(KEV_ROWS_IN_SUMMARY);
    expect(full.summary.assessed).toBeLessThan(full.summary.machines);
    expect(full.summary.fixedInPeriod).toBeGreaterThan(0);
    expect(full.summary.rollbacks).toBe(1);

    expect(collectExecutive(db, period, NOW, KEV_ROWS_IN_SUMMARY)).toEqual(executiveOf(full, KEV_ROWS_IN_SUMMARY));
    expect(collectExecutive(db, period, NOW, FINDINGS_IN_HTML)).toEqual(executiveOf(full, FINDINGS_IN_HTML));
    const own = collectSummary(db, period, KEV_ROWS_IN_SUMMARY, { now: NOW });
    expect(own.auditChain).toEqual(full.auditChain);
  });

  it('follows a change of the data: a finding fixed moves the same figures on both sides', () => {
    const db = fleet();
    const before = collectExecutive(db, period, NOW, KEV_ROWS_IN_SUMMARY);
    db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE resolved_at IS NULL AND is_security = 1').run(NOW - 6 * DAY);
    const after = collectExecutive(db, period, NOW, KEV_ROWS_IN_SUMMARY);
    expect(after.summary.fixedInPeriod).toBeGreaterThan(before.summary.fixedInPeriod);
    expect(after).toEqual(executiveOf(collectReport(db, period, { now: NOW }), KEV_ROWS_IN_SUMMARY));
  });

  it('reads one snapshot of the inventory: a change written while the summary prints is in neither part', async () => {
    const dir = tmp();
    const db = fleet(path.join(dir, 'patchwell.db'));
    const printer: PdfPrinter = {
      name: 'writes meanwhile',
      print: async (html, pdf) => {
        // An assessment finds every open update installed, between the summary's collection and the full report's.
        if (path.basename(html) === 'summary.html') db.prepare('UPDATE pending_updates SET resolved_at = ? WHERE resolved_at IS NULL').run(NOW - DAY);
        fs.writeFileSync(pdf, `%PDF-1.4 ${'x'.repeat(200)}`);
      },
    };
    const m = await generateReport(db, dir, { period, now: NOW, printer });
    const read = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, 'reports', m.id, name), 'utf8'));
    const summary = (read('summary.json') as { executive: { summary: { openUpdates: number } } }).executive.summary;
    expect(summary.openUpdates).toBeGreaterThan(0);
    expect((read('data.json') as { summary: unknown }).summary).toEqual(summary);
    expect(collectReport(db, period, { now: NOW }).summary.openUpdates).toBe(0);
  });

  it('prints the same executive part in summary.pdf’s page as in the full report’s', async () => {
    const dir = tmp();
    const m = await generateReport(fleet(), dir, { period, now: NOW, printer: null });
    const part = (file: string): string => {
      const html = fs.readFileSync(path.join(dir, 'reports', m.id, file), 'utf8');
      return html.slice(html.indexOf('<h2>Executive summary</h2>'), html.indexOf('<h2>Outcomes</h2>'));
    };
    expect(part('summary.html')).toContain('machines fully patched');
    expect(part('summary.html')).toBe(part('report.html'));
  });
});
