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
import { fetchChangelogs, type ChangelogCache } from './debian-changelog-fetch';
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
import { rethrowIfLost, tail, type Remote } from './remote';
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
 * The fast path reads where each version comes from (apt-cache policy) and its file name and SHA-256
 * (apt-cache show), then fetches each file with apt-helper and checks the checksum: apt-cache and apt-helper
 * only map apt's cache, while apt-get builds its whole dependency cache first, which costs several times as
 * much CPU (measured on the lab: ~165 ms for one `apt-get download` against ~20 ms per apt-cache call) — and a
 * deployment pays it on every machine at once. A file: repository's file is copied, never linked, so the
 * rollback still works when that repository is gone. Whatever the fast path cannot fetch goes through
 * `apt-get download` as before ("slow" lines say which); apt-get may warn that it ran unsandboxed as root.
 */
export const KEEP_DEBS_SCRIPT = `# patchwell:debian-keep-debs
set -u
LC_ALL=C; export LC_ALL
cd /var/cache/apt/archives || exit 70
file_of() {
  name=\${1%%=*}; ver=\${1#*=}; pkg=\${name%%:*}; arch=\${name#*:}
  printf '%s_%s_%s.deb' "$pkg" "$(printf '%s' "$ver" | sed 's/:/%3a/g')" "$arch"
}
missing=
for spec in "$@"; do
  if [ -f "$(file_of "$spec")" ]; then echo "present $spec"; else missing="$missing $spec"; fi
done
[ -z "$missing" ] && exit 0
tmp=$(mktemp) || exit 71
trap 'rm -f "$tmp" "$tmp.plan"' EXIT
names=
for spec in $missing; do names="$names \${spec%%=*}"; done
# "src <package> <version> <uri>": the first repository offering each version (the dpkg status file is no source).
# shellcheck disable=SC2086
apt-cache policy $names 2>/dev/null | awk '
  /^[^ ].*:$/ { pkg = substr($0, 1, length($0) - 1); ver = ""; next }
  /^ (\\*\\*\\*|   ) [^ ]+ -?[0-9]+$/ { ver = $(NF - 1); next }
  ver != "" && NF >= 3 && $2 ~ /^[a-z][a-z0-9+.-]*:/ && !seen[pkg " " ver]++ { print "src", pkg, ver, $2 }
' >> "$tmp"
# "deb <name:arch=version> <Filename> <SHA256>" from each version's record.
# shellcheck disable=SC2086
apt-cache show $missing 2>/dev/null | awk '
  function flush() { if (p != "" && f != "" && h != "" && !seen[p ":" a "=" v]++) print "deb", p ":" a "=" v, f, h; p = a = v = f = h = "" }
  /^Package: / { p = $2 } /^Architecture: / { a = $2 } /^Version: / { v = $2 } /^Filename: / { f = $2 } /^SHA256: / { h = $2 }
  /^$/ { flush() } END { flush() }
' >> "$tmp"
# "<spec> <url> <sha256> <file>" for each missing version the fast path can fetch; one apt-helper run for all.
# shellcheck disable=SC2086
awk -v want="$missing" '
  BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) if (w[i] != "") need[w[i]] = 1 }
  $1 == "src" { src[$2 " " $3] = $4; next }
  $1 == "deb" && ($2 in need) { deb[$2] = $3 " " $4 }
  END {
    for (s in deb) {
      name = s; sub(/=.*/, "", name); pkg = name; sub(/:.*/, "", pkg); ver = s; sub(/^[^=]*=/, "", ver)
      uri = (name " " ver) in src ? src[name " " ver] : src[pkg " " ver]
      if (uri == "") continue
      split(deb[s], d, " "); arch = name; sub(/^[^:]*:/, "", arch); enc = ver; gsub(/:/, "%3a", enc)
      print s, uri "/" d[1], d[2], pkg "_" enc "_" arch ".deb"
    }
  }' "$tmp" > "$tmp.plan"
set --
while read -r spec url sum out; do set -- "$@" "$url" "partial/patchwell-$out" "SHA256:$sum"; done < "$tmp.plan"
if [ "$#" -gt 0 ] && [ -x /usr/lib/apt/apt-helper ]; then /usr/lib/apt/apt-helper download-file "$@" >/dev/null 2>&1; fi
slow=
for spec in $missing; do
  out=$(file_of "$spec")
  sum=$(awk -v s="$spec" '$1 == s { print $3; exit }' "$tmp.plan")
  part="partial/patchwell-$out"
  # A file: repository's file arrives as a link to it: copy it, and check what was copied.
  if [ -n "$sum" ] && [ -e "$part" ] && cp -L "$part" "$out.patchwell" &&
    [ "$(sha256sum < "$out.patchwell" | cut -d ' ' -f 1)" = "$sum" ] && mv -f "$out.patchwell" "$out"; then
    echo "downloaded $spec"
  else
    slow="$slow $spec"
  fi
  rm -f "$part" "$out.patchwell"
done
[ -z "$slow" ] && exit 0
# One apt-get for the rest (each run builds apt's dependency cache: on a slow machine that is most of the cost);
# if one version is gone from every repository that run fails as a whole, so then one at a time.
# shellcheck disable=SC2086
if ! apt-get download -q $slow >/dev/null 2>&1; then
  for spec in $slow; do apt-get download -q "$spec" >/dev/null 2>&1 || true; done
fi
for spec in $slow; do
  if [ -f "$(file_of "$spec")" ]; then echo "downloaded $spec"; echo "slow $spec"; else echo "unavailable $spec"; fi
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
  const rows = parseDpkgQuery(r.stdout);
  return names.map((n) => {
    const [name = n, arch] = n.split(':');
    const row = rows.find((x) => x.name === name && (!arch || x.arch === arch));
    return { name, arch: row?.arch ?? arch ?? null, version: row?.version ?? null };
  });
}

async function aptInstall(remote: Remote, items: readonly ExactItem[], downgrade: boolean): Promise<InstallResult> {
  validateItems(items);
  // --no-remove: an exact version whose dependencies conflict with what is installed must fail, not make
  // apt remove other packages on its own (with -y nothing would ask first).
  const base = ['apt-get', ...aptProxyArgs(remote), 'install', '-y', '-q', '--no-install-recommends', '--no-remove',
    '-o', 'Dpkg::Options::=--force-confold', '-o', 'Dpkg::Options::=--force-confdef'];
  if (downgrade) base.push('--allow-downgrades');
  const exec = (targets: string[]) => remote.exec([...base, ...targets], {
    sudo: true, timeoutMs: 60 * 60_000,
    env: { LC_ALL: 'C', LANG: 'C', DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l' },
  });
  let result = await exec(items.map(spec));
  let parsed = parseAptInstallErrors(`${result.stdout}\n${result.stderr}`);
  // A rollback target that no repository offers any more can still be installed from apt's cache by path.
  if (downgrade && result.code !== 0 && parsed.notFound.length > 0) {
    const targets = items.map((i) => parsed.notFound.includes(i.name) && i.arch
      ? `/var/cache/apt/archives/${debFileName(i.name, i.version, i.arch)}`
      : spec(i));
    result = await exec(targets);
    parsed = parseAptInstallErrors(`${result.stdout}\n${result.stderr}`);
  }
  const after = await snapshot(remote, items.map((i) => (i.arch ? `${i.name}:${i.arch}` : i.name)));
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
      remote, updates.map((u) => ({ name: u.name, version: u.candidateVersion })), { cache: debianOptions.changelogCache },
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
