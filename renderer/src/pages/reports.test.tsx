/**
 * The Reports page while a report prints in two stages: the executive summary is offered the moment the core
 * says it is ready, the full report shows it is printing with a Cancel, and a failed or cancelled PDF says why.
 * A fake core answers the calls and pushes the events as the real one does.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BridgeResult, EventPayload, ReportInfo } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { saveFile } from '../services/reports-service';
import { initialReportsState, useReportsStore } from '../stores/reports-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { ReportsPage } from './reports';

vi.mock('../services/reports-service', async (original) => ({ ...(await original<Record<string, unknown>>()), saveFile: vi.fn() }));

const calls: { name: string; arg: unknown }[] = [];
let push: (name: string, payload: unknown) => void = () => undefined;
let reports: ReportInfo[] = [];

const report = (pdfs: Pick<ReportInfo['pdfs'][keyof ReportInfo['pdfs']], 'state' | 'error'>[]): ReportInfo => ({
  id: '20261122-090000-abcdef', title: 'Patch compliance report', period: { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 10, 22) },
  generatedAt: Date.UTC(2026, 10, 22), dataHash: 'a'.repeat(64), auditHead: 'b'.repeat(64), auditOk: true, machines: 500, compliancePct: 80,
  files: [
    { name: 'report.html', bytes: 10 },
    ...(pdfs[0]!.state === 'ready' ? [{ name: 'summary.pdf', bytes: 10 }] : []),
    ...(pdfs[1]!.state === 'ready' ? [{ name: 'report.pdf', bytes: 10 }] : []),
  ],
  pdfError: pdfs[1]!.error ?? pdfs[0]!.error,
  jobId: 41,
  pdfs: { summary: { file: 'summary.pdf', ms: null, ...pdfs[0]! }, full: { file: 'report.pdf', ms: null, ...pdfs[1]! } },
});

beforeEach(() => {
  calls.length = 0;
  useReportsStore.setState(initialReportsState);
  useUiStore.setState(initialUiState);
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push({ name, arg });
      if (name === 'reports/list') return { ok: true, value: structuredClone(reports) };
      if (name === 'reports/file') return { ok: true, value: { name: 'summary.pdf', mime: 'application/pdf', base64: 'JVBERg==' } };
      if (name === 'jobs/cancel') return { ok: true, value: { ok: true } };
      if (name === 'reports/prepare') return { ok: true, value: { warm: true } };
      if (name === 'reports/generate') return { ok: true, value: { jobId: 41 } };
      return { ok: false, error: { name: 'AppError', message: `unexpected ${name}`, code: 'bad-request' } };
    },
    onEvent: (fn) => {
      push = fn;
      return () => (push = () => undefined);
    },
    onState: (fn) => (fn('open'), () => undefined),
  });
});

afterEach(() => {
  cleanup();
  setTransport(null);
  vi.mocked(saveFile).mockReset();
});

const announce = (payload: EventPayload<'reports/changed'>): void => act(() => push('reports/changed', payload));

describe('Reports page, two PDFs', () => {
  it('offers the executive summary as soon as it is ready, while the full report prints with a Cancel', async () => {
    const saved = vi.mocked(saveFile);
    reports = [];
    render(<ReportsPage />);
    await screen.findByText('No reports yet.');

    // Listed with the summary before the full report's data (and so its hash) is collected.
    reports = [{ ...report([{ state: 'ready', error: null }, { state: 'printing', error: null }]), dataHash: '' }];
    announce({ reportId: reports[0]!.id, jobId: 41, summary: 'ready', full: 'printing' });
    const banner = await screen.findByRole('status', { name: 'Executive summary ready' });
    await waitFor(() => expect(banner.textContent).toContain('The full report is still printing'));
    const row = within(screen.getByRole('table', { name: 'Reports' })).getAllByRole('row')[1]!;
    expect(within(row).getByRole('button', { name: 'Executive summary PDF' })).toBeTruthy();
    expect(within(row).queryByRole('button', { name: 'Full PDF' })).toBeNull();
    expect(row.textContent).toContain('Full PDF: printing…');
    expect(row.textContent).toContain('data being collected');

    fireEvent.click(within(banner).getByRole('button', { name: 'Open' }));
    await waitFor(() => expect(saved).toHaveBeenCalledWith(`patchwell-${reports[0]!.id}-summary.pdf`, 'application/pdf', 'JVBERg=='));
    expect(calls.find((c) => c.name === 'reports/file')?.arg).toEqual({ id: reports[0]!.id, name: 'summary.pdf' });
    expect(screen.queryByRole('status', { name: 'Executive summary ready' })).toBeNull();

    fireEvent.click(within(row).getByRole('button', { name: 'Cancel the full report' }));
    await waitFor(() => expect(calls.find((c) => c.name === 'jobs/cancel')?.arg).toEqual({ id: 41 }));
  });

  it("gets the printer's browser ready when the page opens, not while its report prints, and again once that one ended", async () => {
    reports = [];
    render(<ReportsPage />);
    await screen.findByText('No reports yet.');
    const prepares = (): number => calls.filter((c) => c.name === 'reports/prepare').length;
    await waitFor(() => expect(prepares()).toBe(1));

    fireEvent.click(screen.getByRole('button', { name: 'Generate report' }));
    await screen.findByRole('button', { name: 'Writing…' });
    expect(prepares()).toBe(1);
    // The report ended the browser it took; the next one gets a fresh head start.
    act(() => push('job/updated', { job: { id: 41, kind: 'report', title: 'Report', state: 'succeeded', current: 4, total: 4, summary: null, error: null, createdAt: 1, startedAt: 1, finishedAt: 2 }, targets: [] }));
    await screen.findByRole('button', { name: 'Generate report' });
    await waitFor(() => expect(prepares()).toBe(2));
  });

  it('says which PDF failed or was cancelled, and why', async () => {
    reports = [report([{ state: 'ready', error: null }, { state: 'cancelled', error: 'Cancelled by the user' }])];
    render(<ReportsPage />);
    const row = await screen.findByText(/Full PDF cancelled: Cancelled by the user/);
    expect(row).toBeTruthy();
    reports = [report([{ state: 'failed', error: 'no room' }, { state: 'ready', error: null }])];
    announce({ reportId: reports[0]!.id, jobId: 41, summary: 'failed', full: 'ready' });
    await screen.findByText('Executive summary PDF failed: no room');
    // A summary that failed is never announced as ready.
    expect(screen.queryByRole('status', { name: 'Executive summary ready' })).toBeNull();
  });
});
