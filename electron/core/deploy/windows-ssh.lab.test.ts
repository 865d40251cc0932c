/**
 * Windows over OpenSSH for real: the lab's windows-ssh host runs a real sshd, and its powershell.exe is the real
 * PowerShell 7 with the Windows stand-ins imported (e2e/lab/windows-ssh.ts). Through the core's calls as the app
 * runs them: a password credential (a key one in the second test), the host key pinned on first contact,
 * assess → approve → deploy (restore point, install as SYSTEM through the stand-in Task Scheduler, verify) → the
 * next assessment sees it → roll back (KB removal) → it is offered again; then an install that Windows Update
 * fails, rolled back by the deployment itself, and a SYSTEM task that hangs. The machine's state is the host's
 * file, read and set over SSH; every command line sshd ran is recorded on the host, so the test checks that
 * Patchwell sent only its constant bootstrap and each script on stdin. The host is reset before each test
 * (fresh state, new host keys) and after the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentDetail, PatchRow } from '../../../shared/contract';
import { resetHost, status, up, WINDOWS_SSH, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled } from '../../../e2e/lab/test-support';
import { MARKER } from '../platforms/windows/scripts';
import { SSH_COMMAND } from '../platforms/windows/windows-module';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';

/** Marks the test's own SSH commands in the host's call log (they are not Patchwell's). */
const OURS = 'pw-lab-test';

let host: LabHost;
let privateKey: string;
let core: Core;
let hostId: number;

/** Runs a shell command on the host as admin, outside Patchwell. */
async function onHost(command: string, stdin?: string): Promise<string> {
  const session = await connectSsh({ address: host.address, port: 22, pinnedKey: host.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    const r = await session.exec(['sh', '-c', command, OURS], stdin === undefined ? {} : { stdin });
    if (r.code !== 0) throw new Error(`${command} on ${host.address}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  } finally {
    await session.close();
  }
}

/** The stand-ins' machine state, as far as these tests read and change it. */
interface WinState {
  hotfixes: { kb: string }[];
  pending: { kbs: string[]; failWith?: number }[];
  restorePoints: { sequence: number; description: string }[];
  scheduledTasks: Record<string, unknown>;
  events: string[];
  taskErrors: string[];
  hangNextTask: boolean;
}

const readState = async (): Promise<WinState> => JSON.parse(await onHost(`cat ${WINDOWS_SSH.state}`)) as WinState;
async function writeState(s: WinState): Promise<void> {
  await onHost(`cat > ${WINDOWS_SSH.state}.new && mv ${WINDOWS_SSH.state}.new ${WINDOWS_SSH.state}`, JSON.stringify(s));
}

interface Call { id: string; command: string; ps?: { exit: number; stdinBytes: number; script: string } }

/** The host's record of every SSH command: the line sshd passed to the shell, and what powershell.exe got. */
async function calls(): Promise<Call[]> {
  const out = new Map<string, Call>();
  for (const line of (await onHost(`cat ${WINDOWS_SSH.callLog}`)).split('\n').filter(Boolean)) {
    const [kind, id, ...rest] = line.split(' ') as [string, string, ...string[]];
    if (kind === 'cmd') out.set(id, { id, command: Buffer.from(rest[0] ?? '', 'base64').toString('utf8') });
    if (kind === 'ps') {
      const marker = Buffer.from(rest[2] ?? '', 'base64').toString('utf8').trim();
      out.get(id)!.ps = { exit: Number(rest[0]), stdinBytes: Number(rest[1]), script: marker.startsWith(MARKER) ? marker.slice(MARKER.length) : marker };
    }
  }
  return [...out.values()].filter((c) => !c.command.includes(OURS));
}

async function assess(): Promise<void> {
  const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
  await core.services.jobs.idle();
  const job = await core.call('jobs/get', { id: jobId });
  const log = (await core.call('jobs/log', { id: jobId })).map((l) => l.message).join('\n');
  expect(job.state, log).toBe('succeeded');
}

async function deploy(): Promise<DeploymentDetail> {
  const { deploymentId } = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
  await core.services.jobs.idle();
  return await core.call('deploy/get', { id: deploymentId });
}

const rows = async (): Promise<PatchRow[]> => (await core.call('patches/list', undefined)).rows;
const logOf = async (d: DeploymentDetail): Promise<string> => (await core.call('jobs/log', { id: d.jobId! })).map((l) => l.message).join('\n');
const kbs = (s: WinState): string[] => s.hotfixes.map((h) => h.kb);

/** The machine as a user adds it: Windows over SSH, with a password or a key credential. */
async function addMachine(secret: { password: string } | { privateKey: string }): Promise<void> {
  await core.call('credentials/create', { name: 'Lab admin', username: 'admin', ...secret, appliesToAll: true });
  hostId = (await core.call('machines/create', { address: host.address, displayName: 'Accounts PC', transport: 'ssh', sshPort: 22, osFamily: 'windows' })).id;
}

describe.skipIf(!labEnabled)('Windows over real OpenSSH (lab windows-ssh host: sshd, PowerShell 7, the stand-ins)', () => {
  beforeAll(async () => {
    // Added to whatever lab is up, so the other lab files' hosts keep running (their next `up` removes it).
    const running = (await status()).map((h) => h.scenario);
    const lab = await up({ scenarios: running.includes('windows-ssh') ? running : [...running, 'windows-ssh'] });
    host = hostOf(lab, 'windows-ssh');
    privateKey = fs.readFileSync(host.keyPath, 'utf8');
  }, LAB_TIMEOUT);

  beforeEach(async () => {
    host = await resetHost(host.address);
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-winssh-lab-')), runtime: 'browser', checkResults: true, scheduler: false, deployTimings: { serviceGraceMs: 50 } });
  }, LAB_TIMEOUT);

  afterEach(async () => {
    await core.close();
  });

  afterAll(async () => {
    if (host) await resetHost(host.address);
  }, LAB_TIMEOUT);

  it('assesses, deploys as SYSTEM, sees the update installed, and rolls it back, with only the constant command line and each script on stdin', async () => {
    await addMachine({ password: host.password! });
    await assess();
    expect(await core.call('machines/get', { id: hostId })).toMatchObject({
      platform: 'windows', osFamily: 'windows', osName: 'Microsoft Windows 11 Pro', hostname: host.hostname.toUpperCase(), pendingCount: 2, securityCount: 2,
      // Pinned on first contact: the host's own key, as `npm run lab -- status` shows it.
      sshHostKey: host.hostKeyFingerprint,
    });
    expect((await rows()).map((r) => r.package).sort()).toEqual(['KB5045935', 'KB5046633']);

    const cu = (await rows()).find((r) => r.package === 'KB5046633')!;
    await core.call('patches/approve', { items: [{ package: cu.package, candidateVersion: cu.candidateVersion, hostIds: [hostId] }] });
    const d = await deploy();
    const log = await logOf(d);
    expect(d.targets[0], log).toMatchObject({ state: 'succeeded' });
    expect(log).toMatch(/Restore point #41 made/);
    expect(log).toMatch(/Verified: KB5046633 installed/);
    let s = await readState();
    expect(kbs(s)).toContain('KB5046633');
    expect(s.restorePoints).toEqual([expect.objectContaining({ sequence: 41, description: `Patchwell deployment ${d.id}` })]);
    // Each SYSTEM task ran in PowerShell on the host and was removed; none raised an error.
    const registered = s.events.filter((e) => e.startsWith('register Patchwell-'));
    expect(registered.length).toBeGreaterThanOrEqual(2);
    expect(s.events.filter((e) => e.startsWith('remove Patchwell-'))).toHaveLength(registered.length);
    expect(s.scheduledTasks).toEqual({});
    expect(s.taskErrors).toEqual([]);

    // A new SSH session, a new PowerShell: the next assessment reads the installed update from the host's disk.
    await assess();
    expect((await rows()).map((r) => r.package)).toEqual(['KB5045935']);
    expect(await core.call('machines/get', { id: hostId })).toMatchObject({ pendingCount: 1, rebootRequired: true });

    const { deploymentId: rid } = await core.call('deploy/rollback', { id: d.id });
    await core.services.jobs.idle();
    const r = await core.call('deploy/get', { id: rid });
    expect(r.state, await logOf(r)).toBe('succeeded');
    s = await readState();
    expect(kbs(s)).not.toContain('KB5046633');
    expect(s.events.some((e) => e.startsWith('dism remove Package_for_RollupFix'))).toBe(true);
    await assess();
    expect((await rows()).map((r) => r.package).sort()).toEqual(['KB5045935', 'KB5046633']);

    const all = await calls();
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const c of all) {
      // Byte for byte what sshd handed the shell; each one ran powershell.exe with its script on stdin.
      expect(c.command).toBe(SSH_COMMAND);
      expect(c.ps, c.id).toBeDefined();
      expect(c.ps!.exit).toBe(0);
      expect(c.ps!.stdinBytes).toBeGreaterThan(500);
    }
    expect(new Set(all.map((c) => c.ps!.script))).toEqual(new Set(['facts', 'installed', 'services', 'wua-task', 'restore-point', 'remove-kb']));
  });

  it('an update Windows Update fails to install (result code 4) ends the deployment rolled back, with Windows\' reason (key credential)', async () => {
    await addMachine({ privateKey });
    const s = await readState();
    const net = s.pending.find((u) => u.kbs.includes('KB5045935'))!;
    net.failWith = 0x80240022;
    await writeState(s);
    await assess();
    await core.call('patches/approve', { items: (await rows()).map((r) => ({ package: r.package, candidateVersion: r.candidateVersion, hostIds: [hostId] })) });
    const d = await deploy();
    expect(d.targets[0], await logOf(d)).toMatchObject({ state: 'rolled-back' });
    expect(d.targets[0]!.failure?.message).toMatch(/KB5045935 \(failed: 0x80240022 WU_E_ALL_UPDATES_FAILED/);
    const after = await readState();
    // The update that did install was removed again; both are offered again, and no task is left behind.
    expect(kbs(after)).not.toContain('KB5046633');
    expect(kbs(after)).not.toContain('KB5045935');
    expect(after.pending.map((u) => u.kbs[0]).sort()).toEqual(['KB5045935', 'KB5046633']);
    expect(after.scheduledTasks).toEqual({});
    expect(after.taskErrors).toEqual([]);

    // A SYSTEM task that never ends: stopped at its time limit (the host's clock moves by the script's own
    // Start-Sleep), removed, and the assessment says so.
    await writeState({ ...after, hangNextTask: true });
    const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await core.call('jobs/log', { id: jobId })).map((l) => l.message).join('\n')).toMatch(/did not finish within 30 minutes; the task Patchwell-[0-9a-f]{16} was stopped and removed/);
    const hung = await readState();
    expect(hung.events.filter((e) => e.startsWith('stop Patchwell-'))).toHaveLength(1);
    expect(hung.scheduledTasks).toEqual({});
    expect((await calls()).every((c) => c.command === SSH_COMMAND)).toBe(true);
  });
});
