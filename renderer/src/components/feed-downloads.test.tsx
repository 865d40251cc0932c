import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeResult, FeedDownloadState, Job } from '../../../shared/contract';
import { setTransport } from '../services/client';
import { initialJobsState, useJobsStore } from '../stores/jobs-store';
import { initialUiState, useUiStore } from '../stores/ui-store';
import { FeedDownloads } from './feed-downloads';

const calls: string[] = [];
const sources = [
  { id: 'kev', label: 'CISA KEV', url: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json' },
  { id: 'epss', label: 'FIRST EPSS', url: 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz' },
];

/** A fake core answering like the feed download handlers: off by default, a refresh job (7) with one source failing. */
function fakeCore(): void {
  let state: FeedDownloadState = { allowed: false, sources, lastRun: null };
  setTransport({
    invoke: async (name: string, arg: unknown): Promise<BridgeResult> => {
      calls.push(name);
      if (name === 'feeds/set-download') state = { ...state, allowed: (arg as { allowed: boolean }).allowed };
      else if (name === 'feeds/download') {
        state = {
          ...state,
          lastRun: {
            at: Date.now(),
            outcomes: [
              { source: 'kev', label: 'CISA KEV', ok: true, message: 'Imported: 1,404 records, dated 2026-11-21' },
              { source: 'epss', label: 'FIRST EPSS', ok: false, message: 'Could not download it: it took too long (timed out). The feed in force is unchanged.' },
            ],
          },
        };
        return { ok: true, value: { jobId: 7 } };
      } else if (name === 'jobs/cancel') return { ok: true, value: { ok: true } };
      else if (name !== 'feeds/download-state') throw new Error(`unexpected call ${name}`);
      return { ok: true, value: structuredClone(state) };
    },
    onEvent: () => () => undefined,
    onState: (fn) => (fn('open'), () => undefined),
  });
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await act(async () => new Promise((r) => setTimeout(r, 5)));
};

const job = (over: Partial<Job>): Job => ({
  id: 7,
  kind: 'feeds',
  title: 'Refresh 2 vulnerability feeds',
  state: 'running',
  current: 0,
  total: 2,
  summary: null,
  error: null,
  createdAt: 1,
  startedAt: 1,
  finishedAt: null,
  ...over,
});

describe('FeedDownloads', () => {
  beforeEach(() => {
    calls.length = 0;
    useUiStore.setState(initialUiState);
    useJobsStore.setState(initialJobsState);
    fakeCore();
  });
  afterEach(cleanup);

  it('says downloads are off and offers no button until allowed; then shows how each source went', async () => {
    let imported = 0;
    render(<FeedDownloads onImported={() => imported++} />);
    await settle();
    expect(screen.getByText(/Off: nothing is fetched from the internet/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Download the feeds now/ })).toBeNull();
    expect(screen.getByLabelText(/www\.cisa\.gov, epss\.empiricalsecurity\.com/)).toBeTruthy();

    fireEvent.click(screen.getByRole('checkbox'));
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Download the feeds now' }));
    await settle();
    expect(calls).toEqual(['feeds/download-state', 'feeds/set-download', 'feeds/download']);
    // The job's progress, as the core pushes it (job/updated), is shown here and can be cancelled.
    act(() => useJobsStore.getState().applyUpdate(job({ state: 'running', current: 1, summary: 'FIRST EPSS: 0.5 MB downloaded' }), []));
    expect(screen.getByRole('status', { name: 'Feed refresh' }).textContent).toContain('1 of 2 feeds — FIRST EPSS: 0.5 MB downloaded');
    expect(screen.getByRole('button', { name: 'Downloading…' })).toHaveProperty('disabled', true);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await settle();
    expect(calls.at(-1)).toBe('jobs/cancel');
    expect(imported).toBe(0);
    act(() => useJobsStore.getState().applyUpdate(job({ state: 'partial', current: 2, summary: '1 of 2 feeds refreshed' }), []));
    await settle();
    const list = screen.getByRole('list', { name: 'Last download' });
    expect(list.textContent).toContain('CISA KEV: Imported: 1,404 records, dated 2026-11-21');
    expect(list.textContent).toContain('not taken FIRST EPSS: Could not download it: it took too long (timed out). The feed in force is unchanged.');
    expect(imported).toBe(1);
    expect(useUiStore.getState().toasts.at(-1)?.text).toMatch(/Feeds downloaded: 1 of 2 — see below why the others were not/);
  });
});
