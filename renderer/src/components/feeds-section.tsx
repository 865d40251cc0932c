import { useEffect, useState } from 'react';
import type { FeedView } from '../../../shared/contract';
import { ago } from '../format';
import { FeedDownloads } from './feed-downloads';
import { useFeedsStore, type FeedImport } from '../stores/feeds-store';
import { useUiStore } from '../stores/ui-store';

const KIND_LABEL: Record<FeedView['kind'], string> = {
  kev: 'CISA Known Exploited Vulnerabilities',
  epss: 'FIRST EPSS exploit probabilities',
  osv: 'OSV advisories',
  'debian-tracker': 'Debian security tracker',
  msrc: 'Microsoft security updates (CVRF)',
};

/** What the score misses while a feed is not loaded. */
const MISSING_HINTS: readonly [FeedView['kind'], string][] = [
  ['epss', 'exploit probability is left out of the score until you import a file.'],
  ['osv', 'CVSS scores and fix dates of Debian/Ubuntu advisories are left out; severities come from the packages alone.'],
  ['debian-tracker', "Debian's own urgency per CVE is left out."],
  ['msrc', "Microsoft's severity and CVSS scores for Windows updates are left out."],
];

/** The feeds the risk score uses, their age, and importing newer files (offline offices bring them on a stick). */
export function FeedsSection() {
  const toast = useUiStore((s) => s.toast);
  const feeds = useFeedsStore((s) => s.feeds);
  const { load, importFile, importPath } = useFeedsStore.getState();
  const [busy, setBusy] = useState(false);
  const [path, setPath] = useState('');
  useEffect(() => {
    void load();
  }, [load]);

  // The store reads the feeds again after an import.
  const run = async (fn: () => Promise<FeedImport>): Promise<void> => {
    setBusy(true);
    try {
      const r = await fn();
      toast('info', `Imported ${KIND_LABEL[r.kind]}: ${r.recordCount.toLocaleString()} records of ${r.feedDate.slice(0, 10)}`);
    } catch (e) {
      toast('error', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="form" aria-label="Vulnerability feeds">
      <h2>Vulnerability feeds</h2>
      <p className="hint">
        The risk score uses these offline. Download newer files where you have internet and import them here: CISA's
        known_exploited_vulnerabilities.json or .csv, FIRST's epss_scores-YYYY-MM-DD.csv.gz, OSV advisories (one .json, or an ecosystem's all.zip
        from osv.dev, e.g. Debian), the Debian security tracker's dump (security-tracker.debian.org/tracker/data/json) and Microsoft's monthly CVRF
        documents (JSON). OSV and CVRF files add to what was imported before; the others replace it. A damaged or truncated file is refused and
        the feed in force stays.
      </p>
      <table className="grid" aria-label="Feeds in force">
        <thead>
          <tr>
            <th>Feed</th>
            <th>Data of</th>
            <th>Records</th>
            <th>From</th>
            <th>Imported</th>
          </tr>
        </thead>
        <tbody>
          {(feeds ?? []).map((f) => (
            <tr key={f.kind}>
              <td>{KIND_LABEL[f.kind]}</td>
              <td>
                {f.feedDate.slice(0, 10)} {f.stale && <span className="badge state-failed">out of date</span>}
              </td>
              <td>{f.recordCount.toLocaleString()}</td>
              <td>{f.source}</td>
              <td>{ago(f.importedAt)}</td>
            </tr>
          ))}
          {feeds &&
            MISSING_HINTS.filter(([kind]) => !feeds.some((f) => f.kind === kind)).map(([kind, hint]) => (
              <tr key={kind}>
                <td>{KIND_LABEL[kind]}</td>
                <td colSpan={4} className="hint">
                  Not loaded: {hint}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      <FeedDownloads onImported={() => void load()} />
      <div className="field">
        <label htmlFor="feed-file">Import a feed file</label>
        <input
          id="feed-file"
          type="file"
          accept=".json,.csv,.gz,.zip"
          disabled={busy}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (!file) return;
            if (file.size > 32 * 1024 * 1024) {
              toast('error', `${file.name} is ${Math.round(file.size / 1024 / 1024)} MB: import it by path below`);
              return;
            }
            void run(() => importFile(file));
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="feed-path">Or a file on this computer, by path (large files)</label>
        <div className="row">
          <input id="feed-path" value={path} placeholder="/media/usb/epss_scores-2026-11-20.csv.gz" onChange={(e) => setPath(e.target.value)} />
          <button type="button" disabled={busy || !path.trim()} onClick={() => void run(() => importPath(path.trim()))}>
            Import
          </button>
        </div>
      </div>
    </section>
  );
}
