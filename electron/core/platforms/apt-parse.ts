/**
 * Parsers for the Debian/Ubuntu command outputs debian.ts reads: `apt-get -s dist-upgrade`, `dpkg-query -W`,
 * `apt-mark showhold`, `apt-cache policy`, `dpkg --audit`, `needrestart -b` and /var/run/reboot-required.pkgs.
 * All of them are run with LC_ALL=C, so the English markers below are stable.
 */
import { compareDebianVersions } from './debian-version';
import type { InstalledPackage } from './platform';

/** One "Label:Version/Archive" item from an Inst line, e.g. "Debian-Security:12/stable-security". */
export interface AptOrigin {
  label: string;
  version: string;
  archive: string;
}

export interface AptInstall {
  name: string;
  /** From "[amd64]" at the end of the candidate; "all" for arch-independent packages. */
  arch: string;
  installedVersion: string | null;
  candidateVersion: string;
  origins: AptOrigin[];
  isSecurity: boolean;
}

export interface AptSimulation {
  installs: AptInstall[];
  removals: string[];
  /** "The following packages have been kept back:" (held, or needing removals a plain upgrade won't do). */
  keptBack: string[];
  /** Ubuntu phased updates: "The following upgrades have been deferred due to phasing:". */
  deferred: string[];
}

// Inst name [installed] (candidate Origin:Ver/Archive, Origin2:Ver/Archive [arch]) [broken-by…]
const INST = /^Inst (\S+)(?: \[([^\]]*)\])? \((\S+)(?: (.*?))? \[([^\]]+)\]\)/;
const REMV = /^Remv (\S+)/;

export function parseOrigins(text: string): AptOrigin[] {
  const out: AptOrigin[] = [];
  for (const part of text.split(', ')) {
    const slash = part.lastIndexOf('/');
    const colon = part.indexOf(':');
    if (slash < 0 || colon < 0 || colon > slash) continue;
    out.push({ label: part.slice(0, colon), version: part.slice(colon + 1, slash), archive: part.slice(slash + 1) });
  }
  return out;
}

/** Security when an archive is a *-security pocket or the archive label says so (Debian-Security, …). */
export function isSecurityOrigin(o: AptOrigin): boolean {
  return /-security$/.test(o.archive) || /security/i.test(o.label);
}

function indentedList(lines: readonly string[], start: number): string[] {
  const names: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith(' ')) break;
    names.push(...line.trim().split(/\s+/).filter(Boolean));
  }
  return names;
}

export function parseAptSimulation(text: string): AptSimulation {
  const lines = text.split('\n');
  const sim: AptSimulation = { installs: [], removals: [], keptBack: [], deferred: [] };
  lines.forEach((line, i) => {
    const inst = INST.exec(line);
    if (inst) {
      const [, rawName = '', installed, candidate = '', origins = '', arch = ''] = inst;
      const [name = rawName] = rawName.split(':');
      const parsed = parseOrigins(origins);
      sim.installs.push({
        name,
        arch,
        installedVersion: installed ?? null,
        candidateVersion: candidate,
        origins: parsed,
        isSecurity: parsed.some(isSecurityOrigin),
      });
      return;
    }
    const remv = REMV.exec(line);
    if (remv?.[1]) sim.removals.push(remv[1].split(':')[0] ?? remv[1]);
    else if (line.startsWith('The following packages have been kept back:')) sim.keptBack.push(...indentedList(lines, i));
    else if (line.startsWith('The following upgrades have been deferred due to phasing:')) sim.deferred.push(...indentedList(lines, i));
  });
  return sim;
}

/** The dpkg-query format debian.ts asks for: package, arch, version, status abbreviation. */
export const DPKG_QUERY_FORMAT = '${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n';

/**
 * Parses dpkg-query lines. Keeps packages whose status is installed or in a half state (unpacked,
 * half-configured, triggers…), drops "not installed" and "config-files only" (rc) rows.
 */
export function parseDpkgQuery(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const line of text.split('\n')) {
    const [name, arch, version, abbrev] = line.split('\t');
    if (!name || !arch || version === undefined || !abbrev) continue;
    const status = abbrev[1];
    if (status === undefined || status === 'n' || status === 'c') continue;
    const state = abbrev.trimEnd();
    out.push(state === 'ii' ? { name, arch, version } : { name, arch, version, state });
  }
  return out;
}

export function parseNameList(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (name && /^[a-z0-9][a-z0-9+.:-]*$/.test(name)) names.add(name.split(':')[0] ?? name);
  }
  return [...names];
}

export interface AptPolicy {
  installed: string | null;
  candidate: string | null;
  /** "bookworm-security/main"-style suites the candidate is offered from. */
  candidateSuites: string[];
}

/** Parses `apt-cache policy pkg…` (used for held packages, which the upgrade simulation leaves out). */
export function parseAptCachePolicy(text: string): Map<string, AptPolicy> {
  const out = new Map<string, AptPolicy>();
  let current: AptPolicy | null = null;
  let inCandidate = false;
  for (const line of text.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head?.[1]) {
      current = { installed: null, candidate: null, candidateSuites: [] };
      out.set(head[1].split(':')[0] ?? head[1], current);
      inCandidate = false;
      continue;
    }
    if (!current) continue;
    const kv = /^ {2}(Installed|Candidate): (.*)$/.exec(line);
    if (kv) {
      const value = kv[2] === '(none)' ? null : (kv[2] ?? null);
      if (kv[1] === 'Installed') current.installed = value;
      else current.candidate = value;
      continue;
    }
    const ver = /^ {5}(?:\*\*\* )?(\S+) -?\d+$/.exec(line.replace(/^ \*\*\* /, '     *** '));
    if (ver) {
      inCandidate = ver[1] === current.candidate;
      continue;
    }
    const src = /^ {8}-?\d+ \S+ (\S+) \S+ Packages$/.exec(line);
    if (src?.[1] && inCandidate) current.candidateSuites.push(src[1]);
  }
  return out;
}

/** `dpkg --audit` prints nothing when healthy; otherwise paragraphs, each naming a problem and its packages. */
export function parseDpkgAudit(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim().replace(/\s*\n\s*/g, ' '))
    .filter(Boolean);
}

export interface NeedrestartBatch {
  version: string | null;
  kernelCurrent: string | null;
  kernelExpected: string | null;
  /** 0 unknown, 1 current, 2 ABI-compatible upgrade pending, 3 version upgrade pending. */
  kernelStatus: number | null;
  /** 0 unknown, 1 current, 2 microcode update pending. */
  microcodeStatus: number | null;
  services: string[];
  containers: string[];
  sessions: string[];
}

/** Parses `needrestart -b` (apt-dater protocol lines "NEEDRESTART-KEY: value"). */
export function parseNeedrestartBatch(text: string): NeedrestartBatch {
  const r: NeedrestartBatch = {
    version: null, kernelCurrent: null, kernelExpected: null, kernelStatus: null, microcodeStatus: null,
    services: [], containers: [], sessions: [],
  };
  for (const line of text.split('\n')) {
    const m = /^NEEDRESTART-([A-Z]+):\s*(.*?)\s*$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const v = m[2];
    const num = /^\d+/.exec(v) ? Number(/^\d+/.exec(v)?.[0]) : null;
    switch (m[1]) {
      case 'VER': r.version = v; break;
      case 'KCUR': r.kernelCurrent = v; break;
      case 'KEXP': r.kernelExpected = v; break;
      case 'KSTA': r.kernelStatus = num; break;
      case 'UCSTA': r.microcodeStatus = num; break;
      case 'SVC': r.services.push(v); break;
      case 'CONT': r.containers.push(v); break;
      case 'SESS': r.sessions.push(v); break;
      default: break;
    }
  }
  return r;
}

/**
 * The newest installed kernel release from dpkg-query rows of linux-image-<release> packages (Debian
 * "linux-image-6.1.0-18-amd64", Ubuntu "linux-image-5.15.0-91-generic", signed or "-unsigned" variants).
 */
export function newestKernelRelease(rows: readonly InstalledPackage[]): string | undefined {
  let best: { release: string; version: string } | undefined;
  for (const row of rows) {
    if (row.state !== undefined) continue; // only fully installed kernels can be booted
    const m = /^linux-image-(?:unsigned-)?(\d.*?)(?:-unsigned)?$/.exec(row.name);
    if (!m?.[1]) continue;
    if (!best || compareDebianVersions(row.version, best.version) > 0) best = { release: m[1], version: row.version };
  }
  return best?.release;
}
