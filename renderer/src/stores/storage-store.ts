/** Whether the core's data folder has room: a full one stops new jobs, and the user must be told what to do. */
import { create } from 'zustand';
import type { StorageState } from '../../../shared/contract';
import { appService } from '../services/app-service';

export interface StorageStoreState {
  storage: StorageState | null;
  checking: boolean;
  load(): Promise<void>;
  /** Asks the core to try a write now (after the user freed space). */
  check(): Promise<void>;
  apply(state: StorageState): void;
}

export const useStorageStore = create<StorageStoreState>()((set) => ({
  storage: null,
  checking: false,
  async load() {
    set({ storage: await appService.storageStatus() });
  },
  async check() {
    set({ checking: true });
    try {
      set({ storage: await appService.storageCheck() });
    } finally {
      set({ checking: false });
    }
  },
  apply(storage) {
    set({ storage });
  },
}));
