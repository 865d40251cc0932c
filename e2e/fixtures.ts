/**
 * Playwright fixtures: each test gets its own data folder and its own headless host process, started from
 * the built app exactly as `npm run serve` starts it, and a Chromium page opened on the printed URL.
 */
import { test as base, chromium, type Browser, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

interface Fixtures {
  dataDir: string;
  host: HostProcess;
  app: Page;
}

export const test = base.extend<Fixtures, { browser: Browser }>({
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
  host: async ({ dataDir }, use) => {
    const host = new HostProcess(dataDir);
    await host.start();
    await use(host);
    await host.stop();
  },
  app: async ({ browser, host }, use) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(host.url);
    await use(page);
    await context.close();
    if (errors.length) throw new Error(`The page threw: ${errors.join('; ')}`);
  },
});

export { expect } from '@playwright/test';
