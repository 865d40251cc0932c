import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { PatchRow } from '../../../shared/contract';
import { EmptyState } from '../components/empty-state';
import { on } from '../services/client';
import { usePatchesStore, visibleRows, type SortKey } from '../stores/patches-store';
import { useUiStore } from '../stores/ui-store';

const ROW_HEIGHT = 56;

function Row({ r, selected, onToggle }: { r: PatchRow; selected: boolean; onToggle: () => void }) {
  return (
    <div className={`patch-row band-${r.risk.band}`} role="row" data-key={r.key} aria-selected={selected}>
      <span role="cell" className="c-check">
        <input type="checkbox" aria-label={`Select ${r.package} ${r.candidateVersion}`} checked={selected} onChange={onToggle} />
      </span>
      <span role="cell" className="c-score" title={r.risk.factors.map((f) => `${f.points > 0 ? '+' : ''}${f.points} ${f.text}`).join('\n')}>
        <strong>{r.risk.score}</strong> <span className={`badge band-${r.risk.band}`}>{r.risk.band}</span>
      </span>
      <span role="cell" className="c-package">
        <strong>{r.package}</strong> → {r.candidateVersion}
        <div className="hint why">{r.risk.why}</div>
      </span>
      <span role="cell" className="c-machines">
        {r.hostIds.length} {r.hostIds.length === 1 ? 'machine' : 'machines'}
        <div className="hint">{r.hostLabels.slice(0, 3).join(', ')}{r.hostLabels.length > 3 ? '…' : ''}</div>
      </span>
      <span role="cell" className="c-cves">
        {r.kevCves.length > 0 && <span className="badge kev">KEV{r.ransomware ? ' · ransomware' : ''}</span>}{' '}
        {r.cves.length ? `${r.cves.length} CVE${r.cves.length === 1 ? '' : 's'}` : r.isSecurity ? 'security' : '—'}
        <div className="hint">{r.cves.slice(0, 2).join(', ')}{r.cves.length > 2 ? '…' : ''}</div>
      </span>
      <span role="cell" className="c-epss">{r.epss === null ? '—' : `${(r.epss * 100).toFixed(1)}%`}</span>
      <span role="cell" className="c-approved">{r.approvedHosts > 0 ? `approved on ${r.approvedHosts}` : ''}</span>
    </div>
  );
}

/** One row per update across the fleet, riskiest first; select and approve exact versions. */
export function PatchesPage() {
  const s = usePatchesStore(
    useShallow((st) => ({ rows: st.rows, feeds: st.feeds, loaded: st.loaded, error: st.error, sort: st.sort, filter: st.filter, onlyKev: st.onlyKev, onlySecurity: st.onlySecurity, selected: st.selected })),
  );
  const actions = usePatchesStore.getState();
  const go = useUiStore((st) => st.go);
  const toast = useUiStore((st) => st.toast);
  const rows = useMemo(() => visibleRows(s), [s]);
  const selected = useMemo(() => new Set(s.selected), [s.selected]);
  const scroller = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLDivElement>(null);
  // Only the rows in view are in the DOM, so 100,000 updates scroll as smoothly as 10.
  // We do not use the React Compiler, so TanStack Virtual's non-memoisable API is fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });

  // Once per mount: `actions` is a new object after every store change, so it must not be a dependency
  // (it was, and each load re-ran the effect: an endless refetch loop).
  useEffect(() => {
    void usePatchesStore.getState().load();
    return on('inventory/changed', () => void usePatchesStore.getState().load());
  }, []);

  const totalSize = virtual.getTotalSize();
  useEffect(() => {
    // Sized through the CSSOM: the CSP forbids inline style attributes.
    if (body.current) body.current.style.height = `${totalSize}px`;
  }, [totalSize]);

  const approve = async (): Promise<void> => {
    try {
      const n = await actions.approveSelected();
      toast('info', `Approved ${n} update${n === 1 ? '' : 's'} (exact versions, per machine). Deploy them from the Deployments page.`);
    } catch (err) {
      toast('error', err instanceof Error ? err.message : String(err));
    }
  };

  const kev = s.feeds.find((f) => f.kind === 'kev');
  return (
    <div className="page">
      <header className="page-head">
        <h1>Patches</h1>
        <div className="toolbar">
          <button type="button" className="primary" disabled={s.selected.length === 0} onClick={() => void approve()}>
            Approve {s.selected.length || ''} selected
          </button>
        </div>
      </header>
      {s.error && (
        <div className="banner error" role="alert">
          {s.error}
        </div>
      )}
      <p className="hint feeds">
        {kev ? `Known-exploited list: CISA KEV of ${kev.feedDate.slice(0, 10)} (${kev.recordCount} CVEs)${kev.stale ? ' — out of date: import a newer catalog in Settings → Vulnerability feeds' : ''}.` : 'No KEV catalog loaded.'}{' '}
        {s.feeds.some((f) => f.kind === 'epss') ? '' : 'No EPSS scores loaded: exploit probability is not used yet (import them in Settings → Vulnerability feeds).'}
      </p>
      {s.loaded && s.rows.length === 0 && !s.error ? (
        <EmptyState
          title="No missing patches known"
          action={
            <button type="button" onClick={() => go('machines')}>
              Go to Machines
            </button>
          }
        >
          Assess machines to list the updates each one is missing. They appear here riskiest first, with the reasons.
        </EmptyState>
      ) : (
        <>
          <div className="filters">
            <input aria-label="Filter patches" placeholder="Filter by package, CVE or machine" value={s.filter} onChange={(e) => actions.setFilter(e.target.value)} />
            <label className="inline">
              <input type="checkbox" checked={s.onlyKev} onChange={(e) => actions.setOnlyKev(e.target.checked)} /> Known exploited only
            </label>
            <label className="inline">
              <input type="checkbox" checked={s.onlySecurity} onChange={(e) => actions.setOnlySecurity(e.target.checked)} /> Security only
            </label>
            <label className="inline">
              Sort by{' '}
              <select aria-label="Sort patches" value={s.sort} onChange={(e) => actions.setSort(e.target.value as SortKey)}>
                <option value="risk">Risk</option>
                <option value="epss">Exploit probability</option>
                <option value="machines">Machines affected</option>
                <option value="package">Package</option>
              </select>
            </label>
            <button type="button" className="small" onClick={() => actions.selectAll(rows.map((r) => r.key))}>
              Select all {rows.length}
            </button>
          </div>
          <div className="patch-table" role="table" aria-label="Patches" aria-rowcount={rows.length}>
            <div className="patch-row head" role="row">
              <span role="columnheader" className="c-check" />
              <span role="columnheader" className="c-score">Risk</span>
              <span role="columnheader" className="c-package">Update</span>
              <span role="columnheader" className="c-machines">Machines</span>
              <span role="columnheader" className="c-cves">CVEs</span>
              <span role="columnheader" className="c-epss">EPSS</span>
              <span role="columnheader" className="c-approved">Approval</span>
            </div>
            <div className="patch-scroll" ref={scroller}>
              <div className="patch-body" role="rowgroup" ref={body}>
                {virtual.getVirtualItems().map((v) => {
                  const r = rows[v.index]!;
                  return (
                    <div key={r.key} className="patch-slot" ref={(el) => { if (el) el.style.transform = `translateY(${v.start}px)`; }}>
                      <Row r={r} selected={selected.has(r.key)} onToggle={() => actions.toggle(r.key)} />
                    </div>
                  );
                })}
              </div>
            </div>
          </div>
        </>
      )}
    </div>
  );
}
