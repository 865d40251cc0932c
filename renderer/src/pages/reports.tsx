import { useEffect, useState } from 'react';
import type { ReportInfo, ReportPdfStatus } from '../../../shared/contract';
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
  'summary.pdf': 'Executive summary PDF', 'report.pdf': 'Full PDF', 'report.html': 'HTML', 'data.json': 'JSON', 'machines.csv': 'Machines CSV', 'findings.csv': 'Findings CSV',
  'deployments.csv': 'Deployments CSV', 'audit.csv': 'Audit CSV',
  'outcomes.csv': 'Outcomes CSV', 'summary.json': 'Summary JSON',
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

/** The executive summary first: it is what most readers want, and it is ready first. */
const FILE_ORDER = Object.keys(FILE_LABEL);
const PDF_NAME = { summary: 'Executive summary PDF', full: 'Full PDF' } as const;

/** A PDF that is not ready says where it stands: printing (with Cancel), failed or cancelled, and why. */
function PdfLine(props: { which: keyof ReportInfo['pdfs']; status: ReportPdfStatus; jobId: number | null; onCancel: (jobId: number) => void }) {
  const { status, jobId } = props;
  const name = PDF_NAME[props.which];
  if (status.state === 'ready' || status.state === 'none') return null;
  if (status.state === 'printing') {
    return (
      <div role="status">
        {name}: printing…{' '}
        {jobId !== null && (
          <button type="button" className="small" onClick={() => props.onCancel(jobId)}>
            Cancel {props.which === 'full' ? 'the full report' : 'printing'}
          </button>
        )}
      </div>
    );
  }
  return <div className="failure">{name} {status.state === 'cancelled' ? 'cancelled' : 'failed'}{status.error ? `: ${status.error}` : ''}</div>;
}

/** Offers the executive summary the moment it is printed, while the full report goes on printing. */
function SummaryReady(props: { report: ReportInfo | undefined; onOpen: () => void; onDismiss: () => void }) {
  const full = props.report?.pdfs.full.state;
  return (
    <div className="banner good" role="status" aria-label="Executive summary ready">
      Executive summary ready —{' '}
      <button type="button" className="small" onClick={props.onOpen}>
        Open
      </button>{' '}
      {full === 'printing' ? 'The full report is still printing; it appears below when done.' : ''}
      <button type="button" className="link" onClick={props.onDismiss}>
        Dismiss
      </button>
    </div>
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
  const summaryReady = useReportsStore((s) => s.summaryReady);
  const { generate: startReport, download: fetchFile, dismissSummary, cancelPrinting, prepare } = useReportsStore.getState();
  // The printer's browser starts while the user picks a period, and again for the next report once one has ended
  // (a report ends the browser it printed in); never while one of ours prints, where a second would only compete.
  useEffect(() => {
    if (!busy) void prepare();
  }, [busy, prepare]);

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
  const download = async (id: string, name: string): Promise<void> => {
    try {
      await fetchFile(id, name);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };
  const cancel = async (jobId: number): Promise<void> => {
    try {
      await cancelPrinting(jobId);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    }
  };
  const openSummary = (id: string): void => {
    dismissSummary();
    void download(id, 'summary.pdf');
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
      {summaryReady && (
        <SummaryReady report={reports?.find((r) => r.id === summaryReady)} onOpen={() => openSummary(summaryReady)} onDismiss={dismissSummary} />
      )}
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
                  {/* The summary is listed before the full report's data is collected: its hash comes with that data. */}
                  data {r.dataHash ? `${r.dataHash.slice(0, 12)}…` : r.pdfs.full.state === 'printing' ? 'being collected' : 'none (the full report was not written)'} · audit head {r.auditHead.slice(0, 12)}…{r.auditOk ? '' : ' (chain BROKEN)'}
                  <PdfLine which="summary" status={r.pdfs.summary} jobId={r.jobId} onCancel={(id) => void cancel(id)} />
                  <PdfLine which="full" status={r.pdfs.full} jobId={r.jobId} onCancel={(id) => void cancel(id)} />
                </td>
                <td>
                  {r.files
                    .filter((f) => FILE_LABEL[f.name])
                    .sort((a, b) => FILE_ORDER.indexOf(a.name) - FILE_ORDER.indexOf(b.name))
                    .map((f) => (
                      <button key={f.name} type="button" className="small" onClick={() => void download(r.id, f.name)}>
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
