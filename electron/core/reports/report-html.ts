/**
 * The report as one self-contained HTML file: inline CSS and SVG charts, no script, no external reference of
 * any kind (it is opened offline, printed to PDF, mailed to an auditor). Every value is escaped: machine and
 * package names come from the machines.
 */
import type { OutcomeMetrics } from '../../../shared/contract';
import { formatSeconds } from './outcome-metrics';
import { executiveOf, type DeploymentLine, type ExecutiveFigures, type Finding, type MachineLine, type ReportData, type SummaryData } from './report-data';

/** What the head and the evidence of either PDF state: the same in the summary's data and the full report's. */
type Framing = Pick<ReportData, 'title' | 'period' | 'generatedAt' | 'appVersion' | 'auditChain'>;

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const day = (t: number | null): string => (t === null ? '—' : new Date(t).toISOString().slice(0, 10));
const when = (t: number | null): string => (t === null ? '—' : new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC');

/** A horizontal stacked bar with a legend: parts of a whole. */
export function stackedBar(parts: readonly { label: string; value: number; color: string }[], width = 520): string {
  const total = parts.reduce((n, p) => n + p.value, 0) || 1;
  let x = 0;
  const rects = parts
    .filter((p) => p.value > 0)
    .map((p) => {
      const w = (p.value / total) * width;
      const r = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="22" fill="${p.color}"><title>${esc(p.label)}: ${p.value}</title></rect>`;
      x += w;
      return r;
    })
    .join('');
  const legend = parts
    .map((p, i) => `<rect x="${i * 175}" y="32" width="10" height="10" fill="${p.color}"/><text x="${i * 175 + 14}" y="41" font-size="11">${esc(p.label)}: ${p.value}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="48" role="img" aria-label="${esc(parts.map((p) => `${p.label} ${p.value}`).join(', '))}">${rects}${legend}</svg>`;
}

/** Vertical bars: one value per label (e.g. findings per machine). */
export function barChart(bars: readonly { label: string; value: number }[], color = '#b42318', width = 520, height = 140): string {
  if (bars.length === 0) return '';
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = width / bars.length;
  const body = bars
    .map((b, i) => {
      const h = (b.value / max) * (height - 34);
      const x = i * slot + slot * 0.15;
      const y = height - 20 - h;
      return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${esc(b.label)}: ${b.value}</title></rect>` +
        `<text x="${(x + slot * 0.35).toFixed(1)}" y="${(y - 3).toFixed(1)}" font-size="10" text-anchor="middle">${b.value}</text>` +
        `<text x="${(x + slot * 0.35).toFixed(1)}" y="${height - 6}" font-size="9" text-anchor="middle">${esc(b.label.length > 14 ? `${b.label.slice(0, 13)}…` : b.label)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(bars.map((b) => `${b.label} ${b.value}`).join(', '))}">${body}</svg>`;
}

const CSS = `
body{font:13px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2433;margin:32px;max-width:1000px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d0d5dd;padding-bottom:4px}
.meta{color:#5b6474;font-size:12px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid #d0d5dd;border-radius:8px;padding:10px 14px;min-width:130px}.card b{display:block;font-size:22px}
.bad b{color:#b42318}.good b{color:#067647}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e4e7ec;vertical-align:top}
th{background:#f2f4f7}td:first-child{min-width:120px}.kev{color:#fff;background:#b42318;border-radius:8px;padding:0 6px;font-size:10px}
.figure{display:flex;gap:12px;align-items:center;margin:6px 0}.figure .how{margin:0;max-width:560px}
.evidence{font-family:ui-monospace,monospace;font-size:11px;word-break:break-all;background:#f2f4f7;padding:8px;border-radius:6px}
@media print{body{margin:12mm}h2{break-after:avoid}tr{break-inside:avoid}}
`;

function machinesTable(ms: readonly MachineLine[]): string {
  return `<table><thead><tr><th>Machine</th><th>Address</th><th>OS</th><th>Criticality</th><th>Status</th><th>Open updates</th><th>Findings</th><th>Known exploited</th><th>Reboot needed</th><th>Last assessed</th></tr></thead><tbody>${ms
    .map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(m.address)}</td><td>${esc(m.os)}</td><td>${esc(m.criticality)}</td><td>${esc(m.status)}</td><td>${m.pending}</td><td>${m.findings}</td><td>${m.kev ? `<span class="kev">${m.kev}</span>` : '0'}</td><td>${m.rebootRequired ? 'yes' : 'no'}</td><td>${day(m.lastAssessedAt)}</td></tr>`)
    .join('')}</tbody></table>`;
}

/** Rows printed per long table; the CSV and JSON exports carry every row. */
export const FINDINGS_IN_HTML = 1000;
export const DEPLOYMENT_ITEMS_IN_HTML = 2000;

function findingsTable(all: readonly Finding[]): string {
  if (all.length === 0) return '<p>No critical finding was open in this period.</p>';
  // The worst first: known exploited, then still open, then the longest exposure.
  const fs = [...all]
    .sort((a, b) => Number(b.kev) - Number(a.kev) || Number(a.resolvedAt !== null) - Number(b.resolvedAt !== null) || b.exposureDays - a.exposureDays)
    .slice(0, FINDINGS_IN_HTML);
  const note = all.length > fs.length ? `<p class="meta">${all.length} critical findings; the ${fs.length} worst are shown (known exploited, open, longest exposure first); findings.csv holds all.</p>` : '';
  return `${note}<table><thead><tr><th>Machine</th><th>Package</th><th>Fixed in</th><th>CVEs</th><th>Risk</th><th>Opened</th><th>Fixed</th><th>Exposure (days)</th></tr></thead><tbody>${fs
    .map((f) => `<tr><td>${esc(f.host)}</td><td>${esc(f.package)} ${esc(f.installedVersion ?? '')}</td><td>${esc(f.fixedIn)}</td><td>${f.kev ? '<span class="kev">KEV</span> ' : ''}${esc(f.cves.join(', ') || f.urgency || '')}</td><td>${f.score} ${esc(f.band)}</td><td>${day(f.openedAt)}</td><td>${f.resolvedAt === null ? 'open' : day(f.resolvedAt)}</td><td>${f.exposureDays}</td></tr>`)
    .join('')}</tbody></table>`;
}

function deploymentsSection(ds: readonly DeploymentLine[]): string {
  if (ds.length === 0) return '<p>No deployment in this period.</p>';
  let budget = DEPLOYMENT_ITEMS_IN_HTML;
  const total = ds.reduce((n, d) => n + d.items.length, 0);
  const note = total > budget ? `<p class="meta">${total} installed versions in ${ds.length} deployments; the first ${budget} are itemised, deployments.csv holds all.</p>` : '';
  return note + ds
    .map((d) => {
      const items = d.items.slice(0, Math.max(0, budget));
      budget -= items.length;
      return { ...d, items };
    })
    .map(
      (d) => `<h3>#${d.id} ${esc(d.title)} — ${esc(d.state)}</h3><p class="meta">${d.rollbackOf ? `Rollback of deployment ${d.rollbackOf}. ` : ''}Started ${when(d.createdAt)} by ${esc(d.createdBy)}; finished ${when(d.finishedAt)}. ${d.machines} machines: ${d.succeeded} succeeded, ${d.rolledBack} rolled back, ${d.failed} failed.</p>` +
        `<table><thead><tr><th>Machine</th><th>Package</th><th>From</th><th>To</th><th>Result</th><th>Approved by</th><th>Approved at</th></tr></thead><tbody>${d.items
          .map((i) => `<tr><td>${esc(i.host)}</td><td>${esc(i.package)}</td><td>${esc(i.from ?? '—')}</td><td>${esc(i.to)}</td><td>${esc(i.outcome)}${i.result ? ` (${esc(i.result)})` : ''}</td><td>${esc(i.approver ?? '—')}${i.approvalAuditId === null ? '' : ` (audit #${i.approvalAuditId})`}</td><td>${when(i.approvedAt)}</td></tr>`)
          .join('')}</tbody></table>`,
    )
    .join('');
}

/** The outcome metrics, each figure with the sentence that says how it is computed. */
export function outcomesSection(o: OutcomeMetrics, kevRows = FINDINGS_IN_HTML, kevTotal = o.kevExposure.findings.length): string {
  const fig = (label: string, value: string, how: string): string => `<div class="figure"><div class="card"><b>${esc(value)}</b>${esc(label)}</div><p class="meta how">${esc(how)}</p></div>`;
  const f = o.firstTimeSuccess;
  const t = o.deployTime;
  const d = o.detectionToFix;
  const days = (n: number | null): string => (n === null ? 'n/a' : `${n} d`);
  const kev = o.kevExposure.findings.slice(0, kevRows);
  const cut = kevTotal > kev.length
    ? `<p class="meta">The ${kev.length} shown are the first of ${kevTotal}; ${kevRows < FINDINGS_IN_HTML ? 'the full report lists more, ' : ''}outcomes.csv and data.json hold all.</p>`
    : '';
  return [
    fig('first-time success rate', f.pct === null ? 'n/a' : `${f.pct}% (${f.firstTime} of ${f.machines} machines)`, f.how),
    fig('deployment time per machine: median / slowest', `${formatSeconds(t.medianSeconds)} / ${t.slowest ? `${formatSeconds(t.slowest.seconds)} (${t.slowest.hostLabel})` : 'n/a'}`, t.how),
    fig('detection to fix, all findings: mean / p90', `${days(d.all.meanDays)} / ${days(d.all.p90Days)} (${d.all.count} fixed)`, d.how),
    fig('detection to fix, KEV findings: mean / p90', `${days(d.kev.meanDays)} / ${days(d.kev.p90Days)} (${d.kev.count} fixed)`, d.how),
    fig('rollbacks', `${o.rollbacksByCause.total}${o.rollbacksByCause.causes.length ? `: ${o.rollbacksByCause.causes.map((c) => `${c.count} ${c.cause}`).join(', ')}` : ''}`, o.rollbacksByCause.how),
    `<h3>Exposure of every known-exploited finding (${kevTotal}, ${o.kevExposure.totalDays} days in all)</h3><p class="meta how">${esc(o.kevExposure.how)}</p>${cut}`,
    kev.length
      ? `<table><thead><tr><th>Machine</th><th>Package</th><th>Fixed in</th><th>KEV CVEs</th><th>Opened</th><th>Fixed</th><th>Exposure (days)</th></tr></thead><tbody>${kev
        .map((k) => `<tr><td>${esc(k.host)}</td><td>${esc(k.package)}</td><td>${esc(k.fixedIn)}</td><td>${esc(k.cves.join(', '))}</td><td>${day(k.openedAt)}</td><td>${k.resolvedAt === null ? 'open' : day(k.resolvedAt)}</td><td>${k.days}</td></tr>`)
        .join('')}</tbody></table>`
      : '<p>No known-exploited finding was open in this period.</p>',
  ].join('\n');
}

/** At most this many audit rows are printed; the CSV and JSON exports carry all of them. */
export const AUDIT_ROWS_IN_HTML = 500;

/** Known-exploited rows in the executive summary: it stays a few pages; the full report lists up to FINDINGS_IN_HTML. */
export const KEV_ROWS_IN_SUMMARY = 10;

function head(data: Framing, subtitle: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(data.title)}${subtitle ? ` — ${esc(subtitle)}` : ''}</title><style>${CSS}</style></head><body>
<h1>${esc(data.title)}</h1>
<p class="meta">${subtitle ? `${esc(subtitle)} · ` : ''}Period ${day(data.period.from)} to ${day(data.period.to)} · generated ${when(data.generatedAt)} by Patchwell ${esc(data.appVersion)}, offline, from its local inventory.</p>`;
}

/** The executive summary and the outcome figures: the part a reader who is not a technician reads. */
function executivePart(e: ExecutiveFigures, kevRows: number): string {
  const s = e.summary;
  const notAssessed = s.machines - s.assessed;
  const card = (label: string, value: string, tone = ''): string => `<div class="card ${tone}"><b>${esc(value)}</b>${esc(label)}</div>`;
  const perMachine = e.topMachines;
  return `<h2>Executive summary</h2>
<div class="cards">
${card('compliance (assessed machines with no open finding)', s.compliancePct === null ? 'n/a' : `${s.compliancePct}%`, s.compliancePct === null ? '' : s.compliancePct === 100 ? 'good' : 'bad')}
${card('machines fully patched', `${s.fullyPatched} of ${s.assessed}`)}
${card('known-exploited (KEV) findings open', String(s.kevFindings), s.kevFindings ? 'bad' : 'good')}
${card('machines exposed to a KEV CVE', String(s.kevMachines), s.kevMachines ? 'bad' : 'good')}
${card('mean time to remediate (days)', s.mttrDays === null ? 'n/a' : String(s.mttrDays))}
${card('findings fixed in the period', String(s.fixedInPeriod))}
${card('deployments / rollbacks', `${s.deployments} / ${s.rollbacks}`)}
</div>
${stackedBar([
  { label: 'Fully patched', value: s.fullyPatched, color: '#067647' },
  { label: 'Open findings', value: s.assessed - s.fullyPatched, color: '#b42318' },
  { label: 'Not assessed', value: notAssessed, color: '#98a2b3' },
])}
<p>${s.machines} machines in the inventory, ${s.assessed} assessed; ${s.openUpdates} updates open, ${s.openFindings} of them findings.${notAssessed ? ` ${notAssessed} machine${notAssessed === 1 ? ' has' : 's have'} never been assessed and ${notAssessed === 1 ? 'is' : 'are'} not counted in the compliance rate.` : ''}</p>
<p class="meta">A finding is an open update that is on CISA's Known Exploited Vulnerabilities list, or scored high or critical, or comes from a security source; whatever repository it comes from, it makes its machine non-compliant.</p>
${perMachine.length ? `<h3>Open findings per machine</h3>${barChart(perMachine)}` : ''}
<h2>Outcomes</h2>
${outcomesSection(e.outcomes, kevRows, e.kevExposureCount)}`;
}

function detailPart(data: ReportData): string {
  const auditShown = data.audit.slice(-AUDIT_ROWS_IN_HTML);
  return `<h2>Critical findings and their exposure</h2>
<p class="meta">Updates from any repository that fix a CVE on CISA's Known Exploited Vulnerabilities list, or whose risk score is high or critical, open at any time in the period. Exposure runs from detection to the fix (or to the end of the period).</p>
${findingsTable(data.critical)}
<h2>Machines</h2>
${machinesTable(data.machines)}
<h2>Deployments and approvals</h2>
${deploymentsSection(data.deployments)}
<h2>Audit trail</h2>
<p class="meta">${data.audit.length} entries in the period${data.audit.length > auditShown.length ? `; the last ${auditShown.length} are shown, the CSV and JSON exports hold all` : ''}.</p>
<table><thead><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Target</th></tr></thead><tbody>${auditShown
    .map((a) => `<tr><td>${a.id}</td><td>${when(a.ts)}</td><td>${esc(a.actor)}</td><td>${esc(a.action)}</td><td>${esc(a.target)}</td></tr>`)
    .join('')}</tbody></table>`;
}

function evidencePart(data: Framing, hash: string, summaryHash: string | null): string {
  return `<h2>Evidence</h2>
<div class="evidence">Data SHA-256: ${esc(hash)}<br>Audit chain: ${data.auditChain.ok ? 'intact' : `BROKEN at entry ${data.auditChain.firstBrokenId}${data.auditChain.reason ? ` (${esc(data.auditChain.reason)})` : ''}`}, ${data.auditChain.rows} entries, head ${esc(data.auditChain.head)}${summaryHash ? `<br>Executive summary data SHA-256: ${esc(summaryHash)}` : ''}</div>
<p class="meta">${summaryHash === null
  ? 'The data hash is the SHA-256 of this summary&#39;s data as canonical JSON (summary.json beside this file); the full report states its own data&#39;s hash and this one.'
  : 'The data hash is the SHA-256 of this report&#39;s data as canonical JSON (data.json beside this file); the executive summary&#39;s, of summary.json, printed first from its own collection of the same figures.'} The audit chain head is the hash of the newest audit entry; each entry seals the one before it, and Patchwell's Verify action recomputes the chain.</p>
</body></html>
`;
}

/** The whole report: the executive part, then every detail table, then the evidence (with the summary's hash, when it was printed). */
export function renderReportHtml(data: ReportData, hash: string, summaryHash = ''): string {
  return `${head(data, '')}
${executivePart(executiveOf(data, FINDINGS_IN_HTML), FINDINGS_IN_HTML)}
${detailPart(data)}
${evidencePart(data, hash, summaryHash)}`;
}

/**
 * The executive summary alone (a few pages whatever the fleet's size), from its own collection, printed before the
 * full report's data is read so it can be opened at once. Its hash is of summary.json, its own data.
 */
export function renderSummaryHtml(data: SummaryData, hash: string): string {
  return `${head(data, 'Executive summary')}
${executivePart(data.executive, KEV_ROWS_IN_SUMMARY)}
<p class="meta">The full report (report.pdf and report.html beside this file) adds every critical finding, each machine, the deployments with their approvals and the audit trail.</p>
${evidencePart(data, hash, null)}`;
}
