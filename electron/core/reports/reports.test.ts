import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../audit/audit-log';
import { openDatabase, type Db } from '../db/open';
import { insertHost } from '../machines/machine-queries';
import { readCsvRows } from '../intel/feeds/csv-reader';
import { csvCell, toCsv } from './csv';

const parseCsv = (text: string): string[][] => [...readCsvRows(text)].map((r) => r.fields);
import { collectReport } from './report-data';
import { generateReport, listReports, readReportFile } from './report-files';
import { esc, renderReportHtml } from './report-html';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22);
const HOSTILE = '<img src=x onerror=alert(1)>"&\'';

function seed(): Db {
  const db = openDatabase(':memory:');
  db.prepare(`INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, ransomware) VALUES ('CVE-2021-44228','a','b','Log4Shell','2021-12-10',NULL,1)`).run();
  const a = insertHost(db, { address: '127.0.0.2', displayName: HOSTILE }).id;
  const b = insertHost(db, { address: '127.0.0.3', displayName: 'nas' }).id;
  insertHost(db, { address: '127.0.0.4', displayName: 'never-assessed' });
  db.prepare('UPDATE hosts SET last_assessed_at = ? WHERE id IN (?, ?)').run(NOW - DAY, a, b);
  const upd = db.prepare(
    `INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, is_security, urgency, detected_at, resolved_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)`,
  );
  // Open on a: a KEV fix (critical finding) and a low one.
  const kevId = Number(upd.run(a, 'liblog', '1.0', '1.1', 'low', NOW - 10 * DAY, null).lastInsertRowid);
  db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2021-44228', 'changelog')`).run(kevId);
  upd.run(a, '=cmd|calc', '1', '2', 'low', NOW - 5 * DAY, null);
  // Fixed on b within the period: 4 and 2 days to remediate -> MTTR 3 days; openssl is scored high (high urgency 40
  // + EPSS 97% 20 = 60: a critical finding), zlib medium.
  const sslId = Number(upd.run(b, 'openssl', '3.0.1', '3.0.2', 'high', NOW - 6 * DAY, NOW - 2 * DAY).lastInsertRowid);
  db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2024-0002', 'changelog')`).run(sslId);
  db.prepare(`INSERT INTO epss (cve_id, score, percentile) VALUES ('CVE-2024-0002', 0.97, 0.99)`).run();
  upd.run(b, 'zlib', '1.2', '1.3', 'medium', NOW - 3 * DAY, NOW - DAY);
  appendAudit(db, { actor: 'user', action: 'patch.approve', targetType: 'host', targetId: a, details: { package: 'liblog' } }, NOW - 2 * DAY);
  return db;
}

const period = { from: NOW - 30 * DAY, to: NOW };

describe('report data', () => {
  it('computes the executive summary from the inventory', () => {
    const d = collectReport(seed(), period, { now: NOW });
    expect(d.summary).toEqual({
      machines: 3, assessed: 2, fullyPatched: 1, compliancePct: 50, openUpdates: 2, openFindings: 2, kevFindings: 1, kevMachines: 1,
      mttrDays: 3, fixedInPeriod: 2, deployments: 0, rollbacks: 0,
    });
    expect(d.critical.map((f) => [f.package, f.kev, f.band, f.exposureDays, f.resolvedAt === null])).toEqual([
      ['liblog', true, 'critical', 10, true],
      ['openssl', false, 'high', 4, false],
    ]);
    expect(d.machines.find((m) => m.name === 'never-assessed')?.status).toBe('not assessed');
    expect(d.audit.map((a) => a.action)).toEqual(['patch.approve']);
    expect(d.auditChain.ok).toBe(true);
  });
});

interface ParsedRow {
  machine: string;
  text: string;
}

describe('compliance counts findings, not repositories', () => {
  /** seed() plus files01, assessed, whose only open update is a KEV-listed, ransomware-used fix from backports. */
  function withKevFromBackports(): Db {
    const db = seed();
    const c = insertHost(db, { address: '127.0.0.5', displayName: 'files01' }).id;
    db.prepare('UPDATE hosts SET last_assessed_at = ? WHERE id = ?').run(NOW - DAY, c);
    const id = Number(
      db
        .prepare(`INSERT INTO pending_updates (host_id, package, installed_version, candidate_version, source, is_security, urgency, detected_at) VALUES (?, 'liblog-java', '2.14', '2.17', 'bookworm-backports', 0, NULL, ?)`)
        .run(c, NOW - 3 * DAY).lastInsertRowid,
    );
    db.prepare(`INSERT INTO advisories (pending_update_id, cve_id, source) VALUES (?, 'CVE-2021-44228', 'changelog')`).run(id);
    return db;
  }

  it('a KEV update from a non-security repository makes its machine non-compliant and is a critical finding', () => {
    const d = collectReport(withKevFromBackports(), period, { now: NOW });
    expect(d.machines.find((m) => m.name === 'files01')).toMatchObject({ status: 'open findings', pending: 1, findings: 1, kev: 1 });
    expect(d.summary).toMatchObject({ machines: 4, assessed: 3, fullyPatched: 1, compliancePct: 33.3, openFindings: 3, kevFindings: 2, kevMachines: 2 });
    const files01 = d.critical.find((f) => f.host === 'files01');
    expect(files01).toMatchObject({ package: 'liblog-java', kev: true, band: 'critical', reasons: ['kev', 'risk'], cves: ['CVE-2021-44228'], resolvedAt: null, exposureDays: 3 });

    const html = renderReportHtml(d, 'abc');
    const tables = [...new JSDOM(html).window.document.querySelectorAll('table')];
    // A table by a column only it has; its rows by their first cell (the machine).
    const rowsOf = (column: string): ParsedRow[] =>
      [...tables.find((t) => [...t.querySelectorAll('th')].some((th) => th.textContent === column))!.querySelectorAll('tbody tr')].map((tr) => ({
        machine: tr.querySelector('td')?.textContent ?? '',
        text: tr.textContent ?? '',
      }));
    expect(rowsOf('Exposure (days)').find((r) => r.machine === 'files01')?.text).toContain('liblog-java');
    expect(rowsOf('Last assessed').find((r) => r.machine === 'files01')?.text).toContain('open findings');
    expect(html).toContain('<b>1 of 3</b>machines fully patched');
    expect(html).toContain('<b>33.3%</b>compliance');
  });
});

describe('report HTML', () => {
  it('escapes hostile names and references nothing outside itself', () => {
    const html = renderReportHtml(collectReport(seed(), period, { now: NOW }), 'abc');
    expect(html).not.toContain('<img');
    expect(html).toContain(esc(HOSTILE));
    // Parsed as a browser would: no script, no element with an attribute that loads anything, no CSS fetch.
    const doc = new JSDOM(html).window.document;
    expect(doc.querySelectorAll('script, iframe, object, embed, link, img, image, use').length).toBe(0);
    const loading = [...doc.querySelectorAll('*')].flatMap((el) => el.getAttributeNames().filter((a) => /^(src|href|xlink:href|srcset|action|poster|data)$/i.test(a) || /^on/i.test(a)));
    expect(loading).toEqual([]);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(doc.querySelector('td')?.textContent).toBeDefined();
    expect([...doc.querySelectorAll('td')].some((td) => td.textContent === HOSTILE)).toBe(true);
    // The only URL is the SVG namespace, which is a name, never fetched.
    expect(new Set([...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]))).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).toContain('Executive summary');
    expect(html).toContain('50%');
  });
});

describe('CSV', () => {
  it('round-trips quotes, commas and line breaks, and defuses formulas', () => {
    const rows = [['a,b', 'say "hi"', 'two\nlines', '=SUM(A1)', '-1+2', '@x', 'plain'], [1, true, null, '', 'x', 'y', 'z']] as const;
    const parsed = parseCsv(toCsv(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'], rows));
    expect(parsed[1]).toEqual(['a,b', 'say "hi"', 'two\nlines', "'=SUM(A1)", "'-1+2", "'@x", 'plain']);
    expect(parsed[2]).toEqual(['1', 'true', '', '', 'x', 'y', 'z']);
    expect(csvCell(-3)).toBe('-3');
  });
});

describe('report files', () => {
  it('writes every format with a hash that matches data.json, lists it, and serves only its own files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-report-'));
    const printed: string[] = [];
    const m = await generateReport(seed(), dir, {
      period, now: NOW,
      printer: { name: 'fake', print: async (html, pdf) => { printed.push(html); fs.writeFileSync(pdf, `%PDF-1.4 ${'x'.repeat(200)}`); } },
    });
    expect(m.files.map((f) => f.name)).toEqual(['audit.csv', 'data.json', 'deployments.csv', 'findings.csv', 'machines.csv', 'outcomes.csv', 'report.html', 'report.pdf', 'summary.html', 'summary.json', 'summary.pdf']);
    expect(m.pdfError).toBeNull();
    const json = fs.readFileSync(path.join(dir, 'reports', m.id, 'data.json'), 'utf8');
    expect(createHash('sha256').update(json).digest('hex')).toBe(m.dataHash);
    expect(fs.readFileSync(path.join(dir, 'reports', m.id, 'report.html'), 'utf8')).toContain(m.dataHash);
    const machines = parseCsv(Buffer.from(readReportFile(dir, m.id, 'machines.csv').base64, 'base64').toString('utf8'));
    expect(machines[0]).toEqual(['id', 'name', 'address', 'os', 'criticality', 'status', 'open_updates', 'findings', 'kev_findings', 'reboot_required', 'last_assessed']);
    expect(machines.find((r) => r[2] === '127.0.0.2')?.[1]).toBe(HOSTILE);
    const findings = parseCsv(Buffer.from(readReportFile(dir, m.id, 'findings.csv').base64, 'base64').toString('utf8'));
    expect(findings.map((r) => r[1])).toEqual(['package', 'liblog', 'openssl']);
    expect(listReports(dir).map((r) => r.id)).toEqual([m.id]);
    expect(() => readReportFile(dir, m.id, 'manifest.json')).toThrow(/No such report file/);
    expect(() => readReportFile(dir, '../../etc', 'passwd')).toThrow(/No such report/);
    expect(() => readReportFile(dir, m.id, '../../patchwell.db')).toThrow(/No such report file/);
  });

  it('without a printer it still writes HTML, CSV and JSON and says why there is no PDF', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-report-'));
    const m = await generateReport(seed(), dir, { period, now: NOW, printer: null });
    expect(m.files.map((f) => f.name)).not.toContain('report.pdf');
    expect(m.pdfError).toMatch(/install Chromium/);
  });
});
