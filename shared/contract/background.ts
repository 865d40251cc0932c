/**
 * Running in the background (the desktop tray): what the desktop app needs to decide whether closing the window
 * quits, whether to keep the computer awake, and what quitting would stop. The core answers; Electron's main
 * process only acts on the answer, so the decisions are the same code the tests run.
 */
import { z } from 'zod';
import { epochMs, jobKind } from './domain';

/** What closing the last window does: keep running in the tray always, only while work is scheduled, or quit. */
export const backgroundMode = z.enum(['always', 'scheduled', 'never']);
export type BackgroundMode = z.infer<typeof backgroundMode>;

export const backgroundSettings = z.object({
  mode: backgroundMode,
  /** Start with the computer's session, hidden in the tray (desktop only). */
  startAtLogin: z.boolean(),
});
export type BackgroundSettings = z.infer<typeof backgroundSettings>;

/** A deployment that has not finished: running on some machine now, or waiting for a maintenance window. */
export const activeDeployment = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  /** Machines being changed right now. */
  running: z.number().int().nonnegative(),
  /** Machines not started yet (waiting for their window, their ring, or a busy machine). */
  waiting: z.number().int().nonnegative(),
  /** The soonest window a waiting machine waits for, when it is in the future; null: none to wait for. */
  nextWindowAt: epochMs.nullable(),
});
export type ActiveDeployment = z.infer<typeof activeDeployment>;

export const backgroundStatus = backgroundSettings.extend({
  /** "Pause all schedules" is on: no schedule fires until it is turned off. */
  schedulesPaused: z.boolean(),
  /** Enabled schedules, paused or not (whether they fire is schedulesPaused). */
  schedules: z.number().int().nonnegative(),
  /** Jobs queued or running (deployments included, as their job). */
  jobs: z.array(z.object({ id: z.number().int().positive(), kind: jobKind, title: z.string(), state: z.enum(['queued', 'running']) })),
  deployments: z.array(activeDeployment),
});
export type BackgroundStatus = z.infer<typeof backgroundStatus>;

export const backgroundCalls = {
  /** Settings and the work that keeps Patchwell running when its window closes. */
  'background/status': { arg: z.undefined(), result: backgroundStatus },
  /** Changes the background settings, or pauses/resumes every schedule (the tray's "Pause all schedules"). */
  'background/set': {
    arg: backgroundSettings.partial().extend({ schedulesPaused: z.boolean().optional() }),
    result: backgroundStatus,
  },
} as const;
