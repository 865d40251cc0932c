/** Each machine's risk (the core caches the figures) and the tag profiles that shape it. */
import { create } from 'zustand';
import type { MachineRisk, TagProfile, TagProfileView } from '../../../shared/contract';
import { machineRiskService } from '../services/machine-risk-service';
import { errorText } from './error-text';
import { useUiStore } from './ui-store';

export interface MachineRiskState {
  risks: MachineRisk[];
  loaded: boolean;
  error: string | null;
  /** Null until first read. */
  tags: TagProfileView[] | null;
  tagsError: string | null;
}

export interface MachineRiskActions {
  load(): Promise<void>;
  loadTags(): Promise<void>;
  /** Saves one tag's profile; a failure reaches the caller, which says so. */
  setTagProfile(p: TagProfile): Promise<void>;
}

export const initialMachineRiskState: MachineRiskState = { risks: [], loaded: false, error: null, tags: null, tagsError: null };

export const useMachineRiskStore = create<MachineRiskState & MachineRiskActions>()((set) => ({
  ...initialMachineRiskState,
  async load() {
    try {
      set({ risks: await machineRiskService.list(), loaded: true, error: null });
    } catch (e) {
      // The figures shown stay: a failed refresh is not a fleet without risk.
      set({ loaded: true, error: errorText(e) });
    }
  },
  async loadTags() {
    try {
      set({ tags: await machineRiskService.tagProfiles(), tagsError: null });
    } catch (e) {
      set({ tagsError: errorText(e) });
      // Said at once, as the section did when it read the profiles itself; it has no banner of its own.
      useUiStore.getState().toast('error', errorText(e));
    }
  },
  async setTagProfile(p) {
    set({ tags: await machineRiskService.setTagProfile(p) });
  },
}));

/** Each machine's risk by host id; memoise on `risks` (it is a new array only after a load). */
export const riskByHost = (risks: MachineRisk[]): Map<number, MachineRisk> => new Map(risks.map((r) => [r.hostId, r]));
