/** The app's settings kept by the core (not UI preferences: those are in ui-store) and what it says about itself. */
import { create } from 'zustand';
import type { AppSettings, CallResult } from '../../../shared/contract';
import { appService } from '../services/app-service';
import { settingsService } from '../services/settings-service';

export interface SettingsState {
  /** Null until read, or when the core could not say: the page then leaves the part out. */
  info: CallResult<'app/info'> | null;
  settings: AppSettings | null;
}

export interface SettingsActions {
  load(): Promise<void>;
  /** Saves a change; a refusal reaches the caller and the settings shown stay as they were. */
  update(patch: Partial<AppSettings>): Promise<void>;
}

export const initialSettingsState: SettingsState = { info: null, settings: null };

export const useSettingsStore = create<SettingsState & SettingsActions>()((set) => ({
  ...initialSettingsState,
  async load() {
    await Promise.all([
      appService.info().then((info) => set({ info }), () => set({ info: null })),
      settingsService.get().then((settings) => set({ settings }), () => set({ settings: null })),
    ]);
  },
  async update(patch) {
    set({ settings: await settingsService.update(patch) });
  },
}));
