import { useState } from 'react';
import type { ReportInfo } from '../../../shared/contract';
import { ago } from '../format';
import { useReportsStore } from '../stores/reports-store';
import { useUiStore } from '../stores/ui-store';
import { useLive } from '../stores/use-live';

const DAY = 86_400_000;
const dateInput = (t: number): string => new Date(t).toISOString().slice(0, 10);
const PRESETS: { label: string; days: number }[] = [
  { label: 'Last 30 days', days: 30 },
  { label: 'Last 90 days', days: 90 },
  { label: 'Last 12 months', days: 365 },
];
const FILE_LABEL: Record<string, string> = {
  'report.pdf': 'PDF', 'report.html': 'HTML', 'data.json': 'JSON', 'machines.csv': 'Machines CSV', 'findings.csv': 'Findings CSV',
  'deployments.csv': 'Deployments CSV', 'audit.csv': 'Audit CSV',
  'outcomes.csv': 'Outcomes CSV',
};

/** Recurring reports are schedules like the others: one place lists them all. */
function Schedules() {
  const go = useUiStore((s) => s.go);
  return (
    <p className="hint">
      Recurring reports (written to a folder every day, week or month, at a time of day) are on the{' '}
      <button type="button" className="link" onClick={() => go('schedules')}>
        Schedules
      </button>{' '}
      page.
    </p>
  );
}

/** Generate a report for a period and download it in the format asked for. */
function ReportsSection() {
  const toast = useUiStore((s) => s.toast);
  const [from, setFrom] = useState(() => dateInput(Date.now() - 30 * DAY));
  const [to, setTo] = useState(() => dateInput(Date.now()));
  // Reloaded when a report job ends.
  useLive('reports');
  const reports = useReportsStore((s) => s.reports);
  const busy = useReportsStore((s) => s.generating);
  const { generate: startReport, download: fetchFile } = useReportsStore.getState();

  const generate = async (): Promise<void> => {
    const start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T23:59:59Z`);
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      toast('error', 'Pick a period whose end comes after its start');
      return;
    }
    try {
      await startReport(start, end);
      toast('info', 'Writing the report: it appears below when ready');
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };
  const download = async (r: ReportInfo, name: string): Promise<void> => {
    try {
      await fetchFile(r.id, name);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section className="section" aria-label="Compliance reports">
      <h2>Compliance reports</h2>
      <p className="hint">
        For your boss, an auditor or an insurer: compliance, known-exploited exposure, time to remediate, each machine, deployments with their
        approvals, rollbacks and the audit trail — written offline as PDF, HTML, CSV and JSON, each stating the hash of its data and the head of the
        audit chain.
      </p>
      <div className="filters">
        <label className="inline">
          From <input aria-label="Report from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="inline">
          to <input aria-label="Report to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        {PRESETS.map((p) => (
          <button key={p.label} type="button" className="small" onClick={() => { setFrom(dateInput(Date.now() - p.days * DAY)); setTo(dateInput(Date.now())); }}>
            {p.label}
          </button>
        ))}
        <button type="button" className="primary" disabled={busy} onClick={() => void generate()}>
          {busy ? 'Writing…' : 'Generate report'}
        </button>
      </div>
      {reports && reports.length === 0 && <p className="hint">No reports yet.</p>}
      <Schedules />
      {reports && reports.length > 0 && (
        <table className="grid" aria-label="Reports">
          <thead>
            <tr>
              <th>Period</th>
              <th>Written</th>
              <th>Compliance</th>
              <th>Evidence</th>
              <th>Download</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr key={r.id}>
                <td>
                  {dateInput(r.period.from)} – {dateInput(r.period.to)}
                </td>
                <td>{ago(r.generatedAt)}</td>
                <td>{r.compliancePct === null ? 'n/a' : `${r.compliancePct}%`} of {r.machines} machines</td>
                <td className="hint">
                  data {r.dataHash.slice(0, 12)}… · audit head {r.auditHead.slice(0, 12)}…{r.auditOk ? '' : ' (chain BROKEN)'}
                  {r.pdfError && <div className="failure">No PDF: {r.pdfError}</div>}
                </td>
                <td>
                  {r.files
                    .filter((f) => FILE_LABEL[f.name])
                    .map((f) => (
                      <button key={f.name} type="button" className="small" onClick={() => void download(r, f.name)}>
                        {FILE_LABEL[f.name]}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ReportsPage() {
  const audit = useReportsStore((s) => s.audit);
  const verify = audit?.verify ?? null;
  const entries = audit?.entries ?? null;
  const toast = useUiStore((s) => s.toast);
  const run = async (): Promise<void> => {
    try {
      await useReportsStore.getState().verifyAudit();
    } catch (err) {
      toast('error', err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="page">
      <header className="page-head">
        <h1>Reports</h1>
        <div className="toolbar">
          <button type="button" onClick={() => void run()}>
            Verify the audit trail
          </button>
        </div>
      </header>
      <ReportsSection />
      <h2 className="section">Audit trail</h2>
      <p className="hint">
        Every change Patchwell makes is recorded in an append-only audit trail in which each entry seals the one before it.
        Verify it to prove nothing was altered.
      </p>
      {verify && (
        <div className={`banner ${verify.ok ? 'good' : 'error'}`} role="status">
          {verify.ok
            ? `Audit trail intact: ${verify.rows} entries, head ${verify.head.slice(0, 16)}…`
            : `Audit trail broken at entry ${verify.firstBrokenId}: ${verify.reason}`}
        </div>
      )}
      {entries && entries.length > 0 && (
        <table className="grid" aria-label="Audit trail">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Target</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{e.id}</td>
                <td>{new Date(e.ts).toLocaleString()}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
