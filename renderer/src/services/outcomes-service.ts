/** Outcome metrics (first-time success, deployment time, detection to fix, KEV exposure, rollbacks). */
import { invoke } from './client';

export const outcomesService = {
  load: (days: number) => invoke('dashboard/outcomes', { days }),
};
