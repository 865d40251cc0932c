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
  DPKG_QUERY_FORMAT, newestKernelRelease, parseAptCachePolicy, parseAptSimulation, parseDpkgAudit, parseDpkgQuery,
  parseNameList, parseNeedrestartBatch,
} from './apt-parse';
import { errorMessage, run, runScript } from './exec-util';
import { aptProxyArgs } from './package-proxy';
import { addRebootReason, linuxFactsScript, parseLinuxFacts } from './linux-facts';
import type {
  ExactItem, Facts, Health, InstallResult, InstalledPackage, PackageState, PendingUpdate, PendingUpdatesOptions,
  PendingUpdatesResult, Platform,
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
  /** Makes sure the .debs of the given (currently installed) versions are in /var/cache/apt/archives. */
  ensureRollbackDebs(remote: Remote, items: readonly (ExactItem & { arch: string })[]): Promise<RollbackDebsResult>;
}

export interface RollbackDebsResult {
  present: string[];
  downloaded: string[];
  /** Of those downloaded, the ones apt-helper could not fetch, that went through the slower `apt-get download`. */
  viaAptGet: string[];
  /** Versions no configured repository still offers: a rollback to them needs another source of the .deb. */
  unavailable: string[];
}

/**
 * Root: for each "name:arch=version", keep /var/cache/apt/archives/name_version_arch.deb (epoch ":" → "%3a", as
 * apt names them); fetch it there when missing.
 *
 * The fast path runs no apt-cache or apt-get that opens apt's package cache: on a machine whose binary cache
 * (pkgcache.bin) is not current, each of those first parses every package list — measured on the lab, 1.2–1.4 s
 * of CPU and 80 MB written per machine, before the install's own apt-get — and a deployment pays it on every
 * machine at once. Instead: `apt-get update --print-uris` (no cache, no network) names each package list and the
 * URL it came from (not `apt-get indextargets`, which builds the cache first); grep finds the versions' records
 * (file name, SHA-256) in the lists themselves; one apt-helper run fetches every file and checks its checksum.
 * A file: repository's file is fetched through apt's copy: method,
 * so it is a real copy (the rollback still works when that repository is gone) that apt-helper checked. Whatever
 * the fast path cannot fetch (a compressed list, a record without SHA256, a flat repository laid out otherwise)
 * goes through `apt-get download` as before ("slow" lines say which); apt-get may warn that it ran unsandboxed
 * as root. Few processes are started: each costs several milliseconds of CPU on a busy machine.
 */
export const KEEP_DEBS_SCRIPT = `# patchwell:debian-keep-debs
set -u
LC_ALL=C; export LC_ALL
cd /var/cache/apt/archives || exit 70
# $fn: apt's cached file name of "name:arch=version" (epoch colons as %3a), in the shell alone.
deb_name() {
  _n=\${1%%=*}; _v=\${1#*=}; _e=
  while :; do case $_v in *:*) _e="$_e\${_v%%:*}%3a"; _v=\${_v#*:};; *) break;; esac; done
  fn="\${_n%%:*}_$_e\${_v}_\${_n#*:}.deb"
}
missing=
for spec in "$@"; do
  deb_name "$spec"
  if [ -f "$fn" ]; then echo "present $spec"; else missing="$missing $spec"; fi
done
[ -z "$missing" ] && exit 0
# Root's own directory in apt's cache, not mktemp: one process fewer, and no other user can write there.
tmp="partial/patchwell-keep-$$"
: > "$tmp" || exit 71
trap 'rm -f "$tmp" "$tmp.map" "$tmp.plan"' EXIT
uris=$(apt-get update --print-uris -o Debug::NoLocking=1 2>/dev/null)
# "<list file> <repository URL>" for every package list on the machine, in directory $1: a list under dists/
# belongs to the URL before it; a flat repository's to the URL of its directory.
map_lists() {
  printf '%s\\n' "$uris" | awk -v dir="$1" '
  { url = $1; gsub(/\\047/, "", url); name = $2 }
  name ~ /_Packages$/ && url ~ /\\/Packages(\\.[a-z0-9]+)?$/ {
    if (match(url, /^.*\\/dists\\//)) repo = substr(url, 1, RLENGTH - 6); else { repo = url; sub(/Packages(\\.[a-z0-9]+)?$/, "", repo) }
    print dir name, repo
  }' > "$tmp.map"
  found=0
  while read -r list repo; do [ -f "$list" ] && found=1; done < "$tmp.map"
}
# apt's default directory first; apt-config (a process that reads all of apt's configuration) only when none of
# the lists is there. A list found there while apt is configured elsewhere would be an old one: its record still
# names the file and its checksum, which apt-helper checks, and a file no longer served goes the slow way below.
map_lists /var/lib/apt/lists/
if [ "$found" = 0 ]; then
  lists=/var/lib/apt/lists/
  eval "$(apt-config shell lists Dir::State::lists/d 2>/dev/null)"
  map_lists "$lists"
fi
set --
while read -r list repo; do [ -f "$list" ] && set -- "$@" "$list"; done < "$tmp.map"
for spec in $missing; do n=\${spec%%=*}; printf 'Package: %s\\n' "\${n%%:*}"; done > "$tmp"
# "<spec> <url> <sha256> <file>": the first list's record of each missing version. A record's Filename and
# SHA256 come after its (possibly long) Description: 400 lines of context hold them.
if [ "$#" -gt 0 ]; then grep -H -F -x -A 400 -f "$tmp" "$@"; fi | awk -v want="$missing" '
  BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) if (w[i] != "") need[w[i]] = 1 }
  FNR == NR { r0 = $2; sub(/^file:/, "copy:", r0); repo[$1] = r0; next }
  function flush() {
    s = p ":" a "=" v
    if (p != "" && f != "" && h != "" && (s in need) && !(s in done)) {
      done[s] = 1; e = v; gsub(/:/, "%3a", e); print s, r f, h, p "_" e "_" a ".deb"
    }
    p = a = v = f = h = ""
  }
  $0 == "--" { flush(); next }
  {
    line = ""
    for (l in repo) if (substr($0, 1, length(l)) == l && index(":-", substr($0, length(l) + 1, 1))) { line = substr($0, length(l) + 2); cur = repo[l]; break }
  }
  line ~ /^Package: / { flush(); p = substr(line, 10); r = cur; next }
  line == "" { flush(); next }
  line ~ /^Architecture: / { a = substr(line, 15) }
  line ~ /^Version: / { v = substr(line, 10) }
  line ~ /^Filename: / { f = substr(line, 11) }
  line ~ /^SHA256: / { h = substr(line, 9) }
  END { flush() }' "$tmp.map" - > "$tmp.plan"
set --
parts=
while read -r spec url sum out; do
  set -- "$@" "$url" "partial/patchwell-$out" "SHA256:$sum"
  parts="$parts partial/patchwell-$out partial/patchwell-$out.FAILED"
done < "$tmp.plan"
# One rm for every leftover of an earlier run, and one after, each only when there is one: each process costs
# milliseconds on a busy machine.
leftover() { for f in $parts; do [ -e "$f" ] && return 0; done; return 1; }
# shellcheck disable=SC2086
leftover && rm -f $parts
verified=no
if [ "$#" -gt 0 ] && [ -x /usr/lib/apt/apt-helper ] && /usr/lib/apt/apt-helper download-file "$@" >/dev/null 2>&1; then verified=yes; fi
while read -r spec url sum out; do
  part="partial/patchwell-$out"
  # apt-helper checked every file when it succeeded as a whole; after a partial failure each file is checked here.
  if [ -f "$part" ] && { [ "$verified" = yes ] || [ "$(sha256sum < "$part" | cut -d ' ' -f 1)" = "$sum" ]; } && mv -f "$part" "$out"; then
    echo "downloaded $spec"
  fi
done < "$tmp.plan"
# shellcheck disable=SC2086
leftover && rm -f $parts
slow=
for spec in $missing; do deb_name "$spec"; [ -f "$fn" ] || slow="$slow $spec"; done
[ -z "$slow" ] && exit 0
# One apt-get for the rest (each run builds apt's dependency cache: on a slow machine that is most of the cost);
# if one version is gone from every repository that run fails as a whole, so then one at a time.
# shellcheck disable=SC2086
if ! apt-get download -q $slow >/dev/null 2>&1; then
  for spec in $slow; do apt-get download -q "$spec" >/dev/null 2>&1 || true; done
fi
for spec in $slow; do
  deb_name "$spec"
  if [ -f "$fn" ]; then echo "downloaded $spec"; echo "slow $spec"; else echo "unavailable $spec"; fi
done
`;

/** apt's file name for a cached .deb. */
export function debFileName(name: string, version: string, arch: string): string {
  return `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
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
  return { updates, held, warnings };
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
    async ensureRollbackDebs(remote, items) {
      validateItems(items);
      const r = await runScript(remote, 'debian-keep-debs', KEEP_DEBS_SCRIPT, items.map(spec), { sudo: true, timeoutMs: 30 * 60_000, proxy: true });
      const result: RollbackDebsResult = { present: [], downloaded: [], viaAptGet: [], unavailable: [] };
      for (const line of r.stdout.split('\n')) {
        const [status, s] = line.trim().split(' ');
        if (!s) continue;
        if (status === 'present' || status === 'downloaded' || status === 'unavailable') result[status].push(s);
        else if (status === 'slow') result.viaAptGet.push(s);
      }
      return result;
    },
  };
}

/** The Debian platform without a changelog cache (tests, one-off use); the app builds one with its cache. */
export const debian: DebianPlatform = createDebianPlatform();
