import { defineConfig } from 'vitest/config';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          // Some tests parse real-size data or print a report: on a loaded 2-core machine vitest's 5 s default
          // failed them for load alone. A hang still fails, 30 s later.
          testTimeout: 30_000,
          include: ['electron/**/*.test.ts', 'shared/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.lab.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'web',
          environment: 'jsdom',
          include: ['renderer/**/*.test.{ts,tsx}'],
        },
      },
      {
        extends: true,
        test: {
          // Real machines: slow to bring up, so long timeouts and one file at a time.
          name: 'lab',
          environment: 'node',
          // The lab itself first, then every test that uses its machines (*.lab.test.ts).
          include: ['e2e/lab/**/*.test.ts', 'electron/**/*.lab.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
