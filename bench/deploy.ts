/**
 * bench/deploy: the same pending updates (the three fixture updates) installed on N lab machines
 * (default 20) by Patchwell — preflight + snapshot + exact-version install + verify, 20 at once — and by
 * Ansible (Debian's ansible-core; the apt module; forks = N; its default ControlMaster/ControlPersist ssh arguments and
 * pipelining on, i.e. Ansible at its best), side by side; and the bare apt-get time of
 * each machine (plain `sudo apt-get install pkg=ver…` over ssh, all at once) as the floor.
 * Prints each run's wall time, the medians, Patchwell/Ansible, and Patchwell's overhead over the slowest
 * machine's bare apt-get time; Patchwell's per-step times and each step's share of the machines' time; and the CPU
 * each machine used (bare apt-get against Patchwell), since 20 machines on a few cores queue for CPU.
 * Every run starts from freshly reset machines (not timed).
 *
 * Needs root, the lab, and ansible-playbook (apt-get install ansible-core).
 * Run: npx tsx bench/deploy.ts [--hosts 20] [--rounds 2]
 * Leaves the standard lab (one host per scenario) up again at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_PACKAGES, resetHost, SCENARIOS, up, type LabHost } from '../e2e/lab/index';
import { cgroupMeter, type CpuMeter } from './deploy-cpu-meter';
import { arg, cpuBetween, describeStepRounds, describeSteps, machineCpuMs, median, patchwellDeploy, run, sec, SSH_OPTS, stepShares, type StepTimes } from './deploy-shared';

const N = arg('--hosts', 20);
const ROUNDS = arg('--rounds', 2);
const targets = FIXTURE_PACKAGES.map((p) => `${p.name}=${p.versions.at(-1)!.version}`);

async function resetAll(hosts: LabHost[]): Promise<LabHost[]> {
  for (const h of hosts) await resetHost(h.address);
  return up({ hosts: N, scenarios: ['fixture'] });
}

async function checkInstalled(hosts: LabHost[]): Promise<void> {
  for (const h of hosts) {
    const r = await run('ssh', ['-i', h.keyPath, ...SSH_OPTS, `admin@${h.address}`, 'dpkg-query', '-W', "-f='${Package}=${Version} '", ...FIXTURE_PACKAGES.map((p) => p.name)]);
    const got = r.stdout.trim().split(' ').sort();
    if (JSON.stringify(got) !== JSON.stringify([...targets].sort())) throw new Error(`${h.address} has ${got.join(' ')}, expected ${targets.join(' ')}`);
  }
}

async function bare(hosts: LabHost[]): Promise<number[]> {
  return Promise.all(
    hosts.map(async (h) => {
      const t = performance.now();
      await run('ssh', ['-i', h.keyPath, ...SSH_OPTS, `admin@${h.address}`, 'sudo', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...targets]);
      return performance.now() - t;
    }),
  );
}

async function ansible(hosts: LabHost[]): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-ansible-'));
  const inventory = path.join(dir, 'inventory.ini');
  fs.writeFileSync(
    inventory,
    // ansible_ssh_common_args adds to Ansible's own ssh_args (ControlMaster=auto, ControlPersist=60s) rather than
    // replacing them: a reset lab machine has a new host key, so nothing may be written to known_hosts.
    `[lab]\n${hosts.map((h) => `${h.address} ansible_user=admin ansible_ssh_private_key_file=${h.keyPath} ansible_python_interpreter=/usr/bin/python3`).join('\n')}\n` +
      `[lab:vars]\nansible_ssh_common_args='-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'\n`,
  );
  const playbook = path.join(dir, 'deploy.yml');
  fs.writeFileSync(
    playbook,
    `- hosts: lab\n  gather_facts: false\n  become: true\n  tasks:\n    - name: install the exact versions\n      ansible.builtin.apt:\n        name:\n${targets.map((t) => `          - "${t}"`).join('\n')}\n        state: present\n        install_recommends: false\n`,
  );
  const t = performance.now();
  await run('ansible-playbook', ['-i', inventory, '-f', String(N), playbook], {
    // Ansible at its best: its default ssh_args (one multiplexed connection per machine, kept between tasks) and
    // pipelining (modules fed on stdin, no temporary file copied over per task). Overriding ANSIBLE_SSH_ARGS
    // here, as this bench once did, turned multiplexing off.
    env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_PIPELINING: 'True', ANSIBLE_NOCOLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return performance.now() - t;
}

/**
 * A cgroup meter per machine (bench/deploy-cpu-meter: microseconds, every process the machine starts), or null when
 * one cannot be made for every machine; the per-step figures need them, the totals fall back to /proc's ticks.
 */
function metersOf(hosts: readonly LabHost[]): Map<string, CpuMeter> | null {
  const out = new Map<string, CpuMeter>();
  for (const h of hosts) {
    const m = cgroupMeter(h);
    if (!m) {
      closeMeters(out);
      return null;
    }
    out.set(h.address, m);
  }
  return out;
}

function closeMeters(meters: ReadonlyMap<string, CpuMeter> | null): void {
  for (const m of meters?.values() ?? []) m.close();
}

const describeStepCpu = (st: StepTimes): string => Object.entries(st).map(([k, v]) => `${k} ${(median(v) / 1000).toFixed(2)} [${(Math.max(...v) / 1000).toFixed(2)}] s`).join(', ');

async function main(): Promise<void> {
  console.log(`bench/deploy: ${N} lab machines (fixture scenario), ${targets.join(' ')}`);
  let hosts = await up({ hosts: N, scenarios: ['fixture'] });
  const pw: number[] = [];
  const an: number[] = [];
  const floor: number[] = [];
  const bareCpu: number[] = [];
  const pwCpu: number[] = [];
  const steps: StepTimes[] = [];
  const stepCpus: StepTimes[] = [];
  const probe = metersOf(hosts);
  console.log(`machine CPU read from: ${probe === null ? '/proc ticks (10 ms); no per-step figures' : 'a cpuacct cgroup per machine'}`);
  closeMeters(probe);
  for (let r = 1; r <= ROUNDS; r++) {
    hosts = await resetAll(hosts);
    let meters = metersOf(hosts);
    const c0 = machineCpuMs();
    const b = await bare(hosts);
    bareCpu.push(median(meters ? [...meters.values()].map((m) => m.read()) : cpuBetween(c0, machineCpuMs())));
    closeMeters(meters);
    await checkInstalled(hosts);
    floor.push(Math.max(...b));
    console.log(`round ${r}: bare apt-get slowest machine ${sec(Math.max(...b))} (fastest ${sec(Math.min(...b))}); CPU per machine, median ${sec(bareCpu.at(-1)!)}`);

    hosts = await resetAll(hosts);
    let c1 = new Map<string, number>();
    // The meters start at the deployment's start (after the assessment and approvals, which are not timed).
    const p = await patchwellDeploy(hosts, () => {
      meters = metersOf(hosts);
      c1 = machineCpuMs();
    }, { get: (address) => meters?.get(address) });
    pwCpu.push(median(meters ? [...meters.values()].map((m) => m.read()) : cpuBetween(c1, machineCpuMs())));
    closeMeters(meters);
    pw.push(p.ms);
    await checkInstalled(hosts);
    console.log(`round ${r}: Patchwell (preflight + snapshot + install + verify) ${sec(p.ms)}; CPU per machine, median ${sec(pwCpu.at(-1)!)}`);
    console.log(`round ${r}: Patchwell core CPU during the deployment ${sec(p.cpuMs)}`);
    if (p.stepCpu) {
      stepCpus.push(p.stepCpu);
      console.log(`round ${r}: Patchwell machine CPU per step, median [max] over machines: ${describeStepCpu(p.stepCpu)}`);
    }
    if (p.steps) {
      steps.push(p.steps);
      const shares = Object.entries(stepShares(p.steps)).map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`).join(', ');
      console.log(`round ${r}: Patchwell per step, median [max] over machines: ${describeSteps(p.steps)}; share of the machines' time: ${shares}`);
    }

    hosts = await resetAll(hosts);
    an.push(await ansible(hosts));
    await checkInstalled(hosts);
    console.log(`round ${r}: Ansible apt module, forks=${N}, ControlPersist + pipelining ${sec(an.at(-1)!)}`);
  }
  const p = median(pw);
  const a = median(an);
  const f = median(floor);
  console.log(`median: Patchwell ${sec(p)}, Ansible ${sec(a)}, ratio Patchwell/Ansible ${(p / a).toFixed(2)} (target ≤ 0.50)`);
  console.log(`median: slowest bare apt-get ${sec(f)}; Patchwell overhead over it ${(((p - f) / f) * 100).toFixed(0)}% (target < 10%)`);
  if (steps.length) console.log(`median: Patchwell per step (median over machines, then rounds) and share of the machines' time: ${describeStepRounds(steps)}`);
  if (stepCpus.length) {
    const names = [...new Set(stepCpus.flatMap((r) => Object.keys(r)))];
    console.log(`median: Patchwell machine CPU per step (median over machines, then rounds): ${names.map((k) => `${k} ${(median(stepCpus.map((r) => median(r[k] ?? [0]))) / 1000).toFixed(2)} s`).join(', ')}`);
  }
  const bc = median(bareCpu);
  const pc = median(pwCpu);
  console.log(`median: CPU per machine, bare apt-get ${sec(bc)}, Patchwell ${sec(pc)} (${(((pc - bc) / bc) * 100).toFixed(0)}% more)`);
  console.log(`load average at the end: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  await up({ scenarios: [...SCENARIOS] });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
