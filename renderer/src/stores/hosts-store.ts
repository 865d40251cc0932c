/** The machines the user sees: a cache of the inventory, refetched when the core says it changed. */
import { create } from 'zustand';
import type { Host, HostInput } from '../../../shared/contract';
import { hostsService } from '../services/hosts-service';

export interface HostsState {
  hosts: Host[];
  loaded: boolean;
  loadError: string | null;
  selectedIds: number[];
  detailId: number | null;
}

export interface HostsActions {
  load(): Promise<void>;
  create(input: HostInput): Promise<Host>;
  update(id: number, patch: Partial<HostInput>): Promise<Host>;
  remove(ids: number[]): Promise<void>;
  setSelected(ids: number[]): void;
  toggleSelected(id: number): void;
  openDetail(id: number | null): void;
}

export const initialHostsState: HostsState = { hosts: [], loaded: false, loadError: null, selectedIds: [], detailId: null };

export const useHostsStore = create<HostsState & HostsActions>()((set, get) => ({
  ...initialHostsState,
  async load() {
    try {
      const hosts = await hostsService.list();
      const ids = new Set(hosts.map((h) => h.id));
      set({
        hosts,
        loaded: true,
        loadError: null,
        selectedIds: get().selectedIds.filter((id) => ids.has(id)),
        detailId: get().detailId !== null && ids.has(get().detailId!) ? get().detailId : null,
      });
    } catch (err) {
      set({ loaded: true, loadError: err instanceof Error ? err.message : String(err) });
    }
  },
  async create(input) {
    const host = await hostsService.create(input);
    await get().load();
    return host;
  },
  async update(id, patch) {
    const host = await hostsService.update(id, patch);
    await get().load();
    return host;
  },
  async remove(ids) {
    await hostsService.remove(ids);
    await get().load();
  },
  setSelected: (ids) => set({ selectedIds: ids }),
  toggleSelected: (id) =>
    set((s) => ({ selectedIds: s.selectedIds.includes(id) ? s.selectedIds.filter((x) => x !== id) : [...s.selectedIds, id] })),
  openDetail: (id) => set({ detailId: id }),
}));

export const hostsSelectors = {
  label: (h: Host): string => h.displayName || h.hostname || h.address,
  byId: (s: HostsState, id: number | null): Host | undefined => (id === null ? undefined : s.hosts.find((h) => h.id === id)),
  counts: (s: HostsState): { total: number; up: number; down: number; unknown: number } => {
    const c = { total: s.hosts.length, up: 0, down: 0, unknown: 0 };
    for (const h of s.hosts) c[h.reachability]++;
    return c;
  },
};
