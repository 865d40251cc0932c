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

/** Root: keeps each (file, spec) in KEEP_DIR, fetched by the package manager; prints present/downloaded/unavailable. */
export const RPM_KEEP_SCRIPT = `# patchwell:rpm-keep
set -u
LC_ALL=C; export LC_ALL
pm=$1; shift
dir=${KEEP_DIR}
umask 077
mkdir -p "$dir" && chown root:root "$dir" && chmod 0700 "$dir" || exit 70
tmp=$(mktemp -d "$dir/.fetch.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT
while [ $# -ge 2 ]; do
  file=$1; spec=$2; shift 2
  if [ -f "$dir/$file" ] && [ ! -L "$dir/$file" ] && rpm -K --nosignature "$dir/$file" >/dev/null 2>&1; then echo "present $file"; continue; fi
  case "$pm" in
    dnf) dnf -q -y reinstall --downloadonly --downloaddir="$tmp" "$spec" >/dev/null 2>&1 ;;
    zypper) zypper --non-interactive --quiet --pkg-cache-dir "$tmp" download "$spec" >/dev/null 2>&1 ;;
  esac
  got=$(find "$tmp" -type f -name "$file" | head -n 1)
  if [ -n "$got" ] && rpm -K --nosignature "$got" >/dev/null 2>&1; then mv -f "$got" "$dir/$file"; echo "downloaded $file"; else echo "unavailable $file"; fi
done
`;

/**
 * Root: installs each (file, spec) — in mode "kept" the kept file where there is one, else (and in mode "repo")
 * the exact version from the repositories — allowing downgrades; the package manager's exit code is the script's.
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
  if [ "$mode" = kept ] && [ -f "$dir/$file" ] && [ ! -L "$dir/$file" ]; then set -- "$@" "$dir/$file"; k=$((k + 1)); else set -- "$@" "$spec"; fi
  i=$((i + 1))
done
echo "patchwell-restore kept $k of $n"
skip=
[ "$mode" = kept ] && skip=--setopt=skip_if_unavailable=True
case "$pm" in
  dnf) exec dnf -y --setopt=localpkg_gpgcheck=1 $skip install "$@" ;;
  zypper) exec zypper --non-interactive install --oldpackage --no-recommends "$@" ;;
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
