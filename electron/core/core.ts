/**
 * The engine: plain Node, never imports 'electron'. Electron's utility process and the headless host both
 * create one and relay calls and events to their renderers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallArg, CallName, CallResult, EventEnvelope } from '../../shared/contract';
import { dispatch, type DispatchOptions } from './api';
import { closeDatabase, openDatabase } from './db/open';
import { isStorageFull, StorageMonitor } from './db/storage';
import { EventBus } from './event-bus';
import { JobRunner } from './jobs/job-runner';
import { markInterrupted } from './jobs/job-queries';
import { processAlive, ProcessRegistration } from './jobs/leases';
import { markScansInterrupted } from './discovery/discovery-queries';
import { interruptDeploymentOfJob, interruptRunningDeployments, waitingDeployments } from './deploy/deploy-queries';
import { continueWaitingDeployment } from './deploy/deployment-actions';
import { startSchedules, type ScheduleClock } from './schedules/schedule-runner';
import type { FeedSource } from './intel/feed-download';
import type { PdfPrinter } from './reports/pdf';
import { WarmChromium, type WarmChromiumOptions } from './reports/warm-chromium';
import type { ScanOptions } from './discovery/scan';
import { ensureBundledKev } from './intel/kev-import';
import { startPolicyEvaluation } from './intel/policy-rules';
import { startTrendRecorder } from './dashboard/fleet-risk';
import { startNotices } from './notices/notices';
import { startMail } from './mail/mail-runner';
import { ConnectionManager } from './transports/connections';
import { Vault } from './vault/vault';
import { OfficeCacheControl } from './office-cache/office-cache-control';
import { FleetChangelogs } from './assess/fleet-changelogs';
import { MAX_CHANGELOG_BYTES } from './platforms/debian-changelog-fetch';
import type { ConnectUpstream } from './office-cache/upstream';
import { getSettings } from './settings';
import type { CoreServices, DeployTimings } from './services';

declare const __PATCHWELL_VERSION__: string | undefined;

export interface CoreOptions {
  dataDir: string;
  runtime: 'electron' | 'browser';
  checkResults?: boolean;
  throttleMs?: number;
  /** The vault's master key, when the desktop app unwrapped it from the system keychain. */
  vaultKey?: Buffer;
  /** Global cap on concurrent SSH connections. */
  maxConnections?: number;
  scanOverrides?: Partial<ScanOptions>;
  /** Feed download sources (tests: a loopback server); default the publishers' addresses. */
  feedSources?: readonly FeedSource[];
  /** Test overrides of deployment timings. */
  deployTimings?: DeployTimings;
  /** The clock period figures (outcome metrics) are measured against; default Date.now. */
  clock?: () => number;
  /** Folder with bundled data (the KEV snapshot); default: resources/ in the working directory. */
  resourcesDir?: string;
  /** Run schedules (assessments, feed refreshes, reports) when due (default true). */
  scheduler?: boolean;
  /** The schedules' clock and default zone (tests and the lab pin them); default the system's. */
  scheduleClock?: ScheduleClock;
  /** Prints reports to PDF (the app passes Electron's); default: the system Chromium when there is one. */
  pdfPrinter?: PdfPrinter;
  /** The warm Chromium's idle time and timers (tests fire the idle close themselves). */
  warmChromium?: WarmChromiumOptions;
  /**
   * Whether this process owns the data folder (default true): then jobs, scans and deployments left running by
   * a dead process are marked interrupted at start. The command line passes false: the app may be running and
   * its jobs are not dead.
   */
  owner?: boolean;
  /** What this process is, for the record of who holds a machine (app, host, cli); default app, or cli when not owner. */
  processKind?: string;
  /**
   * The office cache: false never runs it (tests and benches that measure without it); `connectUpstream` points its
   * upstream connections elsewhere (tests, the lab). Default: runs when the settings say so, in the owner process only.
   */
  officeCache?: false | { connectUpstream?: ConnectUpstream };
}

/** A call's argument list: none for calls that take no argument (an explicit `undefined` is accepted too). */
export type CallArgs<K extends CallName> = CallArg<K> extends undefined ? [arg?: undefined] : [arg: CallArg<K>];

export interface Core {
  /** Calls the core from code that knows the call: typed from the contract, validated all the same. */
  call<K extends CallName>(name: K, ...arg: CallArgs<K>): Promise<CallResult<K>>;
  /**
   * Calls the core with a name and argument straight off a bridge: both are checked against the contract
   * (unknown names rejected), so the result is only known to be what that call returns.
   */
  callFromWire(name: unknown, arg: unknown): Promise<unknown>;
  subscribe(fn: (e: EventEnvelope) => void): () => void;
  readonly services: CoreServices;
  /** Jobs interrupted by the previous process's death, found at start-up. */
  readonly interruptedJobIds: readonly number[];
  close(): Promise<void>;
}

/** The data folder: PATCHWELL_HOME, else the platform's per-user application data folder. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PATCHWELL_HOME) return path.resolve(env.PATCHWELL_HOME);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Patchwell');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Patchwell');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Patchwell');
}

export function createCore(options: CoreOptions): Core {
  // Owner-only: the folder will hold the credential vault and the inventory of every machine.
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(path.join(options.dataDir, 'patchwell.db'));
  const owner = options.owner ?? true;
  // Registered first, so the recovery below can tell a dead process's jobs from a live one's.
  const registration = new ProcessRegistration(db, options.processKind ?? (owner ? 'app' : 'cli')).start();
  const alive = (id: string): boolean => id === registration.id || processAlive(db, id);
  // Read before the jobs are marked: a deployment that was only waiting goes on waiting (restarted below).
  const waiting = owner ? waitingDeployments(db, alive) : [];
  const interruptedJobIds = owner ? markInterrupted(db, Date.now(), alive) : [];
  if (owner) {
    markScansInterrupted(db, Date.now(), alive);
    interruptRunningDeployments(db, Date.now(), alive);
  }
  ensureBundledKev(db, options.resourcesDir ?? path.resolve('resources'));
  const events = new EventBus();
  const storage = new StorageMonitor(db, events, options.dataDir);
  // The heartbeat is the write that finds out, every 20 s, whether the data folder has room again.
  registration.onBeat = (err) => {
    if (err === null) storage.check();
    else if (isStorageFull(err)) storage.noteFull(err);
    else console.error('Patchwell: the heartbeat could not be written:', err);
  };
  const jobs = new JobRunner(db, events, options.throttleMs, registration.id, {
    storage,
    onRecordLost: (jobId, now) => interruptDeploymentOfJob(db, jobId, "Patchwell's data folder was full while this deployment ran", now),
  });
  const vault = new Vault(db, options.dataDir, options.vaultKey);
  const officeCache = new OfficeCacheControl(
    options.dataDir,
    owner && options.officeCache !== false,
    options.officeCache ? options.officeCache.connectUpstream : undefined,
  );
  void officeCache.apply(getSettings(db).officeCache);
  const connections = new ConnectionManager(db, vault, events, options.maxConnections ?? 16);
  const services: CoreServices = {
    db,
    events,
    jobs,
    vault,
    connections,
    storage,
    scanOverrides: options.scanOverrides,
    dataDir: options.dataDir,
    processId: registration.id,
    version: typeof __PATCHWELL_VERSION__ === 'string' ? __PATCHWELL_VERSION__ : '0.0.0-dev',
    runtime: options.runtime,
    ...(options.pdfPrinter ? { pdfPrinter: options.pdfPrinter } : { warmChromium: new WarmChromium(options.warmChromium) }),
    ...(options.feedSources ? { feedSources: options.feedSources } : {}),
    ...(options.deployTimings ? { deployTimings: options.deployTimings } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    get officeCache() {
      return officeCache.current;
    },
    officeCacheControl: officeCache,
    fleetChangelogs: new FleetChangelogs(() => connections.officeCacheLink(), MAX_CHANGELOG_BYTES),
  };
  // Read per session: a cache switched on, off or offline in Settings applies to the next machine a job opens.
  services.connections.setOfficeCache(() => services.officeCache);
  for (const id of waiting) {
    try {
      continueWaitingDeployment(services, id);
    } catch (err) {
      // One deployment's broken plan must not stop the core; it stays as it was, for the user to cancel.
      console.error(`Deployment ${id} could not go on waiting: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const dispatchOptions: DispatchOptions = { checkResults: options.checkResults ?? false };
  const stopScheduler = options.scheduler === false ? () => undefined : startSchedules(services, options.scheduleClock);
  const stopPolicies = startPolicyEvaluation(db, events);
  const stopTrend = startTrendRecorder(db, events);
  const stopNotices = startNotices(db, events);
  // Event mails from every process (the command line runs deployments too); the digest only where schedules run.
  const mail = startMail(services, { digest: options.scheduler !== false });
  let closed = false;
  return {
    services,
    interruptedJobIds,
    // dispatch parses the argument with the schema of `name` and returns that call's handler result.
    call: <K extends CallName>(name: K, ...arg: CallArgs<K>) => dispatch(services, name, arg[0], dispatchOptions) as Promise<CallResult<K>>,
    callFromWire: (name, arg) => dispatch(services, name, arg, dispatchOptions),
    subscribe: (fn) => events.subscribe(fn),
    async close() {
      if (closed) return;
      closed = true;
      stopScheduler();
      stopPolicies();
      stopTrend();
      stopNotices();
      await jobs.stopAll();
      // After the jobs: none is taking it any more, and no warm Chromium outlives the core.
      await services.warmChromium?.close();
      // After the jobs: none is lending the cache any more.
      await officeCache.close();
      // After the jobs, so a deployment that ends while stopping is still mailed; a slow server delays quitting 10 s at most.
      mail.stop();
      await Promise.race([mail.idle(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      // On a full disk the leases cannot be given back here; they expire without a heartbeat.
      storage.write(() => registration.stop(), undefined);
      closeDatabase(db);
    },
  };
}
