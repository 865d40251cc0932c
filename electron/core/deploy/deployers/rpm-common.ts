/**
 * What the RHEL-family and SUSE deployers share: keeping the old .rpm files on the machine so a rollback works
 * without a repository, putting exact versions back from them, removing what came since, and waiting for a
 * package manager someone else runs. The kept files live in /var/cache/patchwell/rollback, created by root with
 * mode 0700, so nothing a non-administrator wrote can be installed by a rollback; each file's digests are checked
 * with `rpm -K` when kept, and the package manager checks its signature when it installs it (dnf with
 * localpkg_gpgcheck on, zypper by default), against the keys in the machine's rpm database.
 */
import type { ExactItem, Platform } from '../../platforms/platform';
import { runScript } from '../../platforms/exec-util';
import { proxyEnv } from '../../platforms/package-proxy';
import type { Remote } from '../../platforms/remote';
import { assertValid, isRpmArch, isRpmEvr, isRpmName } from '../../platforms/validate';
import { settleScript, settleThenCheckHealth, type SettleResult } from '../remote-checks';
import type { KeptPackages } from './linux';

export type RpmManager = 'dnf' | 'zypper';

/** Where the old packages are kept on the machine (root only). */
export const KEEP_DIR = '/var/cache/patchwell/rollback';

/** The file name repositories give a package: name-version-release.arch.rpm (the epoch is not in it). */
export function rpmFileName(i: ExactItem & { arch: string }): string {
  return `${i.name}-${i.version.replace(/^\d+:/, '')}.${i.arch}.rpm`;
}

/** How the package manager names one exact version: dnf "name-[epoch:]version-release.arch", zypper "name.arch=evr". */
export function rpmSpec(pm: RpmManager, i: ExactItem & { arch: string }): string {
  return pm === 'dnf' ? `${i.name}-${i.version}.${i.arch}` : `${i.name}.${i.arch}=${i.version}`;
}

function validate(items: readonly (ExactItem & { arch: string })[]): void {
  for (const i of items) {
    assertValid('RPM package name', i.name, isRpmName);
    assertValid('RPM version', i.version, isRpmEvr);
    assertValid('RPM architecture', i.arch, isRpmArch);
  }
}

/** Pairs of (file name, spec) for the scripts below; every part validated against rpm's rules first. */
function pairs(pm: RpmManager, items: readonly (ExactItem & { arch: string })[]): string[] {
  validate(items);
  return items.flatMap((i) => [rpmFileName(i), rpmSpec(pm, i)]);
}

/**
 * Root: keeps each (file, spec) in KEEP_DIR, fetched by the package manager; prints present/downloaded/unavailable.
 * Everything not kept yet is fetched by one call (each dnf or zypper start loads its whole package database: three
 * calls cost three times one). The files that call leaves show which packages it got; only when it failed outright
 * (one bad package can stop the whole download) is each package still missing tried on its own.
 */
export const RPM_KEEP_SCRIPT = `# patchwell:rpm-keep
set -u
LC_ALL=C; export LC_ALL
pm=$1; shift
dir=${KEEP_DIR}
umask 077
mkdir -p "$dir" && chown root:root "$dir" && chmod 0700 "$dir" || exit 70
tmp=$(mktemp -d "$dir/.fetch.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT
fetch() {
  case "$pm" in
    dnf) dnf -q -y reinstall --downloadonly --downloaddir="$tmp" "$@" ;;
    zypper) zypper --non-interactive --quiet --pkg-cache-dir "$tmp" download "$@" ;;
    *) return 64 ;;
  esac </dev/null >/dev/null 2>&1
}
take() {
  got=$(find "$tmp" -type f -name "$1" | head -n 1)
  [ -n "$got" ] && rpm -K --nosignature "$got" >/dev/null 2>&1 && mv -f "$got" "$dir/$1"
}
: > "$tmp/.want"
while [ $# -ge 2 ]; do
  file=$1; spec=$2; shift 2
  if [ -f "$dir/$file" ] && [ ! -L "$dir/$file" ] && rpm -K --nosignature "$dir/$file" >/dev/null 2>&1; then echo "present $file"; continue; fi
  printf '%s %s\\n' "$file" "$spec" >> "$tmp/.want"
done
set --
while read -r file spec; do set -- "$@" "$spec"; done < "$tmp/.want"
[ $# -eq 0 ] && exit 0
batch=0
fetch "$@" || batch=$?
many=$#
while read -r file spec; do
  if take "$file"; then echo "downloaded $file"
  elif [ "$batch" -ne 0 ] && [ "$many" -gt 1 ] && { fetch "$spec"; take "$file"; }; then echo "downloaded $file"
  else echo "unavailable $file"; fi
done < "$tmp/.want"
`;

/**
 * Root: installs each (file, spec) — in mode "kept" the kept file where there is one, else (and in mode "repo")
 * the exact version from the repositories — allowing downgrades; the package manager's exit code is the script's.
 * Mode "reinstall" is "kept" for versions the rpm database already names: their files are written again.
 * It first prints "patchwell-restore kept K of N": how many came from kept files. In mode "kept" a repository that
 * cannot be reached is skipped (dnf; zypper does so by itself), so a machine cut off from its mirrors still rolls back.
 */
export const RPM_RESTORE_SCRIPT = `# patchwell:rpm-restore
set -u
LC_ALL=C; export LC_ALL
pm=$1; mode=$2; shift 2
dir=${KEEP_DIR}
n=$(( $# / 2 ))
i=0
k=0
while [ "$i" -lt "$n" ]; do
  file=$1; spec=$2; shift 2
  if [ "$mode" != repo ] && [ -f "$dir/$file" ] && [ ! -L "$dir/$file" ]; then set -- "$@" "$dir/$file"; k=$((k + 1)); else set -- "$@" "$spec"; fi
  i=$((i + 1))
done
echo "patchwell-restore kept $k of $n"
skip=
[ "$mode" != repo ] && skip=--setopt=skip_if_unavailable=True
verb=install
force=
[ "$mode" = reinstall ] && verb=reinstall && force=--force
case "$pm" in
  dnf) exec dnf -y --setopt=localpkg_gpgcheck=1 $skip $verb "$@" ;;
  zypper) exec zypper --non-interactive install --oldpackage --no-recommends $force "$@" ;;
esac
exit 64
`;

/** The restore script's count of versions installed from kept files, or null when it did not get that far. */
export function keptCount(stdout: string): { kept: number; of: number } | null {
  const m = /^patchwell-restore kept (\d+) of (\d+)$/m.exec(stdout);
  return m ? { kept: Number(m[1]), of: Number(m[2]) } : null;
}

/** Root: waits (up to $1 seconds) until no rpm-family package manager runs. */
export const RPM_SETTLE_SCRIPT = settleScript('rpm-settle', ['dnf', 'yum', 'rpm', 'zypper', 'dnf-automatic', 'packagekitd']);

/** A keep script's report ("present|downloaded|unavailable FILE" per line), for the log and the audit trail. */
export function parseKeptFiles(stdout: string, extension: string): KeptPackages {
  const kept: KeptPackages = { kept: 0, slow: 0, unavailable: [] };
  for (const line of stdout.split('\n')) {
    const [status, file] = line.trim().split(' ');
    if (!file) continue;
    if (status === 'present' || status === 'downloaded') kept.kept++;
    else if (status === 'unavailable') kept.unavailable.push(file.endsWith(extension) ? file.slice(0, -extension.length) : file);
  }
  return kept;
}

export async function keepRpms(remote: Remote, pm: RpmManager, items: readonly (ExactItem & { arch: string })[]): Promise<KeptPackages> {
  const r = await runScript(remote, 'rpm-keep', RPM_KEEP_SCRIPT, [pm, ...pairs(pm, items)], { sudo: true, timeoutMs: 30 * 60_000, proxy: true });
  return parseKeptFiles(r.stdout, '.rpm');
}

export async function restoreRpms(
  remote: Remote,
  pm: RpmManager,
  platform: Platform,
  items: readonly (ExactItem & { arch: string })[],
  log: (level: 'info' | 'warn', message: string) => void = () => undefined,
): Promise<{ ok: boolean; errors: string[]; exitCode: number | null }> {
  const attempt = async (mode: 'kept' | 'repo'): Promise<{ ok: boolean; errors: string[]; exitCode: number | null; kept: { kept: number; of: number } | null }> => {
    const r = await remote.script(RPM_RESTORE_SCRIPT, [pm, mode, ...pairs(pm, items)], { sudo: true, timeoutMs: 60 * 60_000, env: { LC_ALL: 'C', LANG: 'C', ...proxyEnv(remote) } });
    const after = await platform.packageStateSnapshot(remote, items.map((i) => i.name));
    const wrong = items.filter((i) => !after.some((a) => a.name === i.name && a.version === i.version));
    const errors = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => /^(Error|Problem|No match|No provider|'.*' not found)|not signed|[Ss]ignature verification failed|GPG check FAILED/.test(l)).slice(0, 20);
    if (wrong.length) errors.push(`not at the snapshot version: ${wrong.map((w) => w.name).join(', ')}`);
    return { ok: wrong.length === 0, errors, exitCode: r.code, kept: keptCount(r.stdout) };
  };
  const first = await attempt('kept');
  if (first.ok && first.kept && first.kept.kept > 0) {
    log('info', `Restored ${first.kept.kept} of ${first.kept.of} packages from the files kept on the machine, their signatures checked by ${pm}${first.kept.kept < first.kept.of ? '; the others from the repositories' : ''}`);
  }
  // A kept file whose signature the machine cannot check (unsigned, or signed by a key it does not trust): the
  // repositories, under their own gpgcheck setting, are the way left. Nothing unchecked is installed from the kept files.
  if (!first.ok && first.errors.some((e) => /not signed|[Ss]ignature|GPG/.test(e))) {
    log('warn', `The kept packages could not be checked against a signing key (${first.errors[0]}); restoring from the repositories instead`);
    const second = await attempt('repo');
    return { ok: second.ok, errors: second.errors, exitCode: second.exitCode };
  }
  return { ok: first.ok, errors: first.errors, exitCode: first.exitCode };
}

/**
 * Prints "altered NAME" for each package some of whose files (configuration files aside: the administrator's) differ
 * from what the rpm database says in size, digest or link target, or are missing. Root: some files are root's only.
 */
export const RPM_VERIFY_SCRIPT = `# patchwell:rpm-verify-files
set -u
LC_ALL=C; export LC_ALL
for p in "$@"; do
  if rpm -V --noconfig --nomtime --nomode --nouser --nogroup --nordev --nocaps "$p" 2>&1 | grep -q .; then echo "altered $p"; fi
done
`;

async function alteredRpms(remote: Remote, names: readonly string[]): Promise<Set<string>> {
  const r = await runScript(remote, 'rpm-verify-files', RPM_VERIFY_SCRIPT, names, { sudo: true, timeoutMs: 10 * 60_000 });
  return new Set(r.stdout.split('\n').map((l) => /^altered (\S+)$/.exec(l.trim())?.[1]).filter((n): n is string => !!n));
}

/**
 * After a file-system snapshot was restored: the rpm database is as it was, but snapper compares the snapshot with
 * the live system by size and time stamp, not content, so a file the update replaced by one of the same size and
 * time stamp stays as the update left it (seen on the lab's fixture packages, built with fixed time stamps). `rpm -V`
 * finds such packages; they are installed again at the recorded version, from the kept files. Returns what is
 * still altered afterwards.
 */
export async function repairRpmFiles(
  remote: Remote,
  pm: RpmManager,
  items: readonly (ExactItem & { arch: string })[],
  log: (level: 'info' | 'warn', message: string) => void,
): Promise<string[]> {
  validate(items);
  if (items.length === 0) return [];
  const altered = await alteredRpms(remote, items.map((i) => i.name));
  const todo = items.filter((i) => altered.has(i.name));
  if (todo.length === 0) {
    log('info', `rpm -V: the files of ${items.map((i) => i.name).join(', ')} are as the restored package database says`);
    return [];
  }
  const names = todo.map((i) => `${i.name} ${i.version}`).join(', ');
  log('warn', `rpm -V: files of ${names} are not as the restored package database says (the file-system snapshot did not bring back files of the same size and time stamp); installing ${todo.length === 1 ? 'it' : 'them'} again with ${pm}`);
  const r = await remote.script(RPM_RESTORE_SCRIPT, [pm, 'reinstall', ...pairs(pm, todo)], { sudo: true, timeoutMs: 60 * 60_000, env: { LC_ALL: 'C', LANG: 'C' } });
  const still = await alteredRpms(remote, todo.map((i) => i.name));
  const kept = keptCount(r.stdout);
  if (still.size === 0) log('info', `Installed ${names} again${kept && kept.kept > 0 ? ` (${kept.kept} from the files kept on the machine)` : ''}: rpm -V finds every file as the package database says`);
  else log('warn', `${pm} exited ${r.code}; rpm -V still finds altered files in ${[...still].join(', ')}`);
  return [...still];
}

/** Removes packages installed since the snapshot ("name:arch" keys). */
export async function removeRpms(remote: Remote, pm: RpmManager, keys: readonly string[]): Promise<void> {
  const specs = keys.map((k) => {
    const [name = '', arch = ''] = k.split(':');
    assertValid('RPM package name', name, isRpmName);
    assertValid('RPM architecture', arch, isRpmArch);
    return `${name}.${arch}`;
  });
  const argv = pm === 'dnf' ? ['dnf', '-y', 'remove', ...specs] : ['zypper', '--non-interactive', 'remove', ...specs];
  const r = await remote.exec(argv, { sudo: true, timeoutMs: 30 * 60_000, env: { LC_ALL: 'C', LANG: 'C' } });
  if (r.code !== 0 && !(pm === 'zypper' && r.code !== null && r.code >= 100 && r.code <= 103)) {
    throw new Error(`${argv.slice(0, 3).join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
  }
}

/** Waits for another rpm-family package manager to finish; the package database's health is the audit. */
export function settleRpm(remote: Remote, platform: Platform, limitSeconds = 600): Promise<SettleResult> {
  return settleThenCheckHealth(remote, 'rpm-settle', RPM_SETTLE_SCRIPT, platform, 'The package manager', limitSeconds);
}
