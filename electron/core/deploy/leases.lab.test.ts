/**
 * One job per machine, across processes, on a real lab Debian machine: while a deployment installs the fixture
 * updates, a rollback of an earlier deployment of that machine, an assessment and a second deployment are started
 * in the same process, and an assessment from the command line (a separate process on the same data folder).
 * The assessments leave the busy machine alone and say why; the rollback and the second deployment wait, then run
 * one after the other once the first ends; nothing runs on the machine twice at once.
 *
 * The first deployment is held at its health check (an existing setting) by a named pipe on the machine: it
 * reads a line from the pipe, and the test starts a writer on the machine only once everything else was seen
 * waiting or refused. So the test waits on states and events, never on time.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail, JobDetail } from '../../../shared/contract';
import { FIXTURE_PACKAGES, resetHost, type LabHost } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';

let core: Core;
let lab: LabHost[];
let host: LabHost;
let privateKey: string;
let hostId: number;
let dataDir: string;

const GATE = '/tmp/pw-lease-gate';
const fixtureNames = FIXTURE_PACKAGES.map((p) => p.name);
const fixtureInstalled = Object.fromEntries(FIXTURE_PACKAGES.map((p) => [p.name, p.installed]));

async function sh(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const session = await connectSsh({ address: host.address, port: 22, pinnedKey: host.hostKeyFingerprint }, { username: 'admin', privateKey });
  try {
    return await session.exec(['sh', '-c', command], { env: { LC_ALL: 'C' } });
  } finally {
    await session.close();
  }
}

async function versions(): Promise<Record<string, string>> {
  const r = await sh(`dpkg-query -W -f='\${Package} \${Version}\\n' ${fixtureNames.join(' ')}`);
  return Object.fromEntries(r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

/**
 * Resolves with check()'s first defined answer, looking again after every event of the core (job progress and
 * log lines, deployment changes): waiting on state, not on time. The timeout only turns a hang into a failure.
 */
function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let running = false;
    let again = false;
    let done = false;
    const finish = (err: unknown, value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      off();
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(value as T);
    };
    const look = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const v = await check();
          if (v !== undefined) return finish(null, v);
        } while (again && !done);
      } catch (e) {
        finish(e);
      } finally {
        running = false;
      }
    };
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const off = core.subscribe(() => void look());
    void look();
  });
}

const logOf = async (jobId: number): Promise<string[]> => (await core.call('jobs/log', { id: jobId })).map((l) => l.message);
const deployment = async (id: number): Promise<DeploymentDetail> => await core.call('deploy/get', { id });
const job = async (id: number): Promise<JobDetail> => await core.call('jobs/get', { id });

/** The command line from source, as a separate process on the test's data folder. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsx, 'electron/cli/index.ts', '--home', dataDir, ...args], { timeout: 240_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!labEnabled)('one job per machine on the lab', () => {
  beforeAll(async () => {
    lab = await standardLab();
    await resetHost(hostOf(lab, 'fixture').address);
    lab = await standardLab();
    host = hostOf(lab, 'fixture');
    privateKey = fs.readFileSync(host.keyPath, 'utf8');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-leases-lab-'));
    core = createCore({ dataDir, runtime: 'browser', checkResults: true, scheduler: false });
    await core.call('credentials/create', { name: 'Lab admin', username: 'admin', privateKey, sudoPassword: host.password!, appliesToAll: true });
    hostId = (await core.call('machines/create', { address: host.address, tags: ['lab'] })).id;
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    if (lab) await resetHost(hostOf(lab, 'fixture').address);
  }, LAB_TIMEOUT);

  it('while a deployment installs, a rollback, an assessment, a second deployment and the command line wait or step aside', async () => {
    // The machine contacted once (broad credentials ask before a first contact), and an earlier deployment to roll back.
    const first = await core.call('assess/start', { allowFirstContact: true, ids: [hostId] });
    await core.services.jobs.idle();
    expect((await job(first.jobId)).state).toBe('succeeded');
    const pending = await core.call('machines/updates', { id: hostId });
    const update = (name: string): { package: string; candidateVersion: string; hostIds: number[] } => {
      const u = pending.find((p) => p.package === name);
      if (!u) throw new Error(`${name} is not pending: ${pending.map((p) => p.package).join(', ')}`);
      return { package: u.package, candidateVersion: u.candidateVersion, hostIds: [hostId] };
    };
    await core.call('patches/approve', { items: [update('pw-fixture-b')] });
    const d0 = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    expect((await deployment(d0.deploymentId)).targets[0]).toMatchObject({ state: 'succeeded' });

    // The gate: a health check that reads a line from a named pipe holds the deployment until a writer comes.
    expect((await sh(`rm -f ${GATE} && mkfifo ${GATE}`)).code).toBe(0);
    await core.call('deploy/set-settings', { ids: [hostId], patch: { healthCheck: { kind: 'command', command: `read line < ${GATE}` } } });
    const historyBefore = Number((await sh('wc -l < /var/log/apt/history.log')).stdout.trim());

    await core.call('patches/approve', { items: [update('pw-fixture-a')] });
    const d1 = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    await until('the first deployment to install', async () => {
      const t = (await deployment(d1.deploymentId)).targets[0]!;
      if (t.state !== 'running' && t.state !== 'pending' && t.state !== 'waiting') throw new Error(`the first deployment ended (${t.state}) before the others started: ${t.failure?.message ?? ''}`);
      return t.step === 'install' || t.step === 'verify' ? true : undefined;
    });

    // (a) a rollback of the earlier deployment, (b) an assessment, (c) a second deployment, in this process;
    // (d) an assessment from the command line, a second process on the same data folder.
    const rb = await core.call('deploy/rollback', { id: d0.deploymentId });
    const assessed = await core.call('assess/start', { ids: [hostId] });
    await core.call('patches/approve', { items: [update('pw-fixture-c')] });
    const d2 = await core.call('deploy/start', { hostIds: [hostId], deployNow: true, confirmed: true });
    const fromCli = cli('--json', 'assess', host.address);

    const busy = `another job is working on this machine (deployment ${d1.deploymentId}); it is left alone until that job ends`;
    const a = await until('the assessment to end', async () => {
      const j = await job(assessed.jobId);
      return j.state === 'running' || j.state === 'queued' ? undefined : j;
    });
    expect(a.targets[0]).toMatchObject({ state: 'skipped', step: 'busy' });
    expect(a.targets[0]!.failure?.message).toBe(`Not assessed: ${busy}`);
    expect(a.summary).toBe('0 of 1 machines assessed, 1 left alone while another job works on it');
    await until('the rollback to wait', async () => ((await logOf(rb.jobId)).includes(`Waiting: ${busy}`) ? true : undefined));
    const d2Job = (await deployment(d2.deploymentId)).jobId!;
    await until('the second deployment to wait', async () => ((await logOf(d2Job)).includes(`Waiting: ${busy}`) ? true : undefined));

    const c = await fromCli;
    expect(c.code, c.stderr).toBe(1);
    const out = JSON.parse(c.stdout) as { job: { state: string; summary: string; targets: { state: string; step: string | null; failure: { message: string } | null }[] } };
    expect(out.job).toMatchObject({ state: 'failed', summary: '0 of 1 machines assessed, 1 left alone while another job works on it' });
    expect(out.job.targets[0]).toMatchObject({ state: 'skipped', step: 'busy', failure: { message: `Not assessed: ${busy}` } });

    // All of that happened while the first deployment still held the machine.
    expect((await deployment(d1.deploymentId)).targets[0]).toMatchObject({ state: 'running' });
    expect((await deployment(rb.deploymentId)).targets[0]!.startedAt).toBeNull();
    expect((await deployment(d2.deploymentId)).targets[0]!.startedAt).toBeNull();

    // Open the gate for good: a writer on the machine gives every reader of the pipe a line, whether the held
    // health check already waits in it or gets there later, and the second deployment's too. A reader that leaves
    // as the next line is written would end the writer with SIGPIPE: it is ignored.
    const opener = await sh(`nohup sh -c "trap '' PIPE; while :; do echo go > ${GATE}; done" </dev/null >/dev/null 2>&1 & echo $!`);
    expect(opener.stdout.trim()).toMatch(/^\d+$/);
    await core.services.jobs.idle();
    await sh(`kill ${opener.stdout.trim()}; rm -f ${GATE}`);

    const [f1, fr, f2] = [await deployment(d1.deploymentId), await deployment(rb.deploymentId), await deployment(d2.deploymentId)];
    const failures = [f1, fr, f2].map((d) => d.targets[0]!.failure?.message).filter(Boolean);
    expect(failures, failures.join('\n')).toEqual([]);
    expect(f1).toMatchObject({ state: 'succeeded' });
    expect(fr).toMatchObject({ state: 'succeeded' });
    expect(f2).toMatchObject({ state: 'succeeded' });
    expect((await deployment(d0.deploymentId)).targets[0]!.state).toBe('rolled-back');
    expect((await job(rb.jobId)).state).toBe('succeeded');
    expect((await job(d2Job)).state).toBe('succeeded');
    // The waits were said once each, and no package manager ever found its lock taken.
    for (const id of [rb.jobId, d2Job]) expect((await logOf(id)).filter((l) => l.startsWith('Waiting:'))).toHaveLength(1);
    for (const id of [f1.jobId!, rb.jobId, d2Job]) expect((await logOf(id)).join('\n')).not.toMatch(/Could not get lock|dpkg was interrupted|is locked/i);

    // One after the other: the first deployment, then the rollback and the second deployment in either order.
    const runs = [
      { what: `deployment ${d1.deploymentId}`, t: f1.targets[0]! },
      { what: `rollback ${rb.deploymentId}`, t: fr.targets[0]! },
      { what: `deployment ${d2.deploymentId}`, t: f2.targets[0]! },
    ].sort((x, y) => x.t.startedAt! - y.t.startedAt!);
    expect(runs[0]!.what).toBe(`deployment ${d1.deploymentId}`);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.t.startedAt!, `${runs[i]!.what} started before ${runs[i - 1]!.what} ended`).toBeGreaterThanOrEqual(runs[i - 1]!.t.finishedAt!);
    }
    // On the machine: apt's own record shows its runs one after another, never overlapping.
    const history = (await sh(`tail -n +${historyBefore + 1} /var/log/apt/history.log`)).stdout;
    const starts = [...history.matchAll(/^Start-Date: (.+)$/gm)].map((m) => m[1]!.trim());
    const ends = [...history.matchAll(/^End-Date: (.+)$/gm)].map((m) => m[1]!.trim());
    expect(ends).toHaveLength(starts.length);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! >= ends[i - 1]!, history).toBe(true);

    // The machine ends as the last of them left it, and healthy.
    const last = runs[2]!.what;
    expect(await versions()).toEqual(
      last.startsWith('rollback')
        ? fixtureInstalled
        : { ...fixtureInstalled, 'pw-fixture-a': update('pw-fixture-a').candidateVersion, 'pw-fixture-c': update('pw-fixture-c').candidateVersion },
    );
    expect((await sh('sudo dpkg --audit')).stdout).toBe('');

    // Every lease was given back: the command line and this process may assess the machine again.
    expect(core.services.db.prepare('SELECT COUNT(*) AS n FROM machine_leases').get()).toEqual({ n: 0 });
    await core.call('deploy/set-settings', { ids: [hostId], patch: { healthCheck: null } });
    const again = await cli('assess', host.address, '--no-refresh');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^${host.address.replace(/\./g, '\\.')}\\tsucceeded\\t`, 'm'));
    expect(await core.call('audit/verify', undefined)).toMatchObject({ ok: true });
  }, 900_000);
});
