/**
 * Debian: what a deployment reads from the machine before and after the install, each in one round trip. Every
 * command a deployment starts on the machine costs it CPU (sshd's channel, the login shell, `env`): with many
 * machines on few cores, that CPU is the deployment's wall time. Preflight used to run four commands (the checks,
 * the package list, the services, dpkg --audit under sudo) and verification three (services, facts, the package
 * list); here each is one script as the login user, and dpkg --audit goes under sudo only where dpkg refuses the
 * user. Each part reads what it read before, in the same order: the busy check before any dpkg runs, the services
 * as the login user (as the repair's check reads them), the facts in the facts script's sections.
 */
import { DPKG_QUERY_FORMAT, parseDpkgAudit, parseDpkgQuery } from '../../platforms/apt-parse';
import { parseDebianFacts } from '../../platforms/debian';
import { runScript, splitSections } from '../../platforms/exec-util';
import type { Facts, Health, InstalledPackage } from '../../platforms/platform';
import type { Remote } from '../../platforms/remote';
import { parsePreflight, parseServices, PREFLIGHT_SCRIPT, SERVICES_SCRIPT, type Preflight } from '../remote-checks';

// dpkg-query's own exit status travels in its own section: the script goes on after it, so a failed list cannot
// pass for an empty one.
const PACKAGES = `echo @@packages; dpkg-query -W -f='${DPKG_QUERY_FORMAT}'; rc=$?; echo @@packages-status; echo "$rc"`;

/**
 * dpkg --audit as the login user: dpkg 1.21 (Debian 12) reads its database for it without root; an older one may
 * refuse ("unable to check lock file … Permission denied"), and then the deployment asks it under sudo as before.
 * Its stderr stays out of the text, whose every paragraph is a problem.
 */
const AUDIT = `echo @@audit; dpkg --audit 2>/dev/null; rc=$?; echo @@audit-status; echo "$rc"`;

/** Preflight's checks, then dpkg's audit, every installed package, and the running services. */
export const DEBIAN_BEFORE_SCRIPT = `# patchwell:debian-deploy-before\n${PREFLIGHT_SCRIPT}${AUDIT}\n${PACKAGES}\n${SERVICES_SCRIPT}`;

/**
 * The facts script's sections (platforms/debian.ts FACTS_SCRIPT), read with the shell's own `read` where a file
 * holds one line, so that verification starts two processes (uname -m, grep) where the facts script starts ten;
 * the installed kernels come from the package list read beside them (parseDebianAfter), not a dpkg-query of their own.
 */
const FACTS = `echo @@os-release; for f in /etc/os-release /usr/lib/os-release; do
  if [ -r "$f" ]; then while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$f"; break; fi
done
echo @@hostname; read -r h < /proc/sys/kernel/hostname && printf '%s\\n' "$h"
echo @@kernel; read -r k < /proc/sys/kernel/osrelease && printf '%s\\n' "$k"
echo @@arch; uname -m
echo @@uptime; read -r u < /proc/uptime && printf '%s\\n' "$u"
echo @@btime; grep '^btime ' /proc/stat 2>/dev/null
echo @@modules; for d in /lib/modules/*; do [ -e "$d" ] && printf '%s\\n' "\${d##*/}"; done
echo @@reboot-required; if [ -e /var/run/reboot-required ]; then echo yes; fi
echo @@reboot-required-pkgs; if [ -r /var/run/reboot-required.pkgs ]; then
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < /var/run/reboot-required.pkgs
fi
echo @@needrestart; if command -v needrestart >/dev/null 2>&1; then needrestart -b -r l 2>/dev/null; fi
echo @@end
`;

/** The running services, the facts (reboot flags, kernels), every installed package, and the boot id when asked. */
export const DEBIAN_AFTER_SCRIPT = `# patchwell:debian-deploy-after
set -u
LC_ALL=C; export LC_ALL
${SERVICES_SCRIPT}${FACTS}${PACKAGES}
if [ "\${1:-}" = boot-id ]; then echo @@boot-id; read -r b < /proc/sys/kernel/random/boot_id && echo "$b"; fi
`;

// The kernel images, as FACTS_SCRIPT's dpkg-query selects them ('linux-image-[0-9]*', 'linux-image-unsigned-[0-9]*').
const KERNEL_IMAGE = /^linux-image-(?:unsigned-)?[0-9]/;

export interface DebianBefore {
  pf: Preflight;
  installed: InstalledPackage[];
  services: string[];
  /** dpkg --audit's verdict; null when the login user could not run it (the caller asks it under sudo). */
  health: Health | null;
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

/** 0: healthy or not, as its text says; 1 with a text: problems. Anything else could not be read as this user. */
function auditOf(sections: Map<string, string>): Health | null {
  const status = (sections.get('audit-status') ?? '').trim();
  const text = sections.get('audit') ?? '';
  if (status !== '0' && !(status === '1' && text.trim() !== '')) return null;
  const problems = parseDpkgAudit(text).map((message) => ({ source: 'dpkg --audit', message }));
  return { ok: problems.length === 0, problems };
}

export function parseDebianBefore(output: string, label: string): DebianBefore {
  const sections = splitSections(output);
  return { pf: parsePreflight(output), installed: packagesOf(sections, label), services: parseServices(output), health: auditOf(sections) };
}

export function parseDebianAfter(output: string, label: string): DebianAfter {
  const sections = splitSections(output);
  const installed = packagesOf(sections, label);
  // The kernels section the facts parser reads, in dpkg-query's own lines, from the one package list.
  const kernels = (sections.get('packages') ?? '').split('\n').filter((l) => KERNEL_IMAGE.test(l));
  return {
    services: parseServices(output),
    facts: parseDebianFacts(`${output}\n@@kernels\n${kernels.join('\n')}\n`),
    installed,
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
