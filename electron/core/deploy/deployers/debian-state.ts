/**
 * Debian: what a deployment reads from the machine before and after the install, each in one round trip. Every
 * command a deployment starts on the machine costs it CPU (sshd's channel, the login shell, `env`): with many
 * machines on few cores, that CPU is the deployment's wall time. Preflight used to run four commands (the checks,
 * the package list, the services, dpkg --audit) and verification three (services, facts, the package list);
 * here each is one script as the login user, plus dpkg --audit under sudo after preflight's script. The scripts
 * are the same constant texts the separate commands ran, one after the other, so each part reads what it read
 * before: the services as the login user (as the repair's check reads them), the busy check before any dpkg runs.
 */
import { parseDpkgQuery, DPKG_QUERY_FORMAT } from '../../platforms/apt-parse';
import { FACTS_SCRIPT, parseDebianFacts } from '../../platforms/debian';
import { runScript, splitSections } from '../../platforms/exec-util';
import type { Facts, InstalledPackage } from '../../platforms/platform';
import type { Remote } from '../../platforms/remote';
import { parsePreflight, parseServices, PREFLIGHT_SCRIPT, SERVICES_SCRIPT, type Preflight } from '../remote-checks';

// dpkg-query's own exit status travels in its own section: the script goes on after it, so a failed list cannot
// pass for an empty one.
const PACKAGES = `echo @@packages; dpkg-query -W -f='${DPKG_QUERY_FORMAT}'; rc=$?; echo @@packages-status; echo "$rc"`;

/** Preflight's checks, then every installed package, then the running services. */
export const DEBIAN_BEFORE_SCRIPT = `# patchwell:debian-deploy-before\n${PREFLIGHT_SCRIPT}${PACKAGES}\n${SERVICES_SCRIPT}`;

/** The running services, the facts (reboot flags, kernels), every installed package, and the boot id when asked. */
export const DEBIAN_AFTER_SCRIPT = `# patchwell:debian-deploy-after\n${SERVICES_SCRIPT}${FACTS_SCRIPT}${PACKAGES}
if [ "\${1:-}" = boot-id ]; then echo @@boot-id; read -r b < /proc/sys/kernel/random/boot_id && echo "$b"; fi
`;

export interface DebianBefore {
  pf: Preflight;
  installed: InstalledPackage[];
  services: string[];
}

export interface DebianAfter {
  services: string[];
  facts: Facts;
  installed: InstalledPackage[];
  /** Empty unless asked for. */
  bootId: string;
}

function packagesOf(sections: Map<string, string>, label: string): InstalledPackage[] {
  const status = (sections.get('packages-status') ?? '').trim();
  if (status !== '0') throw new Error(`dpkg-query -W on ${label} failed (exit ${status || 'unknown'})`);
  return parseDpkgQuery(sections.get('packages') ?? '');
}

export function parseDebianBefore(output: string, label: string): DebianBefore {
  return { pf: parsePreflight(output), installed: packagesOf(splitSections(output), label), services: parseServices(output) };
}

export function parseDebianAfter(output: string, label: string): DebianAfter {
  const sections = splitSections(output);
  return {
    services: parseServices(output),
    facts: parseDebianFacts(output),
    installed: packagesOf(sections, label),
    bootId: (sections.get('boot-id') ?? '').trim(),
  };
}

export async function readDebianBefore(remote: Remote): Promise<DebianBefore> {
  const r = await runScript(remote, 'debian-deploy-before', DEBIAN_BEFORE_SCRIPT, [], { timeoutMs: 120_000 });
  return parseDebianBefore(r.stdout, remote.label);
}

export async function readDebianAfter(remote: Remote, bootId: boolean): Promise<DebianAfter> {
  const r = await runScript(remote, 'debian-deploy-after', DEBIAN_AFTER_SCRIPT, bootId ? ['boot-id'] : [], { timeoutMs: 120_000 });
  return parseDebianAfter(r.stdout, remote.label);
}
