/** The desktop app's background settings, as the core keeps them (the tray menu changes the same ones). */
import { create } from 'zustand';
import type { BackgroundSettings } from '../../../shared/contract';
import { backgroundService } from '../services/background-service';

export interface BackgroundState {
  /** Null until read. */
  settings: BackgroundSettings | null;
}

export interface BackgroundActions {
  load(): Promise<void>;
  /** Saves a change; a refusal reaches the caller and the settings shown stay as they were. */
  update(patch: Partial<BackgroundSettings>): Promise<void>;
}

export const initialBackgroundState: BackgroundState = { settings: null };

const pick = (s: BackgroundSettings): BackgroundSettings => ({ mode: s.mode, startAtLogin: s.startAtLogin });

export const useBackgroundStore = create<BackgroundState & BackgroundActions>()((set) => ({
  ...initialBackgroundState,
  async load() {
    set({ settings: pick(await backgroundService.status()) });
  },
  async update(patch) {
    set({ settings: pick(await backgroundService.set(patch)) });
  },
}));
