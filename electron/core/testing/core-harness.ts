/**
 * What tests of the core's calls share: a core on a scratch data folder (closed after each test), the AppError a
 * call rejects with, and a loopback port where nothing listens.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { AppError } from '../../../shared/contract';
import { createCore, type Core, type CoreOptions } from '../core';
import { startTestSshd, TEST_SSH_PASSWORD, TEST_SSH_USER, type TestSshd, type TestSshdOptions } from '../transports/testing/test-sshd';

/**
 * Registers an afterEach that closes the core the test made, and returns the function that makes it: a browser-
 * runtime core with result checking on, in a fresh folder named after `prefix`.
 */
export function scratchCores(prefix: string, options: Partial<Omit<CoreOptions, 'dataDir'>> = {}): () => Core {
  let core: Core | null = null;
  afterEach(async () => {
    await core?.close();
    core = null;
  });
  return () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `pw-${prefix}-`));
    core = createCore({ runtime: 'browser', checkResults: true, throttleMs: 20, ...options, dataDir });
    return core;
  };
}

/** The AppError a call rejects with; any other rejection, or none, fails the test. */
export async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** A port on 127.0.0.1 where nothing listens: bound by the system, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface CoreAndSshd {
  core: Core;
  sshd: TestSshd;
  /** The machine on the test server, with a password credential for all machines already saved. */
  machineId: number;
}

/**
 * A scratch core and ssh2's test server on 127.0.0.1 playing one machine (closed after each test): the core knows
 * the machine and has a credential for it, which the server accepts. The core runs no office cache: the test server
 * grants no reverse port forward, and lending the cache is tested on its own (cache-lending.test.ts, the lab).
 */
export function coresWithSshd(prefix: string): (exec: TestSshdOptions['exec'], options?: Omit<TestSshdOptions, 'user' | 'password' | 'exec'>) => Promise<CoreAndSshd> {
  const newCore = scratchCores(prefix, { officeCache: false });
  let sshd: TestSshd | null = null;
  afterEach(async () => {
    await sshd?.close();
    sshd = null;
  });
  return async (exec, options = {}) => {
    sshd = await startTestSshd({ ...options, user: TEST_SSH_USER, password: TEST_SSH_PASSWORD, exec });
    const core = newCore();
    await core.call('credentials/create', { name: 'Test', username: TEST_SSH_USER, password: TEST_SSH_PASSWORD, appliesToAll: true });
    const { id } = await core.call('machines/create', { address: '127.0.0.1', sshPort: sshd.port });
    return { core, sshd, machineId: id };
  };
}

