import { defineConfig } from '@playwright/test';

/**
 * End-to-end specs run in Debian's Chromium against the headless host (never a downloaded browser), and
 * the same specs run in Electron where its binary exists (see electron.spec.ts).
 */
export default defineConfig<{ runtime: 'chromium' | 'electron' }>({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  testIgnore: ['lab/**'],
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: '../test-results',
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'chromium', use: { runtime: 'chromium' } },
    // Runs wherever the Electron binary is installed; elsewhere each test reports "skipped: no Electron binary".
    { name: 'electron', use: { runtime: 'electron' } },
  ],
});
