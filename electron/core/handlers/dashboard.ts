import { dashboardSummary } from '../dashboard/fleet-risk';
import type { HandlerMap } from './types';

export const dashboardHandlers: HandlerMap<'dashboard/summary'> = {
  'dashboard/summary': (_arg, s) => dashboardSummary(s.db),
};
