/**
 * Facts shared by the non-Debian Linux platforms: one constant script per platform (the kernel and reboot probes
 * differ) whose "@@section" output is parsed here.
 */
import { splitSections } from './exec-util';
import { parseOsRelease } from './os-release';
import type { Facts } from './platform';

/** Builds a facts script; `extra` is constant shell text from the platform module, never from a host. */
export function linuxFactsScript(name: string, extra: string): string {
  return `# patchwell:${name}
LC_ALL=C; export LC_ALL
echo @@os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
echo @@hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname
echo @@kernel; uname -r
echo @@arch; uname -m
echo @@uptime; cat /proc/uptime 2>/dev/null
echo @@btime; grep '^btime ' /proc/stat 2>/dev/null
echo @@modules; ls -1 /lib/modules 2>/dev/null
${extra}
echo @@end
`;
}

export interface LinuxFactsParts {
  facts: Facts;
  sections: Map<string, string>;
}

export function parseLinuxFacts(output: string): LinuxFactsParts {
  const sections = splitSections(output);
  const get = (k: string): string => (sections.get(k) ?? '').trim();
  const os = parseOsRelease(get('os-release'));
  const kernel = get('kernel');
  const uptime = Number(get('uptime').split(/\s+/)[0]);
  const btime = Number(/^btime (\d+)/.exec(get('btime'))?.[1]);
  const facts: Facts = {
    hostname: get('hostname'),
    osName: os.prettyName ?? os.name,
    osVersion: os.versionId,
    osId: os.id,
    osLike: os.idLike,
    kernel,
    arch: get('arch'),
    uptimeSeconds: get('uptime') !== '' && Number.isFinite(uptime) ? uptime : null,
    rebootRequired: false,
    rebootReasons: [],
    runningKernel: kernel,
  };
  if (Number.isFinite(btime) && btime > 0) facts.bootTime = new Date(btime * 1000).toISOString();
  return { facts, sections };
}

export function addRebootReason(facts: Facts, reason: string): void {
  facts.rebootReasons.push(reason);
  facts.rebootRequired = true;
}
