import type { Db } from './db/open';
import type { StorageMonitor } from './db/storage';
import type { ScanOptions } from './discovery/scan';
import type { EventBus } from './event-bus';
import type { JobRunner } from './jobs/job-runner';
import type { ConnectionManager } from './transports/connections';
import type { Vault } from './vault/vault';
import type { PdfPrinter } from './reports/pdf';
import type { WarmChromium } from './reports/warm-chromium';
import type { FeedSource } from './intel/feed-download';
import type { FleetChangelogs } from './assess/fleet-changelogs';
import type { OfficeCache } from './office-cache/office-cache';
import type { OfficeCacheControl } from './office-cache/office-cache-control';

/** What every handler can reach. Built once by `createCore`. */
export interface CoreServices {
  db: Db;
  events: EventBus;
  jobs: JobRunner;
  vault: Vault;
  connections: ConnectionManager;
  /** Whether the data folder has room; writes that must not stop a rollback go through it. */
  storage: StorageMonitor;
  dataDir: string;
  /** This process, as it holds machine leases and owns jobs (core_processes.id). */
  processId: string;
  version: string;
  runtime: 'electron' | 'browser';
  /** Prints report HTML to PDF; absent: the system Chromium is looked for at each report. */
  pdfPrinter?: PdfPrinter;
  /**
   * The system Chromium started ahead of a report when the Reports page opens, taken by the next report's printer
   * (absent in test doubles of the services, and unused where `pdfPrinter` is given).
   */
  warmChromium?: WarmChromium;
  /** Test and benchmark overrides of the scan defaults (e.g. no reverse DNS). */
  scanOverrides?: Partial<ScanOptions>;
  /** Where feeds are downloaded from; tests point it at a loopback server. Default: the publishers (feedSourcesFor). */
  feedSources?: readonly FeedSource[];
  /** Test overrides of deployment timings (the defaults are for real machines). */
  deployTimings?: DeployTimings;
  /** The clock period figures (outcome metrics) are measured against; tests fix it. Default Date.now. */
  clock?: () => number;
  /**
   * The office cache jobs lend to machines (listening on 127.0.0.1; `await listen()` gives its port), or null when
   * it is off in Settings or this process does not run it. Replaced when the settings change: read it per job.
   */
  officeCache: OfficeCache | null;
  /** Starts, changes and stops the office cache as the settings say (absent in test doubles of the services). */
  officeCacheControl?: OfficeCacheControl;
  /** Changelogs the core reads once for the fleet from the .debs the office cache holds (absent in test doubles). */
  fleetChangelogs?: FleetChangelogs;
}

export interface DeployTimings {
  /** How long a Windows service stopped by an install may take to come back (default 30 s). */
  serviceGraceMs?: number;
  /** The clock maintenance windows are read against (tests pin it); default Date.now. */
  clock?: () => number;
  /** How often a machine waiting for its window looks again (default 30 s). */
  windowPollMs?: number;
}
