/** What the office cache holds and has done, as the Settings page shows it. */
import { create } from 'zustand';
import type { OfficeCacheStats } from '../../../shared/contract';
import { officeCacheService } from '../services/office-cache-service';

export interface OfficeCacheState {
  /** Null until read. */
  stats: OfficeCacheStats | null;
}

export interface OfficeCacheActions {
  load(): Promise<void>;
  /** Deletes every held file; a refusal reaches the caller. */
  clear(): Promise<void>;
}

export const initialOfficeCacheState: OfficeCacheState = { stats: null };

export const useOfficeCacheStore = create<OfficeCacheState & OfficeCacheActions>()((set) => ({
  ...initialOfficeCacheState,
  async load() {
    set({ stats: await officeCacheService.status() });
  },
  async clear() {
    set({ stats: await officeCacheService.clear() });
  },
}));
