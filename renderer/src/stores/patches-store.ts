/** The Patches page: rows from the core, and the user's sort, filter and selection. */
import { create } from 'zustand';
import type { FeedView, MachinePatches, PatchRow } from '../../../shared/contract';
import { patchesService } from '../services/patches-service';

export type SortKey = 'risk' | 'package' | 'machines' | 'epss';
export type GroupBy = 'update' | 'machine';

/** A selection key in the by-machine view: one update on one machine. */
const SEP = '\u0001';
export const machineKey = (hostId: number, rowKey: string): string => `${hostId}${SEP}${rowKey}`;

export interface PatchesState {
  rows: PatchRow[];
  feeds: FeedView[];
  loaded: boolean;
  error: string | null;
  sort: SortKey;
  filter: string;
  onlyKev: boolean;
  onlySecurity: boolean;
  /** By update: one row per update across the fleet. By machine: each machine's updates under it. */
  groupBy: GroupBy;
  /** Loaded when the by-machine view is first shown, and again on every reload while it is. */
  byMachine: MachinePatches[] | null;
  selected: string[];
}

export interface PatchesActions {
  load(): Promise<void>;
  setSort(s: SortKey): void;
  setFilter(f: string): void;
  setOnlyKev(v: boolean): void;
  setOnlySecurity(v: boolean): void;
  setGroupBy(g: GroupBy): Promise<void>;
  toggle(key: string): void;
  selectAll(keys: string[]): void;
  /** Approves the selection; `acknowledgeHistory` once the user saw the history of versions that failed before. */
  approveSelected(acknowledgeHistory?: boolean): Promise<number>;
  /** Clears a version's fleet-memory mark (the admin decided it is safe again). */
  clearMark(pkg: string, version: string): Promise<void>;
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
  groupBy: 'update',
  byMachine: null,
  selected: [],
};

export const usePatchesStore = create<PatchesState & PatchesActions>()((set, get) => ({
  ...initialPatchesState,
  async load() {
    try {
      const [{ rows, feeds }, byMachine] = await Promise.all([patchesService.list(), get().groupBy === 'machine' ? patchesService.byMachine() : Promise.resolve(null)]);
      const keys = new Set(rows.map((r) => r.key));
      if (byMachine) for (const m of byMachine) for (const u of m.updates) keys.add(machineKey(m.hostId, u.key));
      set({ rows, feeds, byMachine, loaded: true, error: null, selected: get().selected.filter((k) => keys.has(k)) });
    } catch (err) {
      set({ loaded: true, error: err instanceof Error ? err.message : String(err) });
    }
  },
  setSort: (sort) => set({ sort }),
  setFilter: (filter) => set({ filter }),
  setOnlyKev: (onlyKev) => set({ onlyKev }),
  setOnlySecurity: (onlySecurity) => set({ onlySecurity }),
  // A selection means different things in the two views (all machines, or one), so it is cleared.
  async setGroupBy(groupBy) {
    set({ groupBy, selected: [] });
    await get().load();
  },
  toggle: (key) => set((s) => ({ selected: s.selected.includes(key) ? s.selected.filter((k) => k !== key) : [...s.selected, key] })),
  selectAll: (keys) => set({ selected: keys }),
  async approveSelected(acknowledgeHistory = false) {
    const byKey = new Map(get().rows.map((r) => [r.key, r]));
    const items: { package: string; candidateVersion: string; hostIds?: number[] }[] = [];
    for (const k of get().selected) {
      const at = k.indexOf(SEP);
      const r = byKey.get(at < 0 ? k : k.slice(at + 1));
      if (!r) continue;
      items.push({ package: r.package, candidateVersion: r.candidateVersion, ...(at < 0 ? {} : { hostIds: [Number(k.slice(0, at))] }) });
    }
    if (items.length === 0) return 0;
    const { approved } = await patchesService.approve(items, acknowledgeHistory);
    set({ selected: [] });
    await get().load();
    return approved;
  },
  async clearMark(pkg, version) {
    await patchesService.clearMark(pkg, version);
    await get().load();
  },
}));

/** The selected rows whose version failed or was rolled back before (fleet memory): approving them needs a confirmation. */
export function markedSelected(s: Pick<PatchesState, 'rows' | 'selected'>): PatchRow[] {
  const byKey = new Map(s.rows.map((r) => [r.key, r]));
  const out = new Map<string, PatchRow>();
  for (const k of s.selected) {
    const at = k.indexOf(SEP);
    const r = byKey.get(at < 0 ? k : k.slice(at + 1));
    if (r?.memory?.marked) out.set(r.key, r);
  }
  return [...out.values()];
}

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

export type MachineItem =
  | { kind: 'machine'; hostId: number; label: string; score: number; band: PatchRow['risk']['band']; count: number }
  | { kind: 'update'; hostId: number; selKey: string; row: PatchRow; score: number; band: PatchRow['risk']['band']; why: string; approved: boolean };

/** The by-machine view as one flat list (machine headings, then their updates) for the virtual list; filtered like the rows. */
export function machineItems(s: Pick<PatchesState, 'rows' | 'byMachine' | 'filter' | 'onlyKev' | 'onlySecurity'>): MachineItem[] {
  const q = s.filter.trim().toLowerCase();
  const byKey = new Map(s.rows.map((r) => [r.key, r]));
  const out: MachineItem[] = [];
  for (const m of s.byMachine ?? []) {
    const machineMatches = !q || m.label.toLowerCase().includes(q);
    const updates: MachineItem[] = [];
    for (const u of m.updates) {
      const r = byKey.get(u.key);
      if (!r || (s.onlyKev && r.kevCves.length === 0) || (s.onlySecurity && !r.isSecurity)) continue;
      if (!machineMatches && !r.package.toLowerCase().includes(q) && !r.cves.some((c) => c.toLowerCase().includes(q))) continue;
      updates.push({ kind: 'update', hostId: m.hostId, selKey: machineKey(m.hostId, u.key), row: r, score: u.score, band: u.band, why: u.why, approved: u.approved });
    }
    if (updates.length === 0) continue;
    out.push({ kind: 'machine', hostId: m.hostId, label: m.label, score: m.score, band: m.band, count: updates.length }, ...updates);
  }
  return out;
}
