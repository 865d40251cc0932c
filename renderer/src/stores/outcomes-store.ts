/** The Dashboard's outcome metrics for a chosen number of days, ending now by the core's clock. */
import { create } from 'zustand';
import type { OutcomeMetrics } from '../../../shared/contract';
import { outcomesService } from '../services/outcomes-service';
import { errorText } from './error-text';

export interface OutcomesState {
  days: number;
  metrics: OutcomeMetrics | null;
  error: string | null;
}

export interface OutcomesActions {
  load(days?: number): Promise<void>;
}

export const initialOutcomesState: OutcomesState = { days: 30, metrics: null, error: null };

export const useOutcomesStore = create<OutcomesState & OutcomesActions>()((set, get) => ({
  ...initialOutcomesState,
  async load(days = get().days) {
    set({ days });
    try {
      const metrics = await outcomesService.load(days);
      // A slower answer for a period no longer chosen is dropped.
      if (get().days === days) set({ metrics, error: null });
    } catch (err) {
      set({ error: errorText(err) });
    }
  },
}));
