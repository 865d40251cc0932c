/** The Dashboard's figures. */
import { invoke } from './client';

export const dashboardService = {
  summary: () => invoke('dashboard/summary'),
};
