/**
 * Writes a report to its own folder under the data folder — report.html, report.pdf, data.json and one CSV per
 * table, plus manifest.json — and lists and reads them back. Report ids and file names are checked against the
 * manifest before any path is built, so a request cannot read outside a report folder.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toCsv } from './csv';
import { outcomeRows } from './outcome-csv';
import type { PdfPrinter } from './pdf';
import { canonicalJson, collectReport, dataHash, type ReportPeriod } from './report-data';
import { renderReportHtml } from './report-html';
import type { Db } from '../db/open';

export interface ReportManifest {
  id: string;
  title: string;
  period: ReportPeriod;
  generatedAt: number;
  dataHash: string;
  auditHead: string;
  auditOk: boolean;
  machines: number;
  compliancePct: number | null;
  files: { name: string; bytes: number }[];
  /** Why there is no PDF, when there is none. */
  pdfError: string | null;
}

const ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
const MIME: Record<string, string> = {
  '.html': 'text/html', '.pdf': 'application/pdf', '.csv': 'text/csv', '.json': 'application/json',
};

export function reportsDir(dataDir: string): string {
  return path.join(dataDir, 'reports');
}

function newId(now: number): string {
  const iso = new Date(now).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${randomBytes(3).toString('hex')}`;
}

export interface GenerateOptions {
  period: ReportPeriod;
  title?: string;
  appVersion?: string;
  printer: PdfPrinter | null;
  now?: number;
  onStep?: (step: string) => void;
}

export async function generateReport(db: Db, dataDir: string, o: GenerateOptions): Promise<ReportManifest> {
  const now = o.now ?? Date.now();
  o.onStep?.('collect');
  const data = collectReport(db, o.period, { now, ...(o.title ? { title: o.title } : {}), ...(o.appVersion ? { appVersion: o.appVersion } : {}) });
  const hash = dataHash(data);
  const id = newId(now);
  const dir = path.join(reportsDir(dataDir), id);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  o.onStep?.('write');
  const write = (name: string, text: string): void => fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
  write('data.json', canonicalJson(data));
  write('report.html', renderReportHtml(data, hash));
  write('machines.csv', toCsv(
    ['id', 'name', 'address', 'os', 'criticality', 'status', 'open_updates', 'findings', 'kev_findings', 'reboot_required', 'last_assessed'],
    data.machines.map((m) => [m.id, m.name, m.address, m.os, m.criticality, m.status, m.pending, m.findings, m.kev, m.rebootRequired, m.lastAssessedAt === null ? '' : new Date(m.lastAssessedAt).toISOString()]),
  ));
  write('findings.csv', toCsv(
    ['machine', 'package', 'installed_version', 'fixed_in', 'cves', 'kev', 'urgency', 'risk_score', 'risk_band', 'opened', 'fixed', 'exposure_days'],
    data.critical.map((f) => [f.host, f.package, f.installedVersion, f.fixedIn, f.cves.join(' '), f.kev, f.urgency, f.score, f.band, new Date(f.openedAt).toISOString(), f.resolvedAt === null ? '' : new Date(f.resolvedAt).toISOString(), f.exposureDays]),
  ));
  write('deployments.csv', toCsv(
    ['deployment', 'title', 'state', 'rollback_of', 'started', 'finished', 'machine', 'package', 'from', 'to', 'result', 'item_state', 'outcome', 'approved_by', 'approver', 'approval_audit_id', 'approved_at'],
    data.deployments.flatMap((d) => d.items.map((i) => [d.id, d.title, d.state, d.rollbackOf, new Date(d.createdAt).toISOString(), d.finishedAt === null ? '' : new Date(d.finishedAt).toISOString(), i.host, i.package, i.from, i.to, i.result, i.state, i.outcome, i.approvedBy, i.approver, i.approvalAuditId, i.approvedAt === null ? '' : new Date(i.approvedAt).toISOString()])),
  ));
  write('outcomes.csv', toCsv(['metric', 'value', 'detail', 'how'], outcomeRows(data.outcomes)));
  write('audit.csv', toCsv(['id', 'time', 'actor', 'action', 'target', 'details'], data.audit.map((a) => [a.id, new Date(a.ts).toISOString(), a.actor, a.action, a.target, a.details])));
  let pdfError: string | null = null;
  if (o.printer) {
    o.onStep?.('pdf');
    try {
      await o.printer.print(path.join(dir, 'report.html'), path.join(dir, 'report.pdf'));
    } catch (e) {
      pdfError = e instanceof Error ? e.message : String(e);
    }
  } else {
    pdfError = 'No PDF printer here: install Chromium or set PATCHWELL_CHROMIUM (the HTML report prints to PDF from any browser)';
  }
  const files = fs.readdirSync(dir).sort().map((name) => ({ name, bytes: fs.statSync(path.join(dir, name)).size }));
  const manifest: ReportManifest = {
    id,
    title: data.title,
    period: o.period,
    generatedAt: now,
    dataHash: hash,
    auditHead: data.auditChain.head,
    auditOk: data.auditChain.ok,
    machines: data.summary.machines,
    compliancePct: data.summary.compliancePct,
    files,
    pdfError,
  };
  write('manifest.json', JSON.stringify(manifest, null, 2));
  return manifest;
}

export function listReports(dataDir: string): ReportManifest[] {
  const root = reportsDir(dataDir);
  if (!fs.existsSync(root)) return [];
  const out: ReportManifest[] = [];
  for (const id of fs.readdirSync(root)) {
    if (!ID.test(id)) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(root, id, 'manifest.json'), 'utf8')) as ReportManifest);
    } catch {
      // A folder without a readable manifest is a report that did not finish: not listed.
    }
  }
  return out.sort((a, b) => b.generatedAt - a.generatedAt);
}

export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export function readReportFile(dataDir: string, id: string, name: string): { name: string; mime: string; base64: string } {
  if (!ID.test(id)) throw new Error('No such report');
  const manifest = listReports(dataDir).find((m) => m.id === id);
  const file = manifest?.files.find((f) => f.name === name);
  if (!manifest || !file || name === 'manifest.json') throw new Error('No such report file');
  if (file.bytes > MAX_FILE_BYTES) throw new Error(`${name} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB: open it from ${path.join(reportsDir(dataDir), id)}`);
  const buf = fs.readFileSync(path.join(reportsDir(dataDir), id, name));
  return { name, mime: MIME[path.extname(name)] ?? 'application/octet-stream', base64: buf.toString('base64') };
}
