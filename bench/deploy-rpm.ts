/**
 * bench/deploy-rpm: the three RPM fixture updates installed on N rpm-fixture lab machines (default 10; real dnf 4
 * and rpm) by Patchwell — preflight + snapshot (old .rpms kept) + exact-version install + verify, N at once — and
 * by Ansible's dnf module at its best (forks = N, SSH ControlMaster/ControlPersist on, pipelining on), side by side;
 * and the bare `sudo dnf -y install name-evr…` over ssh on every machine at once as the floor.
 * Prints each run's wall time, the medians, Patchwell/Ansible, and Patchwell's overhead over the slowest machine's
 * bare dnf time. Every run starts from freshly reset machines (not timed).
 *
 * Needs root, the lab, and ansible-playbook (ansible-core, in e2e/lab/debian-packages.txt). The dnf module runs on
 * the machine under /usr/bin/python3, which has Debian's python3-dnf (a dependency of its dnf package).
 * Run: npx tsx bench/deploy-rpm.ts [--hosts 10] [--rounds 3]
 * It replaces the lab it runs on with N rpm-fixture hosts: run it on a second lab (PATCHWELL_LAB_NET=127.0.1 with
 * its own PATCHWELL_LAB_DIR, see e2e/lab/README.md) when others use the standard one. Leaves the standard lab up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evrOf, latestRpmVersion, resetHost, RPM_FIXTURE_PACKAGES, SCENARIOS, up, type LabHost } from '../e2e/lab/index';
import { arg, describeSteps, median, patchwellDeploy, run, sec, SSH_OPTS } from './deploy-shared';

const N = arg('--hosts', 10);
const ROUNDS = arg('--rounds', 3);
/** dnf's exact-version specs: name-[epoch:]version-release. */
const targets = RPM_FIXTURE_PACKAGES.map((p) => `${p.name}-${evrOf(latestRpmVersion(p))}`);

async function resetAll(hosts: LabHost[]): Promise<LabHost[]> {
  for (const h of hosts) await resetHost(h.address);
  return up({ hosts: N, scenarios: ['rpm-fixture'] });
}

async function checkInstalled(hosts: LabHost[]): Promise<void> {
  for (const h of hosts) {
    const r = await run('ssh', ['-i', h.keyPath, ...SSH_OPTS, `admin@${h.address}`, 'rpm', '-q', '--qf', "'%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE} '", ...RPM_FIXTURE_PACKAGES.map((p) => p.name)]);
    const got = r.stdout.trim().split(' ').map((s) => s.replace(/-0:/, '-')).sort();
    if (JSON.stringify(got) !== JSON.stringify([...targets].sort())) throw new Error(`${h.address} has ${got.join(' ')}, expected ${targets.join(' ')}`);
  }
}

async function bare(hosts: LabHost[]): Promise<number[]> {
  return Promise.all(
    hosts.map(async (h) => {
      const t = performance.now();
      await run('ssh', ['-i', h.keyPath, ...SSH_OPTS, `admin@${h.address}`, 'sudo', 'dnf', '-y', '-q', 'install', ...targets]);
      return performance.now() - t;
    }),
  );
}

async function ansible(hosts: LabHost[]): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-bench-ansible-rpm-'));
  const inventory = path.join(dir, 'inventory.ini');
  fs.writeFileSync(
    inventory,
    `[lab]\n${hosts.map((h) => `${h.address} ansible_user=admin ansible_ssh_private_key_file=${h.keyPath} ansible_python_interpreter=/usr/bin/python3`).join('\n')}\n`,
  );
  const playbook = path.join(dir, 'deploy.yml');
  fs.writeFileSync(
    playbook,
    `- hosts: lab\n  gather_facts: false\n  become: true\n  tasks:\n    - name: install the exact versions\n      ansible.builtin.dnf:\n        name:\n${targets.map((t) => `          - "${t}"`).join('\n')}\n        state: present\n`,
  );
  const t = performance.now();
  await run('ansible-playbook', ['-i', inventory, '-f', String(N), playbook], {
    env: {
      ...process.env,
      ANSIBLE_HOST_KEY_CHECKING: 'False',
      // Ansible at its best: one multiplexed SSH connection per machine, modules piped into python (no temp files).
      ANSIBLE_SSH_ARGS: [...SSH_OPTS, '-o', 'ControlMaster=auto', '-o', 'ControlPersist=60s'].join(' '),
      ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'),
      ANSIBLE_PIPELINING: 'True',
      // On a loaded machine sudo's answer can take longer than the default 10 s, and Ansible then fails the host
      // ("Timeout (12s) waiting for privilege escalation prompt"): a slow machine is measured, not failed.
      ANSIBLE_TIMEOUT: '120',
      ANSIBLE_NOCOLOR: '1',
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return performance.now() - t;
}

async function main(): Promise<void> {
  console.log(`bench/deploy-rpm: ${N} lab machines (rpm-fixture scenario, dnf), ${targets.join(' ')}`);
  let hosts = await up({ hosts: N, scenarios: ['rpm-fixture'] });
  const pw: number[] = [];
  const an: number[] = [];
  const floor: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    hosts = await resetAll(hosts);
    const b = await bare(hosts);
    await checkInstalled(hosts);
    floor.push(Math.max(...b));
    console.log(`round ${r}: bare dnf slowest machine ${sec(Math.max(...b))} (fastest ${sec(Math.min(...b))})`);

    hosts = await resetAll(hosts);
    const p = await patchwellDeploy(hosts);
    pw.push(p.ms);
    await checkInstalled(hosts);
    console.log(`round ${r}: Patchwell (preflight + snapshot + keep old .rpms + install + verify) ${sec(p.ms)}`);
    console.log(`round ${r}: Patchwell core CPU during the deployment ${sec(p.cpuMs)}`);
    if (p.steps) console.log(`round ${r}: Patchwell per step, median [max] over machines: ${describeSteps(p.steps)}`);

    hosts = await resetAll(hosts);
    an.push(await ansible(hosts));
    await checkInstalled(hosts);
    console.log(`round ${r}: Ansible dnf module, forks=${N}, ControlPersist + pipelining ${sec(an.at(-1)!)}`);
  }
  const p = median(pw);
  const a = median(an);
  const f = median(floor);
  console.log(`median of ${ROUNDS}: Patchwell ${sec(p)}, Ansible ${sec(a)}, ratio Patchwell/Ansible ${(p / a).toFixed(2)}`);
  console.log(`median of ${ROUNDS}: slowest bare dnf ${sec(f)}; Patchwell overhead over it ${(((p - f) / f) * 100).toFixed(0)}%`);
  await up({ scenarios: [...SCENARIOS] });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
