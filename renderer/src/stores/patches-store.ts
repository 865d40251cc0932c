/** The Patches page: rows from the core, and the user's sort, filter and selection. */
import { create } from 'zustand';
import type { FeedView, PatchRow } from '../../../shared/contract';
import { patchesService } from '../services/patches-service';

export type SortKey = 'risk' | 'package' | 'machines' | 'epss';

export interface PatchesState {
  rows: PatchRow[];
  feeds: FeedView[];
  loaded: boolean;
  error: string | null;
  sort: SortKey;
  filter: string;
  onlyKev: boolean;
  onlySecurity: boolean;
  selected: string[];
}

export interface PatchesActions {
  load(): Promise<void>;
  setSort(s: SortKey): void;
  setFilter(f: string): void;
  setOnlyKev(v: boolean): void;
  setOnlySecurity(v: boolean): void;
  toggle(key: string): void;
  selectAll(keys: string[]): void;
  approveSelected(): Promise<number>;
}

export const initialPatchesState: PatchesState = {
  rows: [],
  feeds: [],
  loaded: false,
  error: null,
  sort: 'risk',
  filter: '',
  onlyKev: false,
  onlySecurity: false,
  selected: [],
};

export const usePatchesStore = create<PatchesState & PatchesActions>()((set, get) => ({
  ...initialPatchesState,
  async load() {
    try {
      const { rows, feeds } = await patchesService.list();
      const keys = new Set(rows.map((r) => r.key));
      set({ rows, feeds, loaded: true, error: null, selected: get().selected.filter((k) => keys.has(k)) });
    } catch (err) {
      set({ loaded: true, error: err instanceof Error ? err.message : String(err) });
    }
  },
  setSort: (sort) => set({ sort }),
  setFilter: (filter) => set({ filter }),
  setOnlyKev: (onlyKev) => set({ onlyKev }),
  setOnlySecurity: (onlySecurity) => set({ onlySecurity }),
  toggle: (key) => set((s) => ({ selected: s.selected.includes(key) ? s.selected.filter((k) => k !== key) : [...s.selected, key] })),
  selectAll: (keys) => set({ selected: keys }),
  async approveSelected() {
    const chosen = get().rows.filter((r) => get().selected.includes(r.key));
    if (chosen.length === 0) return 0;
    const { approved } = await patchesService.approve(chosen.map((r) => ({ package: r.package, candidateVersion: r.candidateVersion })));
    set({ selected: [] });
    await get().load();
    return approved;
  },
}));

const compare: Record<SortKey, (a: PatchRow, b: PatchRow) => number> = {
  risk: (a, b) => b.risk.score - a.risk.score || a.package.localeCompare(b.package),
  package: (a, b) => a.package.localeCompare(b.package) || a.candidateVersion.localeCompare(b.candidateVersion),
  machines: (a, b) => b.hostIds.length - a.hostIds.length || b.risk.score - a.risk.score,
  epss: (a, b) => (b.epss ?? -1) - (a.epss ?? -1) || b.risk.score - a.risk.score,
};

/** The rows to show, filtered and sorted; pure so it can be memoised and tested. */
export function visibleRows(s: Pick<PatchesState, 'rows' | 'sort' | 'filter' | 'onlyKev' | 'onlySecurity'>): PatchRow[] {
  const q = s.filter.trim().toLowerCase();
  return s.rows
    .filter((r) => (!s.onlyKev || r.kevCves.length > 0) && (!s.onlySecurity || r.isSecurity))
    .filter((r) => !q || r.package.toLowerCase().includes(q) || r.cves.some((c) => c.toLowerCase().includes(q)) || r.hostLabels.some((h) => h.toLowerCase().includes(q)))
    .sort(compare[s.sort]);
}
