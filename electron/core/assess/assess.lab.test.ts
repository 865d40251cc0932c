/** Assessment against the lab's real Debian machines, through the core's calls, as the app runs it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessmentView, Host, JobDetail, JobLogLine, PendingUpdateView } from '../../../shared/contract';
import { FIXTURE_PACKAGES, type LabHost, type Scenario } from '../../../e2e/lab/index';
import { hostOf, LAB_TIMEOUT, labEnabled, standardLab } from '../../../e2e/lab/test-support';
import { createCore, type Core } from '../core';
import { connectSsh } from '../transports/ssh';

let core: Core;
let lab: LabHost[];
let secrets: { password: string; privateKey: string };
const seen: string[] = [];
const hostIds = new Map<Scenario, number>();

async function assess(scenarios: Scenario[]): Promise<JobDetail> {
  const ids = scenarios.map((s) => hostIds.get(s)!);
  const { jobId } = await core.call('assess/start', { allowFirstContact: true, ids });
  await core.services.jobs.idle();
  return await core.call('jobs/get', { id: jobId });
}

const updatesOf = async (s: Scenario): Promise<PendingUpdateView[]> => await core.call('machines/updates', { id: hostIds.get(s)! });
const hostRow = async (s: Scenario): Promise<Host> => await core.call('machines/get', { id: hostIds.get(s)! });
const lastAssessment = async (s: Scenario): Promise<AssessmentView> =>
  (await core.call('machines/assessments', { id: hostIds.get(s)!, limit: 1 }))[0]!;

describe.skipIf(!labEnabled)('assessment on the lab', () => {
  beforeAll(async () => {
    lab = await standardLab();
    const stale = hostOf(lab, 'stale');
    secrets = { password: stale.password!, privateKey: fs.readFileSync(stale.keyPath, 'utf8') };
    core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-assess-')), runtime: 'browser', checkResults: true });
    core.subscribe((e) => seen.push(JSON.stringify(e)));
    // One credential for the whole lab: the key logs in everywhere (key-only too); the password serves sudo.
    await core.call('credentials/create', {
      name: 'Lab admin',
      username: 'admin',
      privateKey: secrets.privateKey,
      sudoPassword: secrets.password,
      appliesToAll: true,
    });
    for (const h of lab) {
      const created = await core.call('machines/create', { address: h.address, tags: ['lab'] });
      hostIds.set(h.scenario, created.id);
    }
  }, LAB_TIMEOUT);

  afterAll(async () => {
    await core?.close();
  });

  it('assesses every lab machine; each pins its host key on first contact', async () => {
    const job = await assess(['current', 'stale', 'fixture', 'no-sudo', 'sudo-password', 'key-only', 'broken-dpkg']);
    expect(job.targets.map((t) => [t.target, t.state, t.failure?.message ?? null])).toEqual(
      job.targets.map((t) => [t.target, 'succeeded', null]),
    );
    expect(job.state).toBe('succeeded');
    for (const s of ['stale', 'fixture', 'key-only'] as const) {
      expect((await hostRow(s)).sshHostKey).toBe(hostOf(lab, s).hostKeyFingerprint);
    }
    const stale = await hostRow('stale');
    expect(stale).toMatchObject({ platform: 'debian', osFamily: 'linux', hostname: 'lab-12-stale', arch: expect.stringMatching(/x86_64|aarch64/) });
    expect(stale.osName).toMatch(/Debian/);
    expect(stale.osVersion).toMatch(/^12/);
    expect(stale.kernel).toBeTruthy();
    expect(stale.lastAssessedAt).not.toBeNull();
    expect(await updatesOf('current')).toEqual([]);
  }, 600_000);

  it('the fixture machine shows exactly the fixture updates, with the CVEs and urgency of the newer changelog entries', async () => {
    const updates = await updatesOf('fixture');
    const expected = FIXTURE_PACKAGES.map((p) => {
      const newer = p.versions.slice(p.versions.findIndex((v) => v.version === p.installed) + 1);
      const rank = { low: 1, medium: 2, high: 3 } as const;
      return {
        package: p.name,
        installedVersion: p.installed,
        candidateVersion: newer.at(-1)!.version,
        cves: [...new Set(newer.flatMap((v) => v.cves))].sort(),
        urgency: newer.map((v) => v.urgency).sort((a, b) => rank[b] - rank[a])[0],
      };
    });
    expect(updates.map((u) => ({ package: u.package, installedVersion: u.installedVersion, candidateVersion: u.candidateVersion, cves: u.cves, urgency: u.urgency }))).toEqual(
      expected.sort((a, b) => a.package.localeCompare(b.package)),
    );
  });

  it('the stale machine shows the real pending security updates apt itself lists, with the CVEs their changelogs name', async () => {
    const h = hostOf(lab, 'stale');
    const session = await connectSsh({ address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint }, { username: 'admin', privateKey: secrets.privateKey });
    const apt = await session.exec(['apt', 'list', '--upgradable'], { env: { LC_ALL: 'C' } });
    await session.close();
    const aptList = apt.stdout
      .split('\n')
      .map((l) => /^([^/\s]+)\/(\S+) (\S+) \S+ \[upgradable from: ([^\]]+)\]/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1]!, suites: m[2]!, candidate: m[3]!, installed: m[4]! }));
    expect(aptList.length).toBeGreaterThan(0);
    const updates = await updatesOf('stale');
    expect(updates.map((u) => `${u.package} ${u.installedVersion} ${u.candidateVersion}`).sort()).toEqual(
      aptList.map((a) => `${a.name} ${a.installed} ${a.candidate}`).sort(),
    );
    const security = updates.filter((u) => u.isSecurity);
    expect(security.map((u) => u.package).sort()).toEqual(aptList.filter((a) => a.suites.includes('-security')).map((a) => a.name).sort());
    expect(security.length).toBeGreaterThan(0);
    for (const u of updates) for (const c of u.cves) expect(c).toMatch(/^CVE-\d{4}-\d{4,}$/);
    // Security releases name the CVEs they fix; at least some of these must have been read from changelogs.
    expect(security.filter((u) => u.cves.length > 0).length).toBeGreaterThan(0);
    expect(security.every((u) => u.urgency !== null)).toBe(true);
  });

  it('sudo with a password, and no sudo at all, are both handled and explained', async () => {
    expect((await lastAssessment('sudo-password')).warnings).toEqual([]);
    const noSudo = await lastAssessment('no-sudo');
    expect(noSudo.state).toBe('succeeded');
    expect(noSudo.warnings.join('\n')).toMatch(/apt-get update failed.*may not use sudo.*refreshing package lists, installing/s);
  });

  it('reports a broken dpkg as unhealthy', async () => {
    const h = await hostRow('broken-dpkg');
    expect(h.health?.ok).toBe(false);
    expect(h.health?.problems.join('\n')).toMatch(/pw-fixture-a/);
    expect((await hostRow('stale')).health).toEqual({ ok: true, problems: [] });
  });

  it('a repeat assessment reads changelogs from the cache and reports nothing new', async () => {
    const cached = core.services.db.prepare('SELECT count(*) AS n FROM machine_changelogs').get() as { n: number };
    expect(cached.n).toBeGreaterThan(0);
    const job = await assess(['fixture', 'stale']);
    expect(job.state).toBe('succeeded');
    expect(core.services.db.prepare('SELECT count(*) AS n FROM machine_changelogs').get()).toEqual(cached);
    expect(await lastAssessment('fixture')).toMatchObject({ newCount: 0, fixedCount: 0, pendingCount: FIXTURE_PACKAGES.length });
  }, 600_000);

  it('refuses a changed host key, raises it on the machine, and works again once the user accepts it', async () => {
    const id = hostIds.get('key-only')!;
    // Pretend the pinned key was another one: to the app, the machine now presents a different key.
    core.services.db.prepare('UPDATE hosts SET ssh_host_key = ? WHERE id = ?').run('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', id);
    const job = await assess(['key-only']);
    expect(job.state).toBe('failed');
    expect(job.targets[0]!.failure?.message).toMatch(/host key .* changed/);
    const h = await hostRow('key-only');
    expect(h.pendingHostKey).toBe(hostOf(lab, 'key-only').hostKeyFingerprint);
    expect(h.lastError?.message).toMatch(/changed/);
    // Still refused until accepted.
    expect((await assess(['key-only'])).state).toBe('failed');
    await core.call('machines/accept-host-key', { id });
    expect((await hostRow('key-only')).sshHostKey).toBe(hostOf(lab, 'key-only').hostKeyFingerprint);
    expect((await assess(['key-only'])).state).toBe('succeeded');
    const audit = await core.call('audit/list', {});
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['host-key.pin', 'host-key.mismatch', 'host-key.accept']));
  }, 300_000);

  it('never lets a secret into logs, events, errors, the audit trail or anything the renderer can read', async () => {
    const logs: JobLogLine[] = [];
    for (const j of await core.call('jobs/list', { limit: 100 })) logs.push(...await core.call('jobs/log', { id: j.id }));
    expect(logs.length).toBeGreaterThan(0);
    const everything = [
      ...seen,
      JSON.stringify(logs),
      JSON.stringify(await core.call('machines/list', undefined)),
      JSON.stringify(await core.call('credentials/list', undefined)),
      JSON.stringify(await core.call('audit/list', { limit: 1000 })),
      JSON.stringify(await core.call('jobs/list', { limit: 100 })),
    ].join('\n');
    const keyBody = secrets.privateKey.split('\n')[1]!;
    for (const secret of [secrets.password, keyBody]) expect(everything.includes(secret)).toBe(false);
  });
});
