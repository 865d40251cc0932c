/**
 * Schedules: recurring assessments, feed refreshes and reports, each a cron expression read in a time zone.
 * Declared here and spread into the call map in calls.ts.
 */
import { z } from 'zod';
import { epochMs, tag } from './domain';

export const scheduleKind = z.enum(['assessment', 'feeds', 'report']);
export type ScheduleKind = z.infer<typeof scheduleKind>;

/** Five fields (minute hour day-of-month month day-of-week), as croner reads them; checked by the core. */
export const cronExpression = z.string().trim().min(9, 'Give five fields: minute hour day month weekday').max(100);

/** What a run does, per kind. */
export const scheduleOptions = z.object({
  /** assessment: only the machines carrying this tag; absent or null: every machine. */
  tag: tag.nullable().optional(),
  /** report: the absolute folder on the computer running Patchwell the report is copied into. */
  folder: z.string().trim().min(1).max(1000).optional(),
});
export type ScheduleOptions = z.infer<typeof scheduleOptions>;

export const scheduleInput = z.object({
  /** Absent: a new schedule. */
  id: z.number().int().positive().optional(),
  kind: scheduleKind,
  name: z.string().trim().min(1, 'Give the schedule a name').max(100),
  cron: cronExpression,
  /** IANA zone the expression is read in; null: the zone of the computer running Patchwell. */
  timezone: z.string().min(1).max(64).nullable(),
  enabled: z.boolean(),
  options: scheduleOptions,
});
export type ScheduleInput = z.infer<typeof scheduleInput>;

/** How the last run went: a job's state, or why no job was started. */
export const scheduleOutcome = z.enum(['running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted', 'skipped']);
export type ScheduleOutcome = z.infer<typeof scheduleOutcome>;

export const scheduleView = scheduleInput.extend({
  id: z.number().int().positive(),
  /** The expression in plain words ("Every day at 02:00"). */
  description: z.string(),
  /** The zone actually used (the computer's when timezone is null). */
  zone: z.string(),
  /** The next few run times (none while disabled). */
  nextRuns: z.array(epochMs),
  lastRunAt: epochMs.nullable(),
  lastJobId: z.number().int().positive().nullable(),
  lastOutcome: scheduleOutcome.nullable(),
  /** What the last run did or why it did not run, in words. */
  lastMessage: z.string().nullable(),
  createdAt: epochMs,
  updatedAt: epochMs,
});
export type ScheduleView = z.infer<typeof scheduleView>;

export const schedulesState = z.object({
  schedules: z.array(scheduleView),
  /** All schedules paused (the tray's "pause all schedules"; the setting schedulesPaused). */
  paused: z.boolean(),
  /** Whether feeds may be downloaded at all (Settings → Vulnerability feeds); a feed schedule skips otherwise. */
  downloadsAllowed: z.boolean(),
});
export type SchedulesState = z.infer<typeof schedulesState>;

const id = z.object({ id: z.number().int().positive() });

export const schedulesCalls = {
  /** Every schedule with its next run times and last outcome. */
  'schedules/list': { arg: z.undefined(), result: schedulesState },
  /** Creates (no id) or replaces a schedule; the expression and time zone are checked. */
  'schedules/save': { arg: scheduleInput, result: schedulesState },
  'schedules/delete': { arg: id, result: schedulesState },
  /** Runs a schedule now, paused or not; the job id when one was started. */
  'schedules/run-now': { arg: id, result: z.object({ jobId: z.number().int().positive().nullable(), message: z.string() }) },
  /** Pauses or resumes every schedule (the setting schedulesPaused). */
  'schedules/pause': { arg: z.object({ paused: z.boolean() }), result: schedulesState },
} as const;
