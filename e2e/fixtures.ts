/**
 * Playwright fixtures: each test gets its own data folder and its own headless host process, started from
 * the built app exactly as `npm run serve` starts it, and a Chromium page opened on the printed URL.
 */
import { _electron as electron, expect, test as base, chromium, type Browser, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resetHost, type LabHost, type Scenario } from './lab/index';
import { hostOf, labEnabled, LAB_TIMEOUT, standardLab } from './lab/test-support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const CHROMIUM_PATH = process.env.PATCHWELL_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Chromium off the network and quiet on a closed machine. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export class HostProcess {
  url = '';
  private child: ChildProcess | null = null;
  private output = '';

  constructor(readonly dataDir: string) {}

  async start(): Promise<string> {
    const child = spawn(process.execPath, [path.join(ROOT, 'out/host/index.mjs'), '--home', this.dataDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    this.url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        this.output += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(this.output);
        if (m) resolve(m[1]!);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
      child.once('exit', (code) => reject(new Error(`host exited with ${code}: ${this.output}`)));
      setTimeout(() => reject(new Error(`host did not print its URL: ${this.output}`)), 15_000).unref();
    });
    return this.url;
  }

  get log(): string {
    return this.output;
  }

  /** Stops the process: politely, or with SIGKILL to simulate a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = null;
  }
}

/** Where the Electron binary is, or why there is none (its download cannot run on every machine). */
export function electronBinary(): { path: string } | { missing: string } {
  // Electron 45 downloads its binary when the package is first required: the probe reads where the binary would
  // be instead, so a test run never reaches for the network (tests talk to 127.0.0.0/8 only).
  try {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('electron/package.json'));
    const pathFile = path.join(dir, 'path.txt');
    if (!fs.existsSync(pathFile)) return { missing: 'its binary has not been downloaded' };
    const exe = fs.readFileSync(pathFile, 'utf8').trim();
    const full = process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe) : path.join(dir, 'dist', exe);
    return fs.existsSync(full) ? { path: full } : { missing: `${full} does not exist` };
  } catch (err) {
    return { missing: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

/** One running copy of the app, in a browser against the headless host or as the Electron app. */
export interface AppSession {
  readonly runtime: 'chromium' | 'electron';
  page: Page;
  /** Stops the app the way a restart or (with SIGKILL) a crash would, starts it again, returns the new page. */
  restart(signal?: NodeJS.Signals): Promise<Page>;
  close(): Promise<void>;
}

async function chromiumSession(browser: Browser, host: HostProcess): Promise<AppSession> {
  const context = await browser.newContext();
  const session: AppSession = {
    runtime: 'chromium',
    page: await context.newPage(),
    async restart(signal) {
      await host.stop(signal);
      await expect(session.page.getByRole('alert').filter({ hasText: 'Lost the connection to the Patchwell core' })).toBeVisible();
      await session.page.goto(await host.start());
      return session.page;
    },
    close: () => context.close(),
  };
  await session.page.goto(host.url);
  return session;
}

async function electronSession(binary: string, dataDir: string): Promise<AppSession> {
  const launch = async (): Promise<ElectronApplication> =>
    electron.launch({
      executablePath: binary,
      // Chromium's sandbox refuses to start as root; CI runs as root.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ROOT],
      env: { ...process.env, PATCHWELL_HOME: dataDir } as Record<string, string>,
    });
  let app = await launch();
  const session: AppSession = {
    runtime: 'electron',
    page: await app.firstWindow(),
    async restart(signal) {
      if (signal === 'SIGKILL') app.process().kill('SIGKILL');
      else await app.close();
      app = await launch();
      session.page = await app.firstWindow();
      return session.page;
    },
    close: () => app.close(),
  };
  return session;
}

interface Fixtures {
  runtime: 'chromium' | 'electron';
  dataDir: string;
  host: HostProcess;
  session: AppSession;
  app: Page;
}

let reportedMissingElectron = false;

/** The Electron binary's path, or the test skipped (said once per run) where there is none. */
function skipWithoutElectron(testInfo: TestInfo): string {
  const bin = electronBinary();
  if ('path' in bin) return bin.path;
  if (!reportedMissingElectron) console.log(`[electron] skipped: no Electron binary (${bin.missing})`);
  reportedMissingElectron = true;
  testInfo.skip(true, 'skipped: no Electron binary');
  throw new Error('unreachable: testInfo.skip throws');
}

export const test = base.extend<Fixtures, { browser: Browser }>({
  runtime: ['chromium', { option: true }],
  browser: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  // eslint-disable-next-line no-empty-pattern
  dataDir: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-e2e-'));
    await use(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  },
  host: async ({ dataDir, runtime }, use, testInfo) => {
    // Without the Electron binary the test is skipped anyway: say so before starting a host it would not use.
    if (runtime === 'electron') skipWithoutElectron(testInfo);
    const host = new HostProcess(dataDir);
    await host.start();
    await use(host);
    await host.stop();
  },
  session: async ({ runtime, browser, dataDir, host }, use, testInfo) => {
    let session: AppSession;
    if (runtime === 'electron') {
      const bin = skipWithoutElectron(testInfo);
      await host.stop(); // the desktop app runs its own core
      session = await electronSession(bin, dataDir);
    } else {
      session = await chromiumSession(browser, host);
    }
    const errors: string[] = [];
    session.page.on('pageerror', (e) => errors.push(e.message));
    await use(session);
    await session.close();
    if (errors.length) throw new Error(`The page threw: ${errors.join('; ')}`);
  },
  app: async ({ session }, use) => {
    await use(session.page);
  },
});

export { expect };

/**
 * Runs a shell command line on a lab machine over plain ssh, not the app's SSH code, and returns its output: what
 * is really on the machine, not what the app says about it.
 */
export function onLabHost(h: LabHost, command: string): string {
  return execFileSync('ssh', [
    '-i', h.keyPath, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes',
    `admin@${h.address}`, command,
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Installed version of each package, as dpkg (Debian) or rpm (rpm-fixture, suse-fixture: EVR without "0:") reports it. */
export function installedVersions(h: LabHost, packages: readonly string[]): Record<string, string> {
  const out = h.scenario === 'rpm-fixture' || h.scenario === 'suse-fixture'
    ? onLabHost(h, `rpm -q --qf '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n' ${packages.join(' ')}`).replace(/ 0:/g, ' ')
    : onLabHost(h, `dpkg-query -W -f='\${Package} \${Version}\\n' ${packages.join(' ')}`);
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split(' ') as [string, string]));
}


/** Whether this project's tests can run here at all: the Electron project's need the Electron binary. */
function projectRuns(testInfo: TestInfo): boolean {
  return (testInfo.project.use as { runtime?: string }).runtime !== 'electron' || !('missing' in electronBinary());
}

/**
 * For a describe block whose tests change packages on lab machines: brings the standard lab up, and resets the
 * machines of `scenarios` before the block and after each test, so every test (and every other spec) finds them as
 * their scenarios describe. A skipped test changed nothing, so nothing is reset for it (the Electron project without
 * its binary skips every test). The tests read the hosts from `.hosts`.
 */
export function labWithFreshHosts(scenarios: readonly Scenario[]): { hosts: LabHost[] } {
  const lab = { hosts: [] as LabHost[] };
  const reset = async (): Promise<void> => {
    for (const s of scenarios) await resetHost(hostOf(lab.hosts, s).address);
    // A reset host has new host keys: read the lab again so fingerprints compared later are current.
    lab.hosts = await standardLab();
  };
  // eslint-disable-next-line no-empty-pattern
  test.beforeAll(async ({}, testInfo) => {
    test.setTimeout(LAB_TIMEOUT);
    if (!labEnabled || !projectRuns(testInfo)) return;
    lab.hosts = await standardLab();
    await reset();
  });
  // eslint-disable-next-line no-empty-pattern
  test.afterEach(async ({}, testInfo) => {
    if (labEnabled && lab.hosts.length && testInfo.status !== 'skipped') await reset();
  });
  return lab;
}
