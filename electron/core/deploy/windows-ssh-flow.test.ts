/**
 * Windows over OpenSSH (built into Windows 10 1809+ and Server 2019+), through the core's calls as the app runs
 * them, over a real SSH connection: an in-process SSH server (ssh2's, on loopback) stands in for Windows'
 * sshd, checks that the one command it is asked to run is Patchwell's constant PowerShell bootstrap, reads the
 * script from stdin to EOF and hands it to the simulated Windows machine. Assess → approve → deploy (restore
 * point, install as SYSTEM, verify) → roll back, with the host key pinned on first use as for any SSH machine.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PatchRow } from '../../../shared/contract';
import { createCore, type Core } from '../core';
import { SimulatedWindows, sampleUpdates } from '../platforms/windows/testing/simulated-windows';
import { SSH_COMMAND } from '../platforms/windows/windows-module';
import { testHostKey } from '../transports/testing/test-keys';

// Every script runs in PowerShell 7 (one runspace each, and one more for a SYSTEM task): seconds, not milliseconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const USER = 'office\\patchwell';
const PASSWORD = 'S3cret-pass!';

let core: Core;
let sshd: ssh2.Server;
let win: SimulatedWindows;
let hostId: number;
/** Every command line the server was asked to run, and the bytes of stdin each one got. */
let execs: { command: string; stdinBytes: number }[];

function startSshd(): Promise<number> {
  const hostKey = testHostKey();
  sshd = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === USER && ctx.password === PASSWORD) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('session', (accept) => {
      const session = accept();
      session.on('exec', (acceptExec, _reject, info) => {
        const channel = acceptExec();
        const chunks: Buffer[] = [];
        channel.on('data', (d: Buffer) => chunks.push(d));
        channel.on('end', async () => {
          const stdin = Buffer.concat(chunks).toString('utf8');
          execs.push({ command: info.command, stdinBytes: stdin.length });
          // Windows' sshd hands the line to cmd.exe, which runs powershell.exe (here: the bootstrap in PowerShell,
          // reading the script from this stdin); anything else is not ours.
          const reply =
            info.command === SSH_COMMAND ? await win.runCommandLine(info.command, stdin) : { stdout: '', stderr: `'${info.command.split(' ')[0]}' is not recognized as an internal or external command`, exitCode: 1 };
          channel.write(reply.stdout);
          if (reply.stderr) channel.stderr.write(reply.stderr);
          channel.exit(reply.exitCode);
          channel.end();
        });
      });
    });
  });
  return new Promise((resolve) => sshd.listen(0, '127.0.0.1', () => resolve((sshd.address() as AddressInfo).port)));
}

beforeEach(async () => {
  execs = [];
  win = new SimulatedWindows();
  win.pending = sampleUpdates();
  const port = await startSshd();
  core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-winssh-')), runtime: 'browser', checkResults: true, scheduler: false });
  await core.call('credentials/create', { name: 'Office admin', username: USER, password: PASSWORD, appliesToAll: true });
  const h = await core.call('machines/create', { address: '127.0.0.1', displayName: 'Accounts PC', transport: 'ssh', sshPort: port, osFamily: 'windows' });
  hostId = h.id;
});

afterEach(async () => {
  await core.close();
  await new Promise<void>((resolve) => sshd.close(() => resolve()));
});

const rows = async (): Promise<PatchRow[]> => (await core.call('patches/list', undefined)).rows;

describe('Windows over OpenSSH: assess → approve → deploy → roll back', () => {
  it('runs the same Windows module over SSH, the script on stdin and only the constant bootstrap on the command line', async () => {
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    const job = await core.call('jobs/get', { id: jobId });
    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    const host = await core.call('machines/get', { id: hostId });
    expect(host).toMatchObject({ platform: 'windows', osName: 'Microsoft Windows 11 Pro', hostname: 'RECEPTION-PC', pendingCount: 2 });
    expect(host.sshHostKey).toMatch(/^SHA256:|ssh-ed25519/);
    expect(execs.length).toBeGreaterThanOrEqual(3);
    for (const e of execs) {
      expect(e.command).toBe(SSH_COMMAND);
      expect(e.stdinBytes).toBeGreaterThan(100);
    }

    const cu = (await rows()).find((r) => r.package === 'KB5046633')!;
    await core.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    const d = await core.call('deploy/get', { id: deploymentId });
    expect(d.targets[0], JSON.stringify(d.targets[0])).toMatchObject({ state: 'succeeded' });
    expect(win.hotfixes.map((h) => h.kb)).toContain('KB5046633');
    expect(win.restorePoints).toHaveLength(1);
    // The SYSTEM task was registered and removed again, over SSH as over WinRM.
    expect(win.tasks.filter((t) => t.startsWith('register')).length).toBe(win.tasks.filter((t) => t.startsWith('remove')).length);

    const { deploymentId: rid } = await core.call('deploy/rollback', { id: deploymentId });
    await core.services.jobs.idle();
    expect((await core.call('deploy/get', { id: rid })).state).toBe('succeeded');
    expect(win.hotfixes.map((h) => h.kb)).not.toContain('KB5046633');
    expect(execs.every((e) => e.command === SSH_COMMAND)).toBe(true);
  });

  it('a machine added as plain SSH (no OS known) that answers with cmd.exe is assessed as Windows, and stays so', async () => {
    await core.call('machines/remove', { ids: [hostId] });
    const plain = await core.call('machines/create', { address: '127.0.0.1', displayName: 'Unknown box', transport: 'ssh', sshPort: (sshd.address() as AddressInfo).port });
    expect(plain.osFamily).toBe('unknown');
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [plain.id] });
    await core.services.jobs.idle();
    const job = await core.call('jobs/get', { id: jobId });
    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    const log = (await core.call('jobs/log', { id: jobId })).map((l) => l.message).join('\n');
    expect(log).toMatch(/The SSH server answers with a Windows shell: assessing it as Windows over OpenSSH/);
    // It asked like a Unix machine first (cat, sw_vers), got cmd.exe's answers, then ran only the bootstrap.
    expect(execs.slice(0, 2).map((e) => e.command)).toEqual([expect.stringMatching(/cat/), expect.stringMatching(/sw_vers/)]);
    expect(execs.slice(2).every((e) => e.command === SSH_COMMAND)).toBe(true);
    expect(await core.call('machines/get', { id: plain.id })).toMatchObject({ platform: 'windows', osFamily: 'windows', pendingCount: 2 });
    // The next assessment goes straight to the Windows module.
    const before = execs.length;
    const { jobId: again } = await core.call('assess/start', { allowFirstContact: true, ids: [plain.id] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: again })).state).toBe('succeeded');
    expect(execs.slice(before).every((e) => e.command === SSH_COMMAND)).toBe(true);
  });

  it('refuses a machine whose host key changed, before any script runs', async () => {
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: jobId })).state).toBe('succeeded');
    // Another machine answers at the same address and port with a different key.
    const port = (sshd.address() as AddressInfo).port;
    await new Promise<void>((resolve) => sshd.close(() => resolve()));
    const before = win.calls.length;
    await new Promise<void>((resolve) => {
      const other = testHostKey();
      sshd = new ssh2.Server({ hostKeys: [other] }, (client) => {
        client.on('error', () => undefined);
        client.on('authentication', (ctx) => ctx.accept());
      });
      sshd.listen(port, '127.0.0.1', () => resolve());
    });
    const { jobId: again } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/get', { id: again })).state).toBe('failed');
    const log = (await core.call('jobs/log', { id: again })).map((l) => l.message).join('\n');
    expect(log).toMatch(/host key/i);
    expect(win.calls.length).toBe(before);
  });
});
