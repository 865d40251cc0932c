import type { Db } from './db/open';
import type { EventBus } from './event-bus';
import type { JobRunner } from './jobs/job-runner';

/** What every handler can reach. Built once by `createCore`. */
export interface CoreServices {
  db: Db;
  events: EventBus;
  jobs: JobRunner;
  dataDir: string;
  version: string;
  runtime: 'electron' | 'browser';
}
