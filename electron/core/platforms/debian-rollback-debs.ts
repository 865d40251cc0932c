/**
 * Debian: the .debs a rollback installs, kept on the machine before a deployment changes anything.
 *
 * Finding an old version's file costs the machine two reads: `apt-get update --print-uris` (which list came from
 * which repository) and a grep through every package list (tens of MB) for the version's record (file name,
 * SHA-256). A deployment used to pay both on every machine at once, in its snapshot step. The assessment now looks
 * the installed versions of the pending updates up once, as the login user (RESOLVE_DEBS_SCRIPT: no root, nothing
 * written); the core keeps each version's URL and checksum (assess/rollback-sources.ts), and the deployment's
 * snapshot hands them to KEEP_DEBS_SCRIPT, which only fetches and checks. A version the assessment did not find,
 * or whose file is no longer at that URL, goes the whole way as before.
 */
import type { ExactItem } from './platform';
import { assertValid, isDebianArch, isDebianPackageName, isDebianVersion } from './validate';

/** apt's file name for a cached .deb. */
export function debFileName(name: string, version: string, arch: string): string {
  return `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
}

/** "name:arch=version", as apt and both scripts take a version. */
export function debSpec(i: { name: string; arch: string; version: string }): string {
  return `${i.name}:${i.arch}=${i.version}`;
}

/** Where the assessment found an installed version's .deb: apt-helper fetches it and checks the checksum. */
export interface DebSource {
  url: string;
  sha256: string;
}

// What apt-helper is handed: http(s), or copy: for a file: repository (a real copy, not a link). Only characters
// a repository path uses; never a quote, a space, a "|" (the argument's separator) or anything a shell would expand.
const SOURCE_URL = /^(?:https?:\/\/|copy:\/)[A-Za-z0-9._~:/%+@=,-]{1,2000}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export function isDebSource(s: { url: string; sha256: string }): boolean {
  return SOURCE_URL.test(s.url) && SHA256.test(s.sha256);
}

function validate(items: readonly (ExactItem & { arch: string })[]): void {
  for (const i of items) {
    assertValid('Debian package name', i.name, isDebianPackageName);
    assertValid('Debian version', i.version, isDebianVersion);
    assertValid('Debian architecture', i.arch, isDebianArch);
  }
}

/**
 * KEEP_DEBS_SCRIPT's arguments: "name:arch=version", or "name:arch=version|url|sha256" when the assessment found
 * the file; a source that does not pass isDebSource is left out (the script looks the version up itself).
 */
export function keepDebsArgs(items: readonly (ExactItem & { arch: string })[], sources: ReadonlyMap<string, DebSource> = new Map()): string[] {
  validate(items);
  return items.map((i) => {
    const spec = debSpec(i);
    const s = sources.get(spec);
    return s && isDebSource(s) ? `${spec}|${s.url}|${s.sha256}` : spec;
  });
}

export function resolveDebsArgs(items: readonly (ExactItem & { arch: string })[]): string[] {
  validate(items);
  return items.map(debSpec);
}

// $fn: apt's cached file name of "name:arch=version" (epoch colons as %3a), in the shell alone.
const DEB_NAME = `deb_name() {
  _n=\${1%%=*}; _v=\${1#*=}; _e=
  while :; do case $_v in *:*) _e="$_e\${_v%%:*}%3a"; _v=\${_v#*:};; *) break;; esac; done
  fn="\${_n%%:*}_$_e\${_v}_\${_n#*:}.deb"
}`;

/**
 * The lookup both scripts share. In: $want (the versions, space-separated), $tmp (a file it may write, and
 * "$tmp.map"/"$tmp.plan" beside it). Out: "$tmp.plan", a line "<spec> <url> <sha256> <file>" per version found.
 *
 * It runs no apt-cache or apt-get that opens apt's package cache: on a machine whose binary cache (pkgcache.bin)
 * is not current, each of those first parses every package list (measured on the lab: 1.2–1.4 s of CPU and 80 MB
 * written). `apt-get update --print-uris` (no cache, no network, no root) names each package list and the URL it
 * came from (not `apt-get indextargets`, which builds the cache first); grep finds the versions' records in the
 * lists themselves (a compressed list through apt-helper cat-file first). A file: repository's file is fetched
 * through apt's copy: method, so it is a real copy (the rollback still works when that repository is gone) that
 * apt-helper checked. What it cannot find (a record without SHA256, a list in a form apt-helper cannot read) is
 * simply not in the plan.
 */
const LOOKUP = `uris=$(apt-get update --print-uris -o Debug::NoLocking=1 2>/dev/null)
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
  while read -r list repo; do
    for f in "$list" "$list.lz4" "$list.gz" "$list.xz" "$list.zst"; do [ -f "$f" ] && found=1; done
  done < "$tmp.map"
}
# apt's default directory first; apt-config (a process that reads all of apt's configuration) only when none of
# the lists is there. A list found there while apt is configured elsewhere would be an old one: its record still
# names the file and its checksum, which apt-helper checks, and a file no longer served goes the slow way.
map_lists /var/lib/apt/lists/
if [ "$found" = 0 ]; then
  lists=/var/lib/apt/lists/
  eval "$(apt-config shell lists Dir::State::lists/d 2>/dev/null)"
  map_lists "$lists"
fi
# "$tmp.lists": each list grep reads, and its repository. apt keeps some machines' lists compressed
# (Acquire::GzipIndexes, as container images do); apt-helper cat-file reads every kind apt writes, one process per
# compressed list, into a file of its own beside $tmp. A machine with plain lists starts no process here.
set --
n=0
: > "$tmp.lists"
while read -r list repo; do
  if [ -f "$list" ]; then set -- "$@" "$list"; printf '%s %s\n' "$list" "$repo" >> "$tmp.lists"; continue; fi
  for z in lz4 gz xz zst; do
    [ -f "$list.$z" ] || continue
    n=$((n + 1)); unpacked="$unpacked $tmp.$n"
    if /usr/lib/apt/apt-helper cat-file "$list.$z" > "$tmp.$n" 2>/dev/null; then
      set -- "$@" "$tmp.$n"; printf '%s %s\n' "$tmp.$n" "$repo" >> "$tmp.lists"
    fi
    break
  done
done < "$tmp.map"
for spec in $want; do n=\${spec%%=*}; printf 'Package: %s\\n' "\${n%%:*}"; done > "$tmp"
# "<spec> <url> <sha256> <file>": the first list's record of each version. A record's Filename and SHA256 come
# after its (possibly long) Description: 400 lines of context hold them.
if [ "$#" -gt 0 ]; then grep -H -F -x -A 400 -f "$tmp" "$@"; fi | awk -v want="$want" '
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
  END { flush() }' "$tmp.lists" - > "$tmp.plan"`;

/**
 * The login user: where each "name:arch=version" argument's .deb is, as "found <spec> <url> <sha256>" lines; a
 * version the lists do not hold gets no line. Writes nothing outside its own temporary directory.
 */
export const RESOLVE_DEBS_SCRIPT = `# patchwell:debian-resolve-debs
set -u -f
LC_ALL=C; export LC_ALL
[ "$#" -gt 0 ] || exit 0
d=$(mktemp -d) || exit 70
trap 'rm -rf "$d"' EXIT
tmp="$d/want"
want="$*"; unpacked=
${LOOKUP}
while read -r spec url sum out; do echo "found $spec $url $sum"; done < "$tmp.plan"
`;

/**
 * Root: for each "name:arch=version[|url|sha256]", keep /var/cache/apt/archives/name_version_arch.deb (epoch ":"
 * → "%3a", as apt names them); fetch it there when missing. The versions that came with a URL and checksum are
 * fetched first, in one apt-helper run that checks each file's SHA-256; the rest, and any whose file was not at
 * its URL, are looked up in the machine's lists (LOOKUP) and fetched the same way. Whatever that cannot fetch (a record
 * without SHA256, a flat repository laid out otherwise) goes through `apt-get download`
 * ("slow" lines say which); apt-get may warn that it ran unsandboxed as root. Few processes are started: each
 * costs several milliseconds of CPU on a busy machine.
 */
export const KEEP_DEBS_SCRIPT = `# patchwell:debian-keep-debs
set -u -f
LC_ALL=C; export LC_ALL
cd /var/cache/apt/archives || exit 70
${DEB_NAME}
missing=; known=
for arg in "$@"; do
  spec=\${arg%%|*}
  deb_name "$spec"
  if [ -f "$fn" ]; then echo "present $spec"; continue; fi
  missing="$missing $spec"
  case $arg in *'|'*) known="$known $arg";; esac
done
[ -z "$missing" ] && exit 0
# Root's own directory in apt's cache, not mktemp: one process fewer, and no other user can write there.
tmp="partial/patchwell-keep-$$"
: > "$tmp" || exit 71
unpacked=
# shellcheck disable=SC2086
trap 'rm -f "$tmp" "$tmp.map" "$tmp.lists" "$tmp.plan" $unpacked' EXIT
# Fetches every "<spec> <url> <sha256> <file>" line of $tmp.plan with one apt-helper run and moves each file that
# passed its checksum into place.
fetch_plan() {
  set --
  parts=
  while read -r spec url sum out; do
    set -- "$@" "$url" "partial/patchwell-$out" "SHA256:$sum"
    parts="$parts partial/patchwell-$out partial/patchwell-$out.FAILED"
  done < "$tmp.plan"
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
}
# One rm for every leftover of an earlier run, and one after, each only when there is one: each process costs
# milliseconds on a busy machine.
leftover() { for f in $parts; do [ -e "$f" ] && return 0; done; return 1; }
# Where the assessment found them: fetched without reading the lists.
if [ -n "$known" ]; then
  for k in $known; do
    s=\${k%%|*}; r=\${k#*|}
    deb_name "$s"
    printf '%s %s %s %s\\n' "$s" "\${r%%|*}" "\${r#*|}" "$fn"
  done > "$tmp.plan"
  fetch_plan
fi
want=
for spec in $missing; do deb_name "$spec"; [ -f "$fn" ] || want="$want $spec"; done
[ -z "$want" ] && exit 0
${LOOKUP}
fetch_plan
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

export interface RollbackDebsResult {
  present: string[];
  downloaded: string[];
  /** Of those downloaded, the ones apt-helper could not fetch, that went through the slower `apt-get download`. */
  viaAptGet: string[];
  /** Versions no configured repository still offers: a rollback to them needs another source of the .deb. */
  unavailable: string[];
}

export function parseKeepDebs(stdout: string): RollbackDebsResult {
  const result: RollbackDebsResult = { present: [], downloaded: [], viaAptGet: [], unavailable: [] };
  for (const line of stdout.split('\n')) {
    const [status, s] = line.trim().split(' ');
    if (!s) continue;
    if (status === 'present' || status === 'downloaded' || status === 'unavailable') result[status].push(s);
    else if (status === 'slow') result.viaAptGet.push(s);
  }
  return result;
}

/**
 * RESOLVE_DEBS_SCRIPT's "found" lines, for the versions asked only; a line whose URL or checksum does not pass
 * isDebSource is dropped (the deployment then looks that version up itself).
 */
export function parseResolvedDebs(stdout: string, asked: readonly string[]): Map<string, DebSource> {
  const want = new Set(asked);
  const out = new Map<string, DebSource>();
  for (const line of stdout.split('\n')) {
    const [word, spec, url, sha256, extra] = line.trim().split(/\s+/);
    if (word !== 'found' || !spec || !url || !sha256 || extra !== undefined || !want.has(spec) || out.has(spec)) continue;
    const source = { url, sha256: sha256.toLowerCase() };
    if (isDebSource(source)) out.set(spec, source);
  }
  return out;
}
