/**
 * bench/deploy-cpu: where a Debian deployment's CPU goes on the machine. On a small computer running many machines,
 * their CPU is what the wall time is made of (bench/deploy), so the overhead over a bare apt-get is the CPU that
 * Patchwell's own steps add. One fixture lab machine at a time, idle: the CPU its process tree used during each
 * step of a Patchwell deployment (read at each step change, as the step is written), and during a bare `sudo apt-get
 * install` of the same versions. The machine's CPU is read from a cpuacct cgroup (microseconds; deploy-cpu-meter.ts)
 * where the computer has one, else from /proc in 10 ms ticks. Median of R rounds, each on a fresh disk.
 *
 * Then where the floor is: on a fresh fixture machine over one SSH connection, each command Patchwell's own steps run,
 * alone (median of 5 runs), and the parts of the snapshot's script run alone: what a smaller script could still not
 * avoid. The snapshot script runs twice: handed the files' URLs and checksums as the assessment finds them (what a
 * deployment does), and looking them up itself (a version the assessment did not find); the assessment's lookup is
 * measured too, since that is where the cost went.
 *
 * Run (root, on the lab): npx tsx bench/deploy-cpu.ts [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_PACKAGES, resetHost, up, type LabHost } from '../e2e/lab/index';
import { createCore } from '../electron/core/core';
import { targetRow } from '../electron/core/deploy/deploy-queries';
import { DEBIAN_AFTER_SCRIPT, DEBIAN_BEFORE_SCRIPT } from '../electron/core/deploy/deployers/debian-state';
import { debFileName, keepDebsArgs, KEEP_DEBS_SCRIPT, parseResolvedDebs, RESOLVE_DEBS_SCRIPT } from '../electron/core/platforms/debian-rollback-debs';
import type { ExecResult } from '../electron/core/platforms/remote';
import { connectSsh } from '../electron/core/transports/ssh';
import { cgroupMeter, type CpuMeter } from './deploy-cpu-meter';
import { arg, machineCpuMs, median, run, SSH_OPTS, StepCpu } from './deploy-shared';

const ROUNDS = arg('--rounds', 3);
const targets = FIXTURE_PACKAGES.map((p) => `${p.name}=${p.versions.at(-1)!.version}`);

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** The machine's CPU meter: its cgroup's, or the ticks of its processes when there is no cgroup to use. */
function meterOf(h: LabHost): CpuMeter & { kind: string } {
  const m = cgroupMeter(h);
  if (m) return { ...m, kind: 'cgroup' };
  const start = machineCpuMs().get(h.address) ?? 0;
  return { read: () => (machineCpuMs().get(h.address) ?? 0) - start, close: () => {}, kind: '/proc ticks' };
}
let meterKind = '';

async function fresh(): Promise<LabHost> {
  const [h] = await up({ hosts: 1, scenarios: ['fixture'] });
  await resetHost(h!.address);
  const [again] = await up({ hosts: 1, scenarios: ['fixture'] });
  return again!;
}

async function bare(h: LabHost): Promise<number> {
  const meter = meterOf(h);
  meterKind = meter.kind;
  const c0 = meter.read();
  await run('ssh', ['-i', h.keyPath, ...SSH_OPTS, `admin@${h.address}`, 'sudo', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...targets]);
  const used = meter.read() - c0;
  meter.close();
  return used;
}

/** CPU milliseconds the machine used in each step of one Patchwell deployment ("connect": before the first step). */
async function patchwell(h: LabHost): Promise<Map<string, number>> {
  const core = createCore({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-cpu-')), runtime: 'browser', officeCache: false });
  try {
    await core.call('credentials/create', { name: 'lab', username: 'admin', privateKey: fs.readFileSync(h.keyPath, 'utf8'), appliesToAll: true });
    await core.call('machines/create', { address: h.address });
    await core.call('settings/update', { refreshPackageLists: false });
    await core.call('assess/start', { allowFirstContact: true });
    await core.services.jobs.idle();
    const [m] = await core.call('machines/list', undefined);
    const updates = await core.call('machines/updates', { id: m!.id });
    await core.call('patches/approve', { items: updates.map((u) => ({ package: u.package, candidateVersion: u.candidateVersion, hostIds: [m!.id] })) });
    const meter = meterOf(h);
    const steps = new StepCpu<number>(() => meter);
    steps.start(m!.id);
    // The event follows the step's write at once: reading the row here (not through an asynchronous call) sees
    // each step as it starts. The event's own id: preflight starts before deploy/start has returned one.
    const off = core.subscribe((e) => {
      if (e.name !== 'deploy/changed') return;
      const s = targetRow(core.services.db, e.payload.deploymentId, m!.id)?.step;
      if (s) steps.mark(m!.id, s);
    });
    const { deploymentId } = await core.call('deploy/start', { deployNow: true, confirmed: true });
    await core.services.jobs.idle();
    steps.mark(m!.id, 'done');
    off();
    meter.close();
    const d = await core.call('deploy/get', { id: deploymentId });
    if (d.targets[0]?.state !== 'succeeded') throw new Error(`deployment ${d.targets[0]?.state}: ${d.targets[0]?.failure?.message ?? ''}`);
    const used = steps.of(m!.id);
    used.delete('done');
    return used;
  } finally {
    await core.close();
  }
}

/**
 * The commands of Patchwell's own steps (and the snapshot script's parts), each run alone on one fresh fixture machine:
 * CPU on the machine, median of 5 runs. The keep-debs runs each start with the old .debs removed (not measured).
 */
async function commandsAlone(): Promise<void> {
  const h = await fresh();
  const meter = meterOf(h);
  const session = await connectSsh(
    { address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint },
    { username: 'admin', privateKey: fs.readFileSync(h.keyPath, 'utf8') },
  );
  try {
    const installed = await session.exec(['dpkg-query', '-W', '-f=${Package}:${Architecture}=${Version}\\n', ...FIXTURE_PACKAGES.map((p) => p.name)]);
    const old = installed.stdout.split('\n').filter(Boolean);
    const items = old.map((o) => {
      const [name = '', rest = ''] = o.split(':');
      const [arch = '', version = ''] = rest.split('=');
      return { name, arch, version };
    });
    const debs = items.map((i) => `/var/cache/apt/archives/${debFileName(i.name, i.version, i.arch)}`);
    // What the keep-debs script's apt-helper run fetches: the fixture repository's files, checked by SHA-256.
    const plan = await session.script(
      `cd /srv/pw-fixture-repo && for spec in "$@"; do n=\${spec%%:*}; v=\${spec#*=}
awk -v n="$n" -v v="$v" '/^Package: /{p=$2} /^Version: /{ver=$2} /^Filename: /{f=$2} /^SHA256: /{if (p==n && ver==v) print "copy:/srv/pw-fixture-repo/" f, "/tmp/pw-bench-" p ".deb", "SHA256:" $2}' Packages; done`,
      old,
    );
    const helperArgs = plan.stdout.split(/\s+/).filter(Boolean);
    // What the assessment finds (and the deployment's snapshot is then handed).
    const sources = parseResolvedDebs((await session.script(RESOLVE_DEBS_SCRIPT, old)).stdout, old);
    if (sources.size !== old.length) throw new Error(`the lookup found ${sources.size} of ${old.length} versions`);
    const keptAll = (r: ExecResult): boolean => r.stdout.split('\n').filter((l) => l.startsWith('downloaded ')).length === old.length;
    const cases: { name: string; before?: () => Promise<unknown>; run: () => Promise<ExecResult>; check?: (r: ExecResult) => boolean }[] = [
      { name: 'an empty command (sshd channel, login shell)', run: () => session.exec(['true']) },
      { name: 'sudo -n true', run: () => session.exec(['true'], { sudo: true }) },
      { name: 'preflight script (debian-deploy-before)', run: () => session.script(DEBIAN_BEFORE_SCRIPT) },
      { name: 'verify script (debian-deploy-after)', run: () => session.script(DEBIAN_AFTER_SCRIPT) },
      {
        name: `snapshot script (debian-keep-debs, ${old.length} .debs), sources from the assessment`,
        before: () => session.exec(['rm', '-f', ...debs], { sudo: true }),
        run: () => session.script(KEEP_DEBS_SCRIPT, keepDebsArgs(items, sources), { sudo: true }),
        check: keptAll,
      },
      {
        name: `snapshot script (debian-keep-debs, ${old.length} .debs), looking them up itself`,
        before: () => session.exec(['rm', '-f', ...debs], { sudo: true }),
        run: () => session.script(KEEP_DEBS_SCRIPT, old, { sudo: true }),
        check: keptAll,
      },
      { name: '  its apt-get update --print-uris', run: () => session.exec(['apt-get', 'update', '--print-uris', '-o', 'Debug::NoLocking=1']) },
      {
        name: '  its grep through the package lists',
        run: () => session.script(`for s in "$@"; do printf 'Package: %s\\n' "\${s%%:*}"; done > /tmp/pw-bench-names; grep -H -F -x -A 400 -f /tmp/pw-bench-names /var/lib/apt/lists/*_Packages > /dev/null`, old),
      },
      { name: `  its apt-helper download-file (${old.length} files)`, run: () => session.exec(['/usr/lib/apt/apt-helper', 'download-file', ...helperArgs]) },
      {
        name: `the assessment's lookup (debian-resolve-debs, ${old.length} versions)`,
        run: () => session.script(RESOLVE_DEBS_SCRIPT, old),
        check: (r) => parseResolvedDebs(r.stdout, old).size === old.length,
      },
    ];
    console.log(`commands alone on ${h.address} (CPU on the machine, median of 5 runs; load ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}):`);
    for (const c of cases) {
      const used: number[] = [];
      for (let i = 0; i < 5; i++) {
        await c.before?.();
        const c0 = meter.read();
        const r = await c.run();
        used.push(meter.read() - c0);
        if (r.code !== 0 || (c.check && !c.check(r))) throw new Error(`${c.name.trim()}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      }
      console.log(`  ${c.name.padEnd(72)} ${(median(used) / 1000).toFixed(3)} s`);
    }
  } finally {
    await session.close();
    meter.close();
  }
}

async function main(): Promise<void> {
  console.log(`bench/deploy-cpu: one fixture machine, ${targets.join(' ')}, ${ROUNDS} rounds; load ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  const bares: number[] = [];
  const steps = new Map<string, number[]>();
  for (let r = 1; r <= ROUNDS; r++) {
    bares.push(await bare(await fresh()));
    const s = await patchwell(await fresh());
    for (const [k, v] of s) steps.set(k, [...(steps.get(k) ?? []), v]);
    const total = [...s.values()].reduce((a, b) => a + b, 0);
    console.log(`round ${r}: bare apt-get ${sec(bares.at(-1)!)} CPU; Patchwell ${sec(total)} CPU: ${[...s].map(([k, v]) => `${k} ${sec(v)}`).join(', ')}`);
  }
  const totals = [...Array(ROUNDS).keys()].map((i) => [...steps.values()].reduce((a, v) => a + (v[i] ?? 0), 0));
  console.log(`machine CPU read from: ${meterKind}`);
  console.log(`median: bare apt-get ${sec(median(bares))} CPU on the machine; Patchwell ${sec(median(totals))}: ${[...steps].map(([k, v]) => `${k} ${sec(median(v))}`).join(', ')}`);
  await commandsAlone();
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
});
