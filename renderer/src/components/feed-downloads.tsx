import { useEffect, useState } from 'react';
import type { FeedDownloadState } from '../../../shared/contract';
import { ago } from '../format';
import { useFeedsStore } from '../stores/feeds-store';
import { useUiStore } from '../stores/ui-store';

/**
 * Online updates of the feeds: off until the user allows them (Patchwell works offline; files are the default),
 * then one button downloads every source and says, per source, what happened.
 */
export function FeedDownloads({ onImported }: { onImported: () => void }) {
  const toast = useUiStore((s) => s.toast);
  const state = useFeedsStore((s) => s.download);
  const { loadDownload, setDownloadAllowed, downloadNow } = useFeedsStore.getState();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void loadDownload();
  }, [loadDownload]);

  const act = async (fn: () => Promise<FeedDownloadState>, after?: (s: FeedDownloadState) => void): Promise<void> => {
    setBusy(true);
    try {
      const s = await fn();
      after?.(s);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (!state) return null;
  const outcomes = state.lastRun?.outcomes ?? [];
  return (
    <div className="field" aria-label="Download feeds">
      <label className="inline">
        <input
          type="checkbox"
          checked={state.allowed}
          disabled={busy}
          onChange={(e) => void act(() => setDownloadAllowed(e.target.checked))}
        />
        Allow Patchwell to download the feeds from their publishers ({state.sources.map((s) => new URL(s.url).host).join(', ')})
      </label>
      {state.allowed ? (
        <div className="row">
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(downloadNow, (s) => {
                const ok = s.lastRun?.outcomes.filter((o) => o.ok).length ?? 0;
                const all = s.lastRun?.outcomes.length ?? 0;
                toast(ok === all ? 'info' : 'error', `Feeds downloaded: ${ok} of ${all}${ok === all ? '' : ' — see below why the others were not'}`);
                if (ok > 0) onImported();
              })
            }
          >
            {busy ? 'Downloading…' : 'Download the feeds now'}
          </button>
          {state.lastRun && <span className="hint">Last download {ago(state.lastRun.at)}</span>}
        </div>
      ) : (
        <p className="hint">Off: nothing is fetched from the internet. Import the files below instead, or allow downloads here.</p>
      )}
      {outcomes.length > 0 && (
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
