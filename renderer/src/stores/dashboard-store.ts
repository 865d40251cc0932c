/** The Dashboard: the fleet's risk figures from the core, and how far the getting-started steps are done. */
import { create } from 'zustand';
import type { DashboardSummary } from '../../../shared/contract';
import { credentialsService } from '../services/credentials-service';
import { dashboardService } from '../services/dashboard-service';
import { deployService } from '../services/deploy-service';
import { errorText } from './error-text';

/** What the getting-started card needs beyond the machines themselves. */
export interface StartSteps {
  /** How many credentials exist; null until known, or when the core could not say (the card then hides). */
  credentials: number | null;
  approved: boolean;
  deployed: boolean;
}

export interface DashboardState {
  summary: DashboardSummary | null;
  loaded: boolean;
  error: string | null;
  steps: StartSteps;
}

export interface DashboardActions {
  load(): Promise<void>;
  loadSteps(): Promise<void>;
}

export const initialDashboardState: DashboardState = { summary: null, loaded: false, error: null, steps: { credentials: null, approved: false, deployed: false } };

export const useDashboardStore = create<DashboardState & DashboardActions>()((set) => {
  const step = (patch: Partial<StartSteps>): void => set((s) => ({ steps: { ...s.steps, ...patch } }));
  return {
    ...initialDashboardState,
    async load() {
      try {
        set({ summary: await dashboardService.summary(), loaded: true, error: null });
      } catch (err) {
        set({ loaded: true, error: errorText(err) });
      }
    },
    // Three independent answers: each ticks its step when it comes, and a failed one leaves its step as it was.
    async loadSteps() {
      await Promise.all([
        credentialsService.list().then((l) => step({ credentials: l.length }), () => step({ credentials: null })),
        deployService.plan({ deployNow: true }).then((p) => step({ approved: p.totalItems > 0 }), () => undefined),
        deployService.list(1).then((l) => step({ deployed: l.length > 0 }), () => undefined),
      ]);
    },
  };
});
