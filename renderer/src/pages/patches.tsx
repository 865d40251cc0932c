import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { PatchRow } from '../../../shared/contract';
import { Dialog } from '../components/dialog';
import { EmptyState } from '../components/empty-state';
import { UpdateDetailDialog } from '../components/update-detail';
import { VersionHistory } from '../components/version-history';
import { useDetailStore } from '../stores/detail-store';
import { machineItems, markedSelected, usePatchesStore, visibleRows, type GroupBy, type MachineItem, type SortKey } from '../stores/patches-store';
import { useUiStore } from '../stores/ui-store';
import { useLive } from '../stores/use-live';

const ROW_HEIGHT = 56;

/** In the by-machine view a row shows that machine's own score, reasons and approval. */
interface OnMachine {
  label: string;
  score: number;
  band: PatchRow['risk']['band'];
  why: string;
  approved: boolean;
}

/** A click or Enter on the row opens the update's detail, unless it landed on the row's own checkbox. */
function opensDetail(target: EventTarget): boolean {
  return !(target instanceof HTMLElement && target.closest('input, button, a, select, label'));
}

function Row({ r, selected, onToggle, on }: { r: PatchRow; selected: boolean; onToggle: () => void; on?: OnMachine }) {
  const band = on?.band ?? r.risk.band;
  const open = (): void => void useDetailStore.getState().openUpdate(r.package, r.candidateVersion);
  return (
    <div
      className={`patch-row band-${band}`}
      role="row"
      data-key={r.key}
      aria-selected={selected}
      tabIndex={0}
      aria-haspopup="dialog"
      onClick={(e) => {
        if (opensDetail(e.target)) open();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && opensDetail(e.target)) {
          e.preventDefault();
          open();
        }
      }}
    >
      <span role="cell" className="c-check">
        <input type="checkbox" aria-label={`Select ${r.package} ${r.candidateVersion}${on ? ` on ${on.label}` : ''}`} checked={selected} onChange={onToggle} />
      </span>
      <span role="cell" className="c-score" title={on ? on.why : r.risk.factors.map((f) => `${f.points > 0 ? '+' : ''}${f.points} ${f.text}`).join('\n')}>
        <strong>{on?.score ?? r.risk.score}</strong> <span className={`badge band-${band}`}>{band}</span>
      </span>
      <span role="cell" className="c-package">
        <strong>{r.package}</strong> → {r.candidateVersion}
        <div className="hint why">
          {r.memory?.marked && (
            <span className="badge state-failed" title={r.memory.failures.filter((f) => f.active).map((f) => f.text).join('\n')}>
              failed before
            </span>
          )}{' '}
          {r.notes.length > 0 && <span className="badge state-failed">{r.notes.join('; ')}</span>} {on?.why ?? r.risk.why}
          {r.memory?.summary && <div className="memory">{r.memory.summary}</div>}
        </div>
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
      <span role="cell" className="c-approved">{on ? (on.approved ? 'approved' : '') : r.approvedHosts > 0 ? `approved on ${r.approvedHosts}` : ''}</span>
    </div>
  );
}

function MachineHead({ m, allSelected, onSelectAll }: { m: Extract<MachineItem, { kind: 'machine' }>; allSelected: boolean; onSelectAll: () => void }) {
  return (
    <div className={`patch-row machine-head band-${m.band}`} role="row" data-host-id={m.hostId}>
      <span role="cell" className="c-check">
        <input type="checkbox" aria-label={`Select every update on ${m.label}`} checked={allSelected} onChange={onSelectAll} />
      </span>
      <span role="cell" className="c-score">
        <strong>{m.score}</strong> <span className={`badge band-${m.band}`}>{m.band}</span>
      </span>
      <span role="cell" className="c-package">
        <strong>{m.label}</strong>
        <div className="hint">
          {m.count} update{m.count === 1 ? '' : 's'} shown
        </div>
      </span>
    </div>
  );
}

/** One row per update across the fleet, riskiest first; select and approve exact versions. */
export function PatchesPage() {
  const s = usePatchesStore(
    useShallow((st) => ({
      rows: st.rows,
      feeds: st.feeds,
      loaded: st.loaded,
      error: st.error,
      sort: st.sort,
      filter: st.filter,
      onlyKev: st.onlyKev,
      onlySecurity: st.onlySecurity,
      groupBy: st.groupBy,
      byMachine: st.byMachine,
      selected: st.selected,
    })),
  );
  const actions = usePatchesStore.getState();
  const go = useUiStore((st) => st.go);
  const toast = useUiStore((st) => st.toast);
  const rows = useMemo(() => (s.groupBy === 'update' ? visibleRows(s) : []), [s]);
  const items = useMemo(() => (s.groupBy === 'machine' ? machineItems(s) : []), [s]);
  const count = s.groupBy === 'update' ? rows.length : items.length;
  const selected = useMemo(() => new Set(s.selected), [s.selected]);
  const scroller = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLDivElement>(null);
  // Only the rows in view are in the DOM, so 100,000 updates scroll as smoothly as 10.
  // We do not use the React Compiler, so TanStack Virtual's non-memoisable API is fine here.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtual = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });

  // Loaded once per mount and on inventory changes. Not from an effect on `actions`: that is a new object
  // after every store change, and it once re-ran each load: an endless refetch loop.
  useLive('patches');

  const totalSize = virtual.getTotalSize();
  useEffect(() => {
    // Sized through the CSSOM: the CSP forbids inline style attributes.
    if (body.current) body.current.style.height = `${totalSize}px`;
  }, [totalSize]);

  // Versions that failed or were rolled back before are approved only after their history was shown.
  const [confirm, setConfirm] = useState<PatchRow[] | null>(null);
  const approve = async (acknowledged = false): Promise<void> => {
    const marked = markedSelected(usePatchesStore.getState());
    if (marked.length && !acknowledged) {
      setConfirm(marked);
      return;
    }
    setConfirm(null);
    try {
      const n = await actions.approveSelected(acknowledged);
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
          <button type="button" className="primary" data-shortcut="approve" disabled={s.selected.length === 0} onClick={() => void approve()}>
            Approve {s.selected.length || ''} selected
          </button>
        </div>
      </header>
      <Dialog title="Approve versions that failed before?" open={confirm !== null} onClose={() => setConfirm(null)}>
        <p>These exact versions failed or were rolled back on machines of the fleet. Approve them anyway?</p>
        {confirm?.map((r) => <VersionHistory key={r.key} row={r} onClear={() => void actions.clearMark(r.package, r.candidateVersion).then(() => setConfirm(null))} />)}
        <div className="toolbar">
          <button type="button" onClick={() => setConfirm(null)}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={() => void approve(true)}>
            Approve anyway
          </button>
        </div>
      </Dialog>
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
            <label className="inline">
              Group by{' '}
              <select aria-label="Group patches" value={s.groupBy} onChange={(e) => void actions.setGroupBy(e.target.value as GroupBy)}>
                <option value="update">Update</option>
                <option value="machine">Machine</option>
              </select>
            </label>
            {s.groupBy === 'update' ? (
              <button type="button" className="small" onClick={() => actions.selectAll(rows.map((r) => r.key))}>
                Select all {rows.length}
              </button>
            ) : (
              <button type="button" className="small" onClick={() => actions.selectAll(items.flatMap((i) => (i.kind === 'update' ? [i.selKey] : [])))}>
                Select all {items.filter((i) => i.kind === 'update').length}
              </button>
            )}
          </div>
          {s.groupBy === 'machine' && s.byMachine === null && <p className="hint">Loading the updates by machine…</p>}
          <div className="patch-table" role="table" aria-label="Patches" aria-rowcount={count}>
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
                  const place = (el: HTMLDivElement | null): void => {
                    if (el) el.style.transform = `translateY(${v.start}px)`;
                  };
                  if (s.groupBy === 'update') {
                    const r = rows[v.index]!;
                    return (
                      <div key={r.key} className="patch-slot" ref={place}>
                        <Row r={r} selected={selected.has(r.key)} onToggle={() => actions.toggle(r.key)} />
                      </div>
                    );
                  }
                  const it = items[v.index]!;
                  if (it.kind === 'machine') {
                    const mine = items.flatMap((i) => (i.kind === 'update' && i.hostId === it.hostId ? [i.selKey] : []));
                    const all = mine.every((k) => selected.has(k));
                    return (
                      <div key={`m${it.hostId}`} className="patch-slot" ref={place}>
                        <MachineHead m={it} allSelected={all} onSelectAll={() => actions.selectAll(all ? s.selected.filter((k) => !mine.includes(k)) : [...new Set([...s.selected, ...mine])])} />
                      </div>
                    );
                  }
                  return (
                    <div key={it.selKey} className="patch-slot" ref={place}>
                      <Row
                        r={it.row}
                        selected={selected.has(it.selKey)}
                        onToggle={() => actions.toggle(it.selKey)}
                        on={{ label: s.byMachine?.find((m) => m.hostId === it.hostId)?.label ?? '', score: it.score, band: it.band, why: it.why, approved: it.approved }}
                      />
                    </div>
                  );
                })}
              </div>
            </div>
          </div>
        </>
      )}
      <UpdateDetailDialog />
    </div>
  );
}
