/**
 * Which detail view is open (an update, a machine) and what the core said about it. One of each at a time; a
 * machine's view may open an update's on top of it.
 */
import { create } from 'zustand';
import type { MachineDetail, UpdateDetail } from '../../../shared/contract';
import { detailService } from '../services/detail-service';

export interface DetailState {
  update: { package: string; candidateVersion: string; data: UpdateDetail | null; error: string | null } | null;
  machine: { hostId: number; data: MachineDetail | null; error: string | null } | null;
}

export interface DetailActions {
  openUpdate(pkg: string, candidateVersion: string): Promise<void>;
  closeUpdate(): void;
  openMachine(hostId: number): Promise<void>;
  closeMachine(): void;
}

export const initialDetailState: DetailState = { update: null, machine: null };

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const useDetailStore = create<DetailState & DetailActions>()((set, get) => ({
  ...initialDetailState,
  async openUpdate(pkg, candidateVersion) {
    set({ update: { package: pkg, candidateVersion, data: null, error: null } });
    // An answer for a view closed or replaced meanwhile is dropped, not shown under another update's title.
    const still = (): boolean => get().update?.package === pkg && get().update?.candidateVersion === candidateVersion;
    try {
      const data = await detailService.update(pkg, candidateVersion);
      if (still()) set({ update: { package: pkg, candidateVersion, data, error: null } });
    } catch (err) {
      if (still()) set({ update: { package: pkg, candidateVersion, data: null, error: message(err) } });
    }
  },
  closeUpdate: () => set({ update: null }),
  async openMachine(hostId) {
    set({ machine: { hostId, data: null, error: null } });
    const still = (): boolean => get().machine?.hostId === hostId;
    try {
      const data = await detailService.machine(hostId);
      if (still()) set({ machine: { hostId, data, error: null } });
    } catch (err) {
      if (still()) set({ machine: { hostId, data: null, error: message(err) } });
    }
  },
  closeMachine: () => set({ machine: null }),
}));
