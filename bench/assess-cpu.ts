/**
 * bench/assess-cpu: where a cold Debian assessment's CPU goes on the machine. A cold assessment of many machines on a
 * small computer takes as long as the machines' CPU over the cores (bench/office-cache), so each command the
 * assessment runs is measured here: one stale lab machine at a time, idle, fresh disk, the CPU its process tree used
 * during each remote command (sampled before and after it; the sshd session it needs is counted with it) and the
 * wall time. Median of R rounds. Each round assesses a fresh machine twice: fetching directly, and with an office cache
 * (empty at the start of the round) lent over the SSH connection, where the core reads the changelogs from the
 * cache's copies of the .debs (assess/fleet-changelogs.ts); the core's CPU is printed for that one.
 *
 * Run (root, on the lab): npx tsx bench/assess-cpu.ts [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resetHost, up, type LabHost } from '../e2e/lab/index';
import { FleetChangelogs } from '../electron/core/assess/fleet-changelogs';
import { OfficeCache } from '../electron/core/office-cache/office-cache';
import { MAX_CHANGELOG_BYTES, memoryChangelogCache } from '../electron/core/platforms/debian-changelog-fetch';
import { assess } from '../electron/core/platforms/assess';
import { createDebianPlatform } from '../electron/core/platforms/debian';
import type { Remote } from '../electron/core/platforms/remote';
import { connectSsh } from '../electron/core/transports/ssh';
import { arg, machineCpuMs, median } from './deploy-shared';

const ROUNDS = arg('--rounds', 3);
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(', ');

async function fresh(): Promise<LabHost> {
  const [h] = await up({ hosts: 1, scenarios: ['stale'] });
  await resetHost(h!.address);
  const [again] = await up({ hosts: 1, scenarios: ['stale'] });
  return again!;
}

/** What one command is called in the figures: its program, or the script's "# patchwell:NAME" line. */
function nameOf(argv: readonly string[] | null, script: string | null): string {
  if (script) return /^# patchwell:(\S+)/.exec(script)?.[1] ?? 'script';
  // The program and its first word that is neither an option nor an option's value (apt's "-o Name=value").
  const words = argv!.filter((a, i) => !a.startsWith('-') && argv![i - 1] !== '-o');
  return words.slice(0, 2).join(' ');
}

interface Sample {
  name: string;
  cpuMs: number;
  wallMs: number;
}

type Mode = 'direct' | 'cache';

async function round(h: LabHost, mode: Mode): Promise<{ samples: Sample[]; coreMs: number }> {
  const session = await connectSsh(
    { address: h.address, port: 22, pinnedKey: h.hostKeyFingerprint },
    { username: 'admin', privateKey: fs.readFileSync(h.keyPath, 'utf8') },
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-assess-cpu-'));
  const cache = mode === 'cache' ? new OfficeCache({ dir, maxBytes: 4 * 1024 ** 3, offline: false }) : null;
  const samples: Sample[] = [];
  const cpu = (): number => machineCpuMs().get(h.address) ?? 0;
  const measured = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const c0 = cpu();
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      samples.push({ name, cpuMs: cpu() - c0, wallMs: performance.now() - t0 });
    }
  };
  const remote: Remote = {
    label: session.label,
    get proxyUrl() {
      return session.proxyUrl;
    },
    exec: (argv, options) => measured(nameOf(argv, null), () => session.exec(argv, options)),
    script: (text, args, options) => measured(nameOf(null, text), () => session.script(text, args, options)),
  };
  try {
    if (cache) await session.lendProxy(await cache.listen());
    const fleet = new FleetChangelogs(() => cache, MAX_CHANGELOG_BYTES);
    const platform = createDebianPlatform({ changelogCache: memoryChangelogCache(), ...(cache ? { fromRepository: (d, fetch) => fleet.read(d, fetch) } : {}) });
    const core0 = process.cpuUsage();
    // As the app's first assessment of a machine: every installed version of a pending update is looked up for the
    // rollback .debs (debian-resolve-debs); later assessments skip the versions already known.
    const a = await assess(platform, remote, { refresh: true, rollbackDebsKnown: new Set() });
    const core = process.cpuUsage(core0);
    if (a.errors.length) throw new Error(`assessment errors: ${a.errors.map((e) => `${e.step}: ${e.message}`).join('; ')}`);
    if (!a.pending?.updates.length) throw new Error('the stale machine has no pending updates');
    if (!a.pending.updates.some((u) => u.cves.length > 0)) throw new Error('no CVEs read from the changelogs');
    const warnings = a.pending.warnings.filter((w) => /failed/.test(w));
    if (warnings.length) throw new Error(`assessment warnings: ${warnings.join('; ')}`);
    if (cache && fleet.counters.read === 0) throw new Error('the core read no changelog from the cache');
    if (!a.pending.rollbackDebs?.some((l) => l.url !== null)) throw new Error('the lookup found no installed version in the lists');
    return { samples, coreMs: (core.user + core.system) / 1000 };
  } finally {
    await session.close();
    await cache?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`bench/assess-cpu: one stale machine, cold (fresh disk, apt-get update, changelogs), ${ROUNDS} rounds; load ${load()}`);
  for (const mode of ['direct', 'cache'] as const) {
    const perName = new Map<string, { cpu: number[]; wall: number[]; calls: number[] }>();
    const totals: number[] = [];
    const cores: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const { samples, coreMs } = await round(await fresh(), mode);
      const byName = new Map<string, Sample & { calls: number }>();
      for (const s of samples) {
        const b = byName.get(s.name) ?? { name: s.name, cpuMs: 0, wallMs: 0, calls: 0 };
        b.cpuMs += s.cpuMs;
        b.wallMs += s.wallMs;
        b.calls++;
        byName.set(s.name, b);
      }
      for (const [k, v] of byName) {
        const e = perName.get(k) ?? { cpu: [], wall: [], calls: [] };
        e.cpu.push(v.cpuMs);
        e.wall.push(v.wallMs);
        e.calls.push(v.calls);
        perName.set(k, e);
      }
      const total = samples.reduce((a, s) => a + s.cpuMs, 0);
      totals.push(total);
      cores.push(coreMs);
      console.log(`${mode} round ${r + 1}: ${(total / 1000).toFixed(2)} s CPU on the machine in ${samples.length} commands; ` +
        `this process ${(coreMs / 1000).toFixed(2)} s   [load ${load()}]`);
    }
    console.log(`${mode === 'direct' ? 'fetching directly' : 'office cache lent (empty at the start), changelogs read by the core'}: median over ${ROUNDS} rounds, per command (CPU on the machine, wall):`);
    for (const [k, v] of [...perName].sort((a, b) => median(b[1].cpu) - median(a[1].cpu))) {
      console.log(`  ${k.padEnd(28)} ${(median(v.cpu) / 1000).toFixed(2)} s CPU  ${(median(v.wall) / 1000).toFixed(2)} s wall  ×${median(v.calls)}`);
    }
    console.log(`  ${'all, on the machine'.padEnd(28)} ${(median(totals) / 1000).toFixed(2)} s CPU; this process ${(median(cores) / 1000).toFixed(2)} s   [load ${load()}]`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
});
