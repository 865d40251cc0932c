/** The Dashboard: the fleet's risk figures from the core, refetched when the inventory changes. */
import { create } from 'zustand';
import type { DashboardSummary } from '../../../shared/contract';
import { dashboardService } from '../services/dashboard-service';

export interface DashboardState {
  summary: DashboardSummary | null;
  loaded: boolean;
  error: string | null;
}

export interface DashboardActions {
  load(): Promise<void>;
  /** Loads now and again after every inventory change; returns the stop function. */
  watch(): () => void;
}

export const initialDashboardState: DashboardState = { summary: null, loaded: false, error: null };

export const useDashboardStore = create<DashboardState & DashboardActions>()((set, get) => ({
  ...initialDashboardState,
  async load() {
    try {
      set({ summary: await dashboardService.summary(), loaded: true, error: null });
    } catch (err) {
      set({ loaded: true, error: err instanceof Error ? err.message : String(err) });
    }
  },
  watch() {
    void get().load();
    return dashboardService.onChanged(() => void get().load());
  },
}));
