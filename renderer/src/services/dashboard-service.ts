/** The Dashboard's figures, and the event after which they are out of date. */
import { invoke, on } from './client';

export const dashboardService = {
  summary: () => invoke('dashboard/summary'),
  /** Calls fn when the inventory, approvals or feeds changed; returns the unsubscribe. */
  onChanged: (fn: () => void) => on('inventory/changed', fn),
};
