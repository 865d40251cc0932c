import { dashboardSummary } from '../dashboard/fleet-risk';
import { openUpdatesCache } from '../intel/patch-cache';
import { collectOutcomes } from '../reports/outcome-metrics';
import type { HandlerMap } from './types';

const DAY = 86_400_000;

export const dashboardHandlers: HandlerMap<'dashboard/summary' | 'dashboard/outcomes'> = {
  'dashboard/summary': (_arg, s) => {
    const now = Date.now();
    return dashboardSummary(s.db, now, openUpdatesCache(s.events).get(s.db, now));
  },
  // The period ends now by the core's clock (injected in tests) and reaches back `days` days.
  'dashboard/outcomes': ({ days }, s) => {
    const now = s.clock?.() ?? Date.now();
    return collectOutcomes(s.db, { from: now - (days ?? 30) * DAY, to: now }, now);
  },
};
