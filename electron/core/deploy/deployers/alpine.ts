/**
 * Alpine Linux: apk. The old packages are kept with `apk fetch` of the exact installed version into the same
 * root-only folder the rpm deployers use (created by root, mode 0700, symlinks never followed), each checked with
 * `apk verify` when kept; a rollback installs them with `apk add`, which checks their signatures against
 * /etc/apk/keys again — never with --allow-untrusted, so nothing unsigned is ever installed from that folder.
 */
import { alpine, APK_ADD_KEEPING_WORLD } from '../../platforms/alpine';
import { runScript } from '../../platforms/exec-util';
import type { ExactItem } from '../../platforms/platform';
import type { Remote } from '../../platforms/remote';
import { assertValid, isApkName, isApkVersion } from '../../platforms/validate';
import { settleScript, settleThenCheckHealth, type SettleResult } from '../remote-checks';
import { linuxDeployer, type KeptPackages } from './linux';
import { KEEP_DIR, parseKeptFiles } from './rpm-common';

/** The file name `apk fetch` writes: name-version.apk. */
export const apkFileName = (i: ExactItem): string => `${i.name}-${i.version}.apk`;

function pairs(items: readonly ExactItem[]): string[] {
  return items.flatMap((i) => {
    assertValid('apk package name', i.name, isApkName);
    assertValid('apk version', i.version, isApkVersion);
    return [apkFileName(i), `${i.name}=${i.version}`];
  });
}

/** Root: keeps each (file, name=version) in KEEP_DIR, fetched by apk; prints present/downloaded/unavailable. */
export const APK_KEEP_SCRIPT = `# patchwell:apk-keep
set -u
LC_ALL=C; export LC_ALL
dir=${KEEP_DIR}
umask 077
mkdir -p "$dir" && chown root:root "$dir" && chmod 0700 "$dir" || exit 70
tmp=$(mktemp -d "$dir/.fetch.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT
while [ $# -ge 2 ]; do
  file=$1; spec=$2; shift 2
  if [ -f "$dir/$file" ] && [ ! -L "$dir/$file" ] && apk verify "$dir/$file" >/dev/null 2>&1; then echo "present $file"; continue; fi
  apk fetch --quiet --output "$tmp" "$spec" >/dev/null 2>&1
  if [ -f "$tmp/$file" ] && [ ! -L "$tmp/$file" ] && apk verify "$tmp/$file" >/dev/null 2>&1; then mv -f "$tmp/$file" "$dir/$file"; echo "downloaded $file"; else echo "unavailable $file"; fi
done
`;

/**
 * Root: installs each (file, name=version) — the kept file where there is one, else from the repositories — and,
 * as platforms/alpine.ts does for an install, leaves /etc/apk/world as it was (apk would record the files or pins).
 */
export const APK_RESTORE_SCRIPT = `# patchwell:apk-restore
set -u
LC_ALL=C; export LC_ALL
dir=${KEEP_DIR}
world=/etc/apk/world
n=$(( $# / 2 ))
i=0
while [ "$i" -lt "$n" ]; do
  file=$1; spec=$2; shift 2
  if [ -f "$dir/$file" ] && [ ! -L "$dir/$file" ]; then set -- "$@" "$dir/$file"; else set -- "$@" "$spec"; fi
  i=$((i + 1))
done
${APK_ADD_KEEPING_WORLD}`;

/** Root: waits (up to $1 seconds) until no apk runs. */
export const APK_SETTLE_SCRIPT = settleScript('apk-settle', ['apk']);

export async function keepApks(remote: Remote, items: readonly ExactItem[]): Promise<KeptPackages> {
  const r = await runScript(remote, 'apk-keep', APK_KEEP_SCRIPT, pairs(items), { sudo: true, timeoutMs: 30 * 60_000 });
  return parseKeptFiles(r.stdout, '.apk');
}

export async function restoreApks(remote: Remote, items: readonly ExactItem[]): Promise<{ ok: boolean; errors: string[]; exitCode: number | null }> {
  const r = await remote.script(APK_RESTORE_SCRIPT, pairs(items), { sudo: true, timeoutMs: 60 * 60_000, env: { LC_ALL: 'C', LANG: 'C' } });
  const after = await alpine.packageStateSnapshot(remote, items.map((i) => i.name));
  const wrong = items.filter((i) => !after.some((a) => a.name === i.name && a.version === i.version));
  const errors = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => /^ERROR:|UNTRUSTED|unable to select|breaks:/.test(l)).slice(0, 20);
  if (wrong.length) errors.push(`not at the snapshot version: ${wrong.map((w) => w.name).join(', ')}`);
  return { ok: wrong.length === 0, errors, exitCode: r.code };
}

/** Removes packages installed since the snapshot ("name:arch" keys; apk names carry no architecture). */
export async function removeApks(remote: Remote, keys: readonly string[]): Promise<void> {
  const names = keys.map((k) => assertValid('apk package name', k.split(':')[0] ?? '', isApkName));
  const r = await remote.exec(['apk', 'del', '--no-interactive', ...names], { sudo: true, timeoutMs: 30 * 60_000, env: { LC_ALL: 'C', LANG: 'C' } });
  if (r.code !== 0) throw new Error(`apk del exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
}

/** Waits for an apk someone else runs; `apk fix --simulate` afterwards is the audit. */
export function settleApk(remote: Remote, limitSeconds = 600): Promise<SettleResult> {
  return settleThenCheckHealth(remote, 'apk-settle', APK_SETTLE_SCRIPT, alpine, 'apk', limitSeconds);
}

export const alpineDeployer = linuxDeployer({
  id: 'alpine',
  platforms: ['alpine'],
  systems: 'Alpine Linux',
  platform: alpine,
  name: 'apk',
  slowDownload: 'apk fetch',
  repairCommand: 'apk fix on the machine',
  keepOldPackages: keepApks,
  restoreVersions: (remote, items) => restoreApks(remote, items),
  removePackages: removeApks,
  settle: (remote) => settleApk(remote),
});
