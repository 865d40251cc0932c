import { dashboardSummary } from '../dashboard/fleet-risk';
import { collectOutcomes } from '../reports/outcome-metrics';
import type { HandlerMap } from './types';

const DAY = 86_400_000;

export const dashboardHandlers: HandlerMap<'dashboard/summary' | 'dashboard/outcomes'> = {
  'dashboard/summary': (_arg, s) => dashboardSummary(s.db),
  // The period ends now by the core's clock (injected in tests) and reaches back `days` days.
  'dashboard/outcomes': ({ days }, s) => {
    const now = s.clock?.() ?? Date.now();
    return collectOutcomes(s.db, { from: now - (days ?? 30) * DAY, to: now }, now);
  },
};
