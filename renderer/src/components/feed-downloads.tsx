import { useEffect, useRef, useState } from 'react';
import type { FeedDownloadOutcome } from '../../../shared/contract';
import { ago } from '../format';
import { useFeedsStore } from '../stores/feeds-store';
import { jobsSelectors, useJobsStore } from '../stores/jobs-store';
import { useUiStore } from '../stores/ui-store';
import { Progress } from './progress';

/**
 * Online updates of the feeds: off until the user allows them (Patchwell works offline; files are the default),
 * then one button starts a refresh job (also in the jobs tray, cancellable) and, once it ends, says per source
 * what happened.
 */
export function FeedDownloads({ onImported }: { onImported: () => void }) {
  const toast = useUiStore((s) => s.toast);
  const state = useFeedsStore((s) => s.download);
  const { loadDownload, setDownloadAllowed, downloadNow } = useFeedsStore.getState();
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJobsStore((s) => (jobId === null ? undefined : s.jobs.find((j) => j.id === jobId)));
  const cancel = useJobsStore((s) => s.cancel);
  const running = jobId !== null && (job === undefined || jobsSelectors.isActive(job));
  const reported = useRef<number | null>(null);

  useEffect(() => {
    void loadDownload();
  }, [loadDownload]);

  // When the refresh job ends: read how each source went, and refresh what the feeds feed.
  useEffect(() => {
    if (!job || jobsSelectors.isActive(job) || reported.current === job.id) return;
    reported.current = job.id;
    void loadDownload().then(() => {
      const outcomes = useFeedsStore.getState().download?.lastRun?.outcomes ?? [];
      const ok = outcomes.filter((o) => o.ok).length;
      const all = outcomes.length;
      if (job.state === 'cancelled') toast('info', `Feed refresh cancelled: ${ok} of ${all} imported before it stopped`);
      else toast(ok === all ? 'info' : 'error', `Feeds downloaded: ${ok} of ${all}${ok === all ? '' : ' — see below why the others were not'}`);
      if (ok > 0) onImported();
      setJobId(null);
    });
  }, [job, loadDownload, onImported, toast]);

  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (!state) return null;
  const outcomes: FeedDownloadOutcome[] = state.lastRun?.outcomes ?? [];
  return (
    <div className="field" aria-label="Download feeds">
      <label className="inline">
        <input
          type="checkbox"
          checked={state.allowed}
          disabled={busy || running}
          onChange={(e) => void act(() => setDownloadAllowed(e.target.checked))}
        />
        Allow Patchwell to download the feeds from their publishers ({state.sources.map((s) => new URL(s.url).host).join(', ')})
      </label>
      {state.allowed ? (
        <div className="row">
          <button type="button" disabled={busy || running} onClick={() => void act(async () => setJobId(await downloadNow()))}>
            {running ? 'Downloading…' : 'Download the feeds now'}
          </button>
          {running && job && (
            <button type="button" className="small" onClick={() => void cancel(job.id)}>
              Cancel
            </button>
          )}
          {state.lastRun && !running && <span className="hint">Last download {ago(state.lastRun.at)}</span>}
        </div>
      ) : (
        <p className="hint">Off: nothing is fetched from the internet. Import the files below instead, or allow downloads here.</p>
      )}
      {running && job && (
        <div role="status" aria-label="Feed refresh">
          <Progress current={job.current} total={job.total} label="Feed refresh progress" state={job.state} />
          <span className="hint">
            {job.current} of {job.total} feeds{job.summary ? ` — ${job.summary}` : ''}
          </span>
        </div>
      )}
      {outcomes.length > 0 && !running && (
        <ul className="evidence" aria-label="Last download">
          {outcomes.map((o) => (
            <li key={o.source}>
              <span className={`badge ${o.ok ? 'state-succeeded' : 'state-failed'}`}>{o.ok ? 'ok' : 'not taken'}</span> {o.label}: {o.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
