/**
 * The Debian/Ubuntu platform: facts, installed packages, pending updates (with each update's suite and the CVEs and
 * urgency its changelog lists), dpkg health, exact-version install/downgrade, and keeping the .debs a rollback needs.
 *
 * Pending updates come from `apt-get -s -o Debug::NoLocking=1 dist-upgrade`, not `apt list --upgradable`: apt's
 * own docs call `apt`'s output unstable for scripts, while the simulation's "Inst" lines are what apt-get has
 * printed for two decades, need no root (NoLocking), give installed and candidate version, and name every
 * origin of the candidate ("Debian-Security:12/stable-security"), which is what "is this a security update" needs.
 * dist-upgrade rather than upgrade, because that is what we will install: it includes updates needing new deps.
 */
import { entriesNewerThan, summarizeEntries } from './debian-changelog';
import { fetchChangelogs, type ChangelogCache, type FetchChangelogsOptions } from './debian-changelog-fetch';
import {
  debFileName, debSpec, keepDebsArgs, KEEP_DEBS_SCRIPT, parseKeepDebs, parseResolvedDebs, resolveDebsArgs, RESOLVE_DEBS_SCRIPT,
  type DebSource, type RollbackDebsResult,
} from './debian-rollback-debs';
import {
  DPKG_QUERY_FORMAT, newestKernelRelease, parseAptCachePolicy, parseAptSimulation, parseDpkgAudit, parseDpkgQuery,
  parseNameList, parseNeedrestartBatch,
} from './apt-parse';
import { errorMessage, run, runScript } from './exec-util';
import { aptProxyArgs } from './package-proxy';
import { addRebootReason, linuxFactsScript, parseLinuxFacts } from './linux-facts';
import type {
  ExactItem, Facts, Health, InstallResult, InstalledPackage, PackageState, PendingUpdate, PendingUpdatesOptions,
  PendingUpdatesResult, Platform, RollbackDebLookup,
} from './platform';
import { rethrowIfLost, tail, type ExecResult, type Remote } from './remote';
import { assertValid, isDebianArch, isDebianPackageName, isDebianVersion } from './validate';

/** One round trip for everything facts need; each section is allowed to be empty (missing file or tool). */
export const FACTS_SCRIPT = linuxFactsScript(
  'debian-facts',
  `echo @@reboot-required; if [ -e /var/run/reboot-required ]; then echo yes; fi
echo @@reboot-required-pkgs; cat /var/run/reboot-required.pkgs 2>/dev/null
echo @@kernels; dpkg-query -W -f='\${Package}\\t\${Architecture}\\t\${Version}\\t\${db:Status-Abbrev}\\n' 'linux-image-[0-9]*' 'linux-image-unsigned-[0-9]*' 2>/dev/null
echo @@needrestart; if command -v needrestart >/dev/null 2>&1; then needrestart -b -r l 2>/dev/null; fi`,
);

/** Builds Facts from the facts script's sections; exported for tests on recorded output. */
export function parseDebianFacts(output: string): Facts {
  // The common Linux facts, then what only Debian tells: its reboot flag, its kernels, needrestart.
  const { facts, sections } = parseLinuxFacts(output);
  const get = (k: string): string => (sections.get(k) ?? '').trim();
  const kernel = facts.kernel;
  const pkgs = parseNameList(get('reboot-required-pkgs'));
  if (get('reboot-required') === 'yes') {
    addRebootReason(facts, pkgs.length ? `/var/run/reboot-required (${pkgs.join(', ')})` : '/var/run/reboot-required');
  }
  const newestKernel = newestKernelRelease(parseDpkgQuery(get('kernels')));
  if (newestKernel && newestKernel !== kernel) addRebootReason(facts, `running kernel ${kernel}, newest installed ${newestKernel}`);
  const nr = parseNeedrestartBatch(get('needrestart'));
  if (nr.kernelStatus === 2 || nr.kernelStatus === 3) {
    addRebootReason(facts, `needrestart: kernel ${nr.kernelCurrent ?? '?'} → ${nr.kernelExpected ?? '?'} pending`);
  }
  if (nr.microcodeStatus === 2) addRebootReason(facts, 'needrestart: CPU microcode update pending');
  if (newestKernel) facts.newestKernel = newestKernel;
  if (nr.version !== null) facts.servicesNeedingRestart = nr.services;
  return facts;
}

export interface DebianOptions {
  /** Where changelog summaries are kept between assessments; without one every assessment downloads again. */
  changelogCache?: ChangelogCache;
  /** Read CVEs/urgency from candidate changelogs (default true). */
  changelogs?: boolean;
  /** The core's reader of .debs the office cache holds (FetchChangelogsOptions.fromRepository). */
  fromRepository?: FetchChangelogsOptions['fromRepository'];
}

export interface DebianPlatform extends Platform {
  /**
   * Makes sure the .debs of the given (currently installed) versions are in /var/cache/apt/archives; `sources`
   * ("name:arch=version" → URL and SHA-256, as the assessment found them) spares the machine the lookup.
   */
  ensureRollbackDebs(remote: Remote, items: readonly (ExactItem & { arch: string })[], sources?: ReadonlyMap<string, DebSource>): Promise<RollbackDebsResult>;
}

function validateItems(items: readonly ExactItem[]): void {
  for (const i of items) {
    assertValid('Debian package name', i.name, isDebianPackageName);
    assertValid('Debian version', i.version, isDebianVersion);
    if (i.arch !== undefined) assertValid('Debian architecture', i.arch, isDebianArch);
  }
}

function spec(i: ExactItem): string {
  return `${i.name}${i.arch ? `:${i.arch}` : ''}=${i.version}`;
}

/** The line between apt-get's output and the versions after it (APT_INSTALL_SCRIPT). */
const AFTER_MARKER = '@@patchwell-installed-versions';

/** Pulls apt/dpkg error lines and the packages they blame out of an install run. */
export function parseAptInstallErrors(text: string): { errors: string[]; failedPackages: string[]; notFound: string[]; wouldRemove: boolean } {
  const errors: string[] = [];
  const failed = new Set<string>();
  const notFound = new Set<string>();
  for (const line of text.split('\n')) {
    if (/^(E|W): /.test(line) || /^dpkg: error/.test(line)) errors.push(line.trim());
    const dp = /^dpkg: error processing (?:package|archive) (\S+)/.exec(line);
    if (dp?.[1]) failed.add(dp[1].split(':')[0] ?? dp[1]);
    const nf = /^E: Version '([^']*)' for '([^']*)' was not found/.exec(line) ?? /^E: Unable to locate package (\S+)/.exec(line);
    if (nf) notFound.add((nf[2] ?? nf[1] ?? '').split(':')[0] ?? '');
  }
  return {
    errors: errors.slice(0, 50),
    failedPackages: [...failed],
    notFound: [...notFound].filter(Boolean),
    // What apt prints when --no-remove stopped it (apt-private/private-install.cc).
    wouldRemove: /^E: Packages need to be removed but remove is disabled\./m.test(text),
  };
}

async function snapshot(remote: Remote, names: readonly string[]): Promise<PackageState[]> {
  for (const n of names) assertValid('Debian package name', n.split(':')[0] ?? n, isDebianPackageName);
  if (names.length === 0) return [];
  // Exit 1 just means some names are not installed: those come back with version null.
  const r = await run(remote, ['dpkg-query', '-W', `-f=${DPKG_QUERY_FORMAT}`, '--', ...names], { okCodes: [0, 1] });
  return statesOf(names, parseDpkgQuery(r.stdout));
}

/** The state of each "name" or "name:arch" in dpkg-query's rows; a name without a row is not installed. */
function statesOf(names: readonly string[], rows: readonly InstalledPackage[]): PackageState[] {
  return names.map((n) => {
    const [name = n, arch] = n.split(':');
    const row = rows.find((x) => x.name === name && (!arch || x.arch === arch));
    return { name, arch: row?.arch ?? arch ?? null, version: row?.version ?? null };
  });
}

/**
 * Root: apt-get with the arguments after the first $1 ones, then the versions of those $1 packages, in one sudo run
 * (a second command was one more sshd channel, shell and env on every machine). The versions follow a marker line
 * apt never prints; apt-get's exit status is the script's.
 */
export const APT_INSTALL_SCRIPT = `# patchwell:debian-apt-install
set -f
k=$1; shift; names=
while [ "$k" -gt 0 ]; do names="$names $1"; shift; k=$((k - 1)); done
apt-get "$@"
rc=$?
echo; echo "${AFTER_MARKER}"
# shellcheck disable=SC2086
dpkg-query -W -f='${DPKG_QUERY_FORMAT}' -- $names
exit "$rc"
`;

async function aptInstall(remote: Remote, items: readonly ExactItem[], downgrade: boolean): Promise<InstallResult> {
  validateItems(items);
  // --no-remove: an exact version whose dependencies conflict with what is installed must fail, not make
  // apt remove other packages on its own (with -y nothing would ask first).
  const base = [...aptProxyArgs(remote), 'install', '-y', '-q', '--no-install-recommends', '--no-remove',
    '-o', 'Dpkg::Options::=--force-confold', '-o', 'Dpkg::Options::=--force-confdef'];
  if (downgrade) base.push('--allow-downgrades');
  const names = items.map((i) => (i.arch ? `${i.name}:${i.arch}` : i.name));
  const exec = async (targets: string[]): Promise<{ result: ExecResult; versions: string | null }> => {
    const r = await remote.script(APT_INSTALL_SCRIPT, [String(names.length), ...names, ...base, ...targets], {
      sudo: true, timeoutMs: 60 * 60_000,
      env: { LC_ALL: 'C', LANG: 'C', DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l' },
    });
    const at = r.stdout.lastIndexOf(`\n${AFTER_MARKER}\n`);
    // A run cut short (timeout, lost connection) or cut at the output cap has no complete list: read it again.
    if (at < 0 || r.truncated) return { result: r, versions: null };
    return { result: { ...r, stdout: r.stdout.slice(0, at) }, versions: r.stdout.slice(at + AFTER_MARKER.length + 2) };
  };
  let { result, versions } = await exec(items.map(spec));
  let parsed = parseAptInstallErrors(`${result.stdout}\n${result.stderr}`);
  // A rollback target that no repository offers any more can still be installed from apt's cache by path.
  if (downgrade && result.code !== 0 && parsed.notFound.length > 0) {
    const targets = items.map((i) => parsed.notFound.includes(i.name) && i.arch
      ? `/var/cache/apt/archives/${debFileName(i.name, i.version, i.arch)}`
      : spec(i));
    ({ result, versions } = await exec(targets));
    parsed = parseAptInstallErrors(`${result.stdout}\n${result.stderr}`);
  }
  const after = versions === null ? await snapshot(remote, names) : statesOf(names, parseDpkgQuery(versions));
  const failed = items.flatMap((i) => {
    const now = after.find((a) => a.name === i.name)?.version ?? null;
    if (now === i.version) return [];
    const reason = parsed.notFound.includes(i.name) ? 'version not available'
      : parsed.failedPackages.includes(i.name) ? 'dpkg failed'
        : parsed.wouldRemove ? 'apt would have removed other packages' : undefined;
    return [{ name: i.name, requested: i.version, installed: now, ...(reason ? { reason } : {}) }];
  });
  return {
    ok: result.code === 0 && !result.timedOut && failed.length === 0,
    exitCode: result.code,
    timedOut: result.timedOut,
    failed,
    errors: parsed.errors,
    after,
    stdoutTail: tail(result.stdout, 40, 8000),
    stderrTail: tail(result.stderr, 20, 4000),
  };
}

async function pendingUpdates(
  remote: Remote,
  options: PendingUpdatesOptions,
  debianOptions: DebianOptions,
): Promise<PendingUpdatesResult> {
  const warnings: string[] = [];
  if (options.refresh) {
    try {
      await run(remote, ['apt-get', ...aptProxyArgs(remote), 'update', '-q'], { sudo: true, timeoutMs: 15 * 60_000 });
    } catch (e) {
      rethrowIfLost(e);
      warnings.push(`apt-get update failed, using the package lists already on the host: ${errorMessage(e)}`);
    }
  }
  const sim = parseAptSimulation(
    (await run(remote, ['apt-get', '-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], { timeoutMs: 5 * 60_000 })).stdout,
  );
  const held = parseNameList((await run(remote, ['apt-mark', 'showhold'])).stdout);

  const updates: PendingUpdate[] = sim.installs.map((i) => ({
    name: i.name,
    arch: i.arch,
    installedVersion: i.installedVersion,
    candidateVersion: i.candidateVersion,
    source: i.origins.map((o) => `${o.label}:${o.version}/${o.archive}`).join(', ') || null,
    suites: [...new Set(i.origins.map((o) => o.archive))],
    isSecurity: i.isSecurity,
    advisories: [],
    cves: [],
    severity: null,
    kind: 'package',
  }));

  // Held or kept-back packages are missing from the simulation; ask apt-cache what they would get.
  const blocked = [...new Set([...held, ...sim.keptBack, ...sim.deferred])].filter(isDebianPackageName);
  if (blocked.length > 0) {
    try {
      const policy = parseAptCachePolicy((await run(remote, ['apt-cache', 'policy', '--', ...blocked])).stdout);
      for (const name of blocked) {
        const p = policy.get(name);
        if (!p?.candidate || !p.installed || p.candidate === p.installed) continue;
        updates.push({
          name, arch: '', installedVersion: p.installed, candidateVersion: p.candidate, source: p.candidateSuites.join(', ') || null,
          suites: p.candidateSuites.map((s) => s.split('/')[0] ?? s), isSecurity: p.candidateSuites.some((s) => /-security\//.test(s)),
          advisories: [], cves: [], severity: null, held: true, kind: 'package',
        });
      }
    } catch (e) {
      rethrowIfLost(e);
      warnings.push(`could not read candidates of held packages: ${errorMessage(e)}`);
    }
  }
  if (sim.removals.length > 0) warnings.push(`the upgrade would remove: ${sim.removals.join(', ')}`);
  const rollbackDebs = options.rollbackDebsKnown ? await lookUpRollbackDebs(remote, updates, options.rollbackDebsKnown, warnings) : undefined;

  if (debianOptions.changelogs !== false && updates.length > 0) {
    const { infos, warnings: w } = await fetchChangelogs(
      remote, updates.map((u) => ({ name: u.name, version: u.candidateVersion })),
      { cache: debianOptions.changelogCache, ...(debianOptions.fromRepository ? { fromRepository: debianOptions.fromRepository } : {}) },
    );
    warnings.push(...w);
    for (const u of updates) {
      const info = infos.get(`${u.name}=${u.candidateVersion}`);
      if (!info || info.status !== 'ok') continue;
      const summary = summarizeEntries(entriesNewerThan(info.entries, u.installedVersion));
      u.cves = summary.cves;
      u.severity = summary.urgency;
      if (summary.entryCount > 0) {
        u.advisories.push({ id: null, cves: summary.cves, severity: summary.urgency, publishedAt: summary.newestDate, origin: 'changelog' });
      }
    }
  }
  return { updates, held, warnings, ...(rollbackDebs ? { rollbackDebs } : {}) };
}

/**
 * Where the installed version of each pending update can be fetched, for the deployment that keeps it for a
 * rollback: one script as the login user, for the versions the core does not know yet (usually none after the
 * first assessment). Held updates (no architecture in apt-cache policy) are left to the deployment's own lookup.
 */
async function lookUpRollbackDebs(remote: Remote, updates: readonly PendingUpdate[], known: ReadonlySet<string>, warnings: string[]): Promise<RollbackDebLookup[]> {
  const items = new Map<string, { name: string; arch: string; version: string }>();
  for (const u of updates) {
    const version = u.installedVersion;
    if (!version || !u.arch || version === u.candidateVersion) continue;
    if (!isDebianPackageName(u.name) || !isDebianArch(u.arch) || !isDebianVersion(version)) continue;
    const item = { name: u.name, arch: u.arch, version };
    const key = debSpec(item);
    if (!known.has(key)) items.set(key, item);
  }
  if (items.size === 0) return [];
  try {
    const list = [...items.values()];
    const r = await runScript(remote, 'debian-resolve-debs', RESOLVE_DEBS_SCRIPT, resolveDebsArgs(list), { timeoutMs: 5 * 60_000 });
    const found = parseResolvedDebs(r.stdout, [...items.keys()]);
    return list.map((i) => {
      const f = found.get(debSpec(i));
      return { ...i, url: f?.url ?? null, sha256: f?.sha256 ?? null };
    });
  } catch (e) {
    rethrowIfLost(e);
    warnings.push(`could not look up the installed versions' packages for a rollback (a deployment will look them up itself): ${errorMessage(e)}`);
    return [];
  }
}

const STATUS_WORDS: Readonly<Record<string, string>> = {
  U: 'unpacked but not configured',
  F: 'half-configured',
  H: 'half-installed',
  W: 'awaiting trigger processing',
  t: 'with triggers pending',
};

/** Packages dpkg left part-way (the cases dpkg --audit reports), from their db:Status-Abbrev. */
export function unhealthyStates(packages: readonly InstalledPackage[]): string[] {
  const out: string[] = [];
  for (const p of packages) {
    if (!p.state) continue;
    const status = p.state[1] ?? '';
    const error = p.state[2] ?? '';
    if (status !== 'i' && STATUS_WORDS[status]) out.push(`${p.name} ${p.version} is ${STATUS_WORDS[status]}`);
    else if (error === 'R') out.push(`${p.name} ${p.version} needs to be reinstalled`);
  }
  return out;
}

export function createDebianPlatform(debianOptions: DebianOptions = {}): DebianPlatform {
  return {
    id: 'debian',
    async facts(remote) {
      return parseDebianFacts((await runScript(remote, 'debian-facts', FACTS_SCRIPT)).stdout);
    },
    async installedPackages(remote): Promise<InstalledPackage[]> {
      return parseDpkgQuery((await run(remote, ['dpkg-query', '-W', `-f=${DPKG_QUERY_FORMAT}`], { timeoutMs: 120_000 })).stdout);
    },
    pendingUpdates: (remote, options = {}) => pendingUpdates(remote, options, debianOptions),
    async health(remote): Promise<Health> {
      // dpkg --audit checks the database lock, which only root may open on a stock Debian ("unable to check
      // lock file … Permission denied"). Without sudo, the same status database is read through dpkg-query.
      try {
        const audit = await run(remote, ['dpkg', '--audit'], { sudo: true, okCodes: [0, 1] });
        const problems = parseDpkgAudit(audit.stdout).map((message) => ({ source: 'dpkg --audit', message }));
        return { ok: problems.length === 0, problems };
      } catch (e) {
        rethrowIfLost(e);
        const query = await run(remote, ['dpkg-query', '-W', `-f=${DPKG_QUERY_FORMAT}`], { timeoutMs: 120_000 });
        const problems = unhealthyStates(parseDpkgQuery(query.stdout)).map((message) => ({ source: 'dpkg-query (no sudo)', message }));
        return { ok: problems.length === 0, problems };
      }
    },
    packageStateSnapshot: snapshot,
    installExact: (remote, items) => aptInstall(remote, items, false),
    downgradeExact: (remote, items) => aptInstall(remote, items, true),
    async ensureRollbackDebs(remote, items, sources) {
      const r = await runScript(remote, 'debian-keep-debs', KEEP_DEBS_SCRIPT, keepDebsArgs(items, sources), { sudo: true, timeoutMs: 30 * 60_000, proxy: true });
      return parseKeepDebs(r.stdout);
    },
  };
}

/** The Debian platform without a changelog cache (tests, one-off use); the app builds one with its cache. */
export const debian: DebianPlatform = createDebianPlatform();
