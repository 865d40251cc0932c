/** Calls that act on a machine flagged in the Machines table: check it again, repair its dpkg. */
import { z } from 'zod';

const jobStarted = z.object({ jobId: z.number().int().positive() });

export const machineStateCalls = {
  /**
   * Starts a job that contacts these machines again: whether they answer and, for machines managed over SSH,
   * whether their package manager is healthy now. Updates their rows.
   */
  'machines/recheck': { arg: z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }), result: jobStarted },
  /**
   * Starts a job that runs `dpkg --configure -a` as root on one Debian machine whose dpkg was left interrupted,
   * over SSH with its pinned key, then reads its health again. Audited.
   */
  'machines/repair': { arg: z.object({ id: z.number().int().positive() }), result: jobStarted },
} as const;
