/**
 * Alpine Linux (apk-tools 2.x). Pending updates come from `apk list --upgradable` (name-version, arch, origin,
 * "[upgradable from: name-oldversion]"), falling back to `apk version -l '<'` on older apk. apk carries no
 * advisory data, so updates are never marked security here; Alpine's secdb would have to be joined in by intel/.
 */
import { errorMessage, run, runScript } from './exec-util';
import { addRebootReason, linuxFactsScript, parseLinuxFacts } from './linux-facts';
import type { ExactItem, Facts, InstallResult, InstalledPackage, PackageState, PendingUpdate, Platform } from './platform';
import { tail, type Remote } from './remote';
import { assertValid, isApkName, isApkVersion } from './validate';

export const ALPINE_FACTS_SCRIPT = linuxFactsScript('alpine-facts', '');

/** Splits "name-1.2.3-r4" into name and version (apk versions always end in -r<N>). */
export function splitApkNameVersion(token: string): { name: string; version: string } | null {
  const m = /^(.+?)-(\d[^-]*-r\d+)$/.exec(token.trim());
  return m?.[1] && m[2] ? { name: m[1], version: m[2] } : null;
}

/** `apk info -v`: one "name-version" per line (WARNING lines about unreachable repositories are skipped). */
export function parseApkInfo(text: string): InstalledPackage[] {
  return text.split('\n').flatMap((l) => {
    const p = l.startsWith('WARNING') ? null : splitApkNameVersion(l);
    return p ? [{ name: p.name, arch: '', version: p.version }] : [];
  });
}

const UPGRADABLE = /^(\S+) (\S+) \{([^}]*)\} \(([^)]*)\) \[upgradable from: (\S+)\]$/;

export function parseApkListUpgradable(text: string): PendingUpdate[] {
  return text.split('\n').flatMap((line) => {
    const m = UPGRADABLE.exec(line.trim());
    if (!m) return [];
    const cand = splitApkNameVersion(m[1] ?? '');
    const old = splitApkNameVersion(m[5] ?? '');
    if (!cand) return [];
    return [{
      name: cand.name, arch: m[2] ?? '', installedVersion: old?.version ?? null, candidateVersion: cand.version,
      source: m[3] ? `origin ${m[3]}` : null, suites: [], isSecurity: false, advisories: [], cves: [], severity: null,
      kind: 'package' as const,
    }];
  });
}

/** `apk version -l '<'`: "Installed: Available:" header, then "name-oldver   < newver". */
export function parseApkVersion(text: string): PendingUpdate[] {
  return text.split('\n').flatMap((line) => {
    const m = /^(\S+)\s+<\s+(\S+)\s*$/.exec(line.trim());
    const old = m ? splitApkNameVersion(m[1] ?? '') : null;
    if (!m || !old) return [];
    return [{
      name: old.name, arch: '', installedVersion: old.version, candidateVersion: m[2] ?? '', source: null, suites: [],
      isSecurity: false, advisories: [], cves: [], severity: null, kind: 'package' as const,
    }];
  });
}

export function parseAlpineFacts(output: string): Facts {
  const { facts, sections } = parseLinuxFacts(output);
  // An apk kernel upgrade replaces /lib/modules/<old> with the new release, so a running kernel without its
  // modules directory means a newer kernel is installed and waiting for a reboot.
  const modules = (sections.get('modules') ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
  if (modules.length > 0 && !modules.includes(facts.runningKernel)) {
    facts.newestKernel = modules.sort().at(-1);
    addRebootReason(facts, `running kernel ${facts.runningKernel} has no /lib/modules directory (installed: ${modules.join(', ')})`);
  }
  return facts;
}

/**
 * Root: `apk add` of exact versions ("name=version" or a package file) that leaves /etc/apk/world as it was. apk
 * records what it is asked to add in world, so `name=version` would pin the package there (no later `apk upgrade`
 * would move it) and make a dependency look wanted for itself; the machine's own constraints are put back after
 * the run, whatever its outcome. apk's exit code is the script's.
 */
/**
 * The end of a script that runs `apk add "$@"` and leaves /etc/apk/world as it was: `apk add name=version`
 * writes that pin into world, and a deployed package would then be stuck at its version. Needs $world set.
 */
export const APK_ADD_KEEPING_WORLD = `saved=$(mktemp "$world.patchwell.XXXXXX") || exit 70
cat "$world" > "$saved" || { rm -f "$saved"; exit 70; }
apk add --no-interactive "$@"
rc=$?
cat "$saved" > "$world" && rm -f "$saved"
exit $rc
`;

export const APK_ADD_SCRIPT = `# patchwell:apk-add
set -u
LC_ALL=C; export LC_ALL
world=/etc/apk/world
${APK_ADD_KEEPING_WORLD}`;

async function snapshot(remote: Remote, names: readonly string[]): Promise<PackageState[]> {
  for (const n of names) assertValid('apk package name', n, isApkName);
  const installed = parseApkInfo((await run(remote, ['apk', 'info', '-v'])).stdout);
  return names.map((name) => ({ name, arch: null, version: installed.find((p) => p.name === name)?.version ?? null }));
}

async function install(remote: Remote, items: readonly ExactItem[]): Promise<InstallResult> {
  for (const i of items) {
    assertValid('apk package name', i.name, isApkName);
    assertValid('apk version', i.version, isApkVersion);
  }
  const result = await remote.script(APK_ADD_SCRIPT, items.map((i) => `${i.name}=${i.version}`), { sudo: true, timeoutMs: 60 * 60_000, env: { LC_ALL: 'C', LANG: 'C' } });
  const after = await snapshot(remote, items.map((i) => i.name));
  const failed = items.flatMap((i) => {
    const now = after.find((a) => a.name === i.name)?.version ?? null;
    return now === i.version ? [] : [{ name: i.name, requested: i.version, installed: now }];
  });
  return {
    ok: result.code === 0 && failed.length === 0, exitCode: result.code, timedOut: result.timedOut, failed, after,
    errors: `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => /^ERROR:|^\s+breaks:|unable to select/.test(l)).slice(0, 50),
    stdoutTail: tail(result.stdout, 40, 8000), stderrTail: tail(result.stderr, 20, 4000),
  };
}

export const alpine: Platform = {
  id: 'alpine',
  async facts(remote) {
    return parseAlpineFacts((await runScript(remote, 'alpine-facts', ALPINE_FACTS_SCRIPT)).stdout);
  },
  async installedPackages(remote) {
    return parseApkInfo((await run(remote, ['apk', 'info', '-v'])).stdout);
  },
  async pendingUpdates(remote, options = {}) {
    const warnings: string[] = [];
    if (options.refresh) {
      try {
        await run(remote, ['apk', 'update', '-q'], { sudo: true, timeoutMs: 10 * 60_000 });
      } catch (e) {
        warnings.push(`apk update failed: ${errorMessage(e)}`);
      }
    }
    const list = await remote.exec(['apk', 'list', '--upgradable'], { env: { LC_ALL: 'C', LANG: 'C', DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l' } });
    const updates = list.code === 0
      ? parseApkListUpgradable(list.stdout)
      : parseApkVersion((await run(remote, ['apk', 'version', '-l', '<'])).stdout);
    // apk has no holds; "pinned" packages are those in /etc/apk/world with "=" or "~" constraints, not reported here.
    return { updates, held: [], warnings };
  },
  async health(remote) {
    // `apk fix --simulate` lists packages whose installation is broken and would be repaired.
    const r = await run(remote, ['apk', 'fix', '--simulate'], { sudo: true, okCodes: [0, 1] });
    const problems = r.stdout.split('\n').filter((l) => /^\(\d+\/\d+\)/.test(l.trim())).map((message) => ({ source: 'apk fix --simulate', message: message.trim() }));
    return { ok: problems.length === 0 && r.code === 0, problems };
  },
  packageStateSnapshot: snapshot,
  installExact: install,
  downgradeExact: install,
};
