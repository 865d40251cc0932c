/**
 * Debian after a file-system snapshot was restored (btrfs with snapper): dpkg's database is back as it was, but
 * snapper compares the snapshot with the live system by size and time stamp, so a file the update replaced by one of
 * the same size and time stamp can stay as the update left it (suse-btrfs.lab.test.ts saw it with rpm). `dpkg
 * --verify` checks every file of the package against the MD5 sums its installed version shipped; a package with a
 * file that differs (conffiles aside: those are the administrator's to change) is installed again at
 * the recorded version, from the .deb the snapshot kept in apt's cache (dpkg -i, no repository needed), else through
 * apt-get from the repositories.
 */
import { debFileName } from '../../platforms/debian-rollback-debs';
import { runScript } from '../../platforms/exec-util';
import type { ExactItem } from '../../platforms/platform';
import type { Remote } from '../../platforms/remote';
import { assertValid, isDebianArch, isDebianPackageName, isDebianVersion } from '../../platforms/validate';

/** "altered <name>" for each named package with a file (not a conffile) whose MD5 sum differs from the shipped one. */
export const DEBIAN_VERIFY_SCRIPT = `# patchwell:debian-verify-files
set -u
LC_ALL=C; export LC_ALL
for p in "$@"; do
  # One line per file that is not as shipped: "??5??????   /path" (its MD5 sum differs; a conffile's line has a "c"
  # before the path). "missing" lines do not count: dpkg reports every file a path-exclude kept off the disk (man
  # pages and docs on minimal installs) as missing, and installing again would not bring those back.
  if dpkg --verify -- "$p" 2>/dev/null | awk '$2 != "c" && substr($1, 3, 1) == "5" { found = 1 } END { exit !found }'; then echo "altered $p"; fi
done
`;

/**
 * Pairs of (kept file name in /var/cache/apt/archives, name=version): dpkg -i the kept files, apt-get the rest. The
 * names and versions were validated by the caller; nothing here is globbed.
 */
export const DEBIAN_REINSTALL_SCRIPT = `# patchwell:debian-reinstall
set -uf
LC_ALL=C; export LC_ALL
cd /var/cache/apt/archives || exit 70
kept=; specs=; n=0; k=0
while [ "$#" -ge 2 ]; do
  n=$((n + 1))
  if [ -f "$1" ] && [ ! -L "$1" ]; then kept="$kept $1"; k=$((k + 1)); else specs="$specs $2"; fi
  shift 2
done
echo "patchwell-restore kept $k of $n"
rc=0
# shellcheck disable=SC2086
if [ -n "$kept" ]; then dpkg --force-confold -i $kept || rc=$?; fi
# shellcheck disable=SC2086
if [ -n "$specs" ]; then apt-get install -y -q --reinstall --allow-downgrades --no-install-recommends --no-remove -o Dpkg::Options::=--force-confold $specs || rc=$?; fi
exit "$rc"
`;

async function alteredDebs(remote: Remote, names: readonly string[]): Promise<Set<string>> {
  const r = await runScript(remote, 'debian-verify-files', DEBIAN_VERIFY_SCRIPT, names, { sudo: true, timeoutMs: 10 * 60_000 });
  return new Set(r.stdout.split('\n').map((l) => /^altered (\S+)$/.exec(l.trim())?.[1]).filter((n): n is string => !!n));
}

/** Checks the packages' files after a file-system restore and installs again those not as shipped; returns those still not. */
export async function repairDebianFiles(
  remote: Remote,
  items: readonly (ExactItem & { arch: string })[],
  log: (level: 'info' | 'warn', message: string) => void,
): Promise<string[]> {
  for (const i of items) {
    assertValid('Debian package name', i.name, isDebianPackageName);
    assertValid('Debian version', i.version, isDebianVersion);
    assertValid('Debian architecture', i.arch, isDebianArch);
  }
  if (items.length === 0) return [];
  const names = [...new Set(items.map((i) => i.name))];
  const altered = await alteredDebs(remote, names);
  const todo = items.filter((i) => altered.has(i.name));
  if (todo.length === 0) {
    log('info', `dpkg --verify: the files of ${names.join(', ')} are as the restored package database says`);
    return [];
  }
  const what = todo.map((i) => `${i.name} ${i.version}`).join(', ');
  log('warn', `dpkg --verify: files of ${what} are not as the restored package database says (the file-system snapshot did not bring back files of the same size and time stamp); installing ${todo.length === 1 ? 'it' : 'them'} again`);
  const args = todo.flatMap((i) => [debFileName(i.name, i.version, i.arch), `${i.name}:${i.arch}=${i.version}`]);
  const r = await runScript(remote, 'debian-reinstall', DEBIAN_REINSTALL_SCRIPT, args, {
    sudo: true,
    timeoutMs: 60 * 60_000,
    // apt-get (for a version no file was kept of) fetches through the office cache when one is lent.
    proxy: true,
    // What dpkg and apt-get exit with when they fail: the check after it says what is left.
    okCodes: [0, 1, 2, 100],
  });
  const kept = /^patchwell-restore kept (\d+) of (\d+)$/m.exec(r.stdout);
  const still = await alteredDebs(remote, [...new Set(todo.map((i) => i.name))]);
  if (still.size === 0) log('info', `Installed ${what} again${kept && Number(kept[1]) > 0 ? ` (${kept[1]} from the files kept on the machine)` : ''}: dpkg --verify finds every file as shipped`);
  else log('warn', `Installing again exited ${r.code}; dpkg --verify still finds files not as shipped in ${[...still].join(', ')}`);
  return [...still];
}
