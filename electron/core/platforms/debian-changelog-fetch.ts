/**
 * Reads the changelog of a candidate package version WITHOUT installing it: on the host, in a private temp dir,
 * `apt-get download pkg=version` (no root needed; a copy already in /var/cache/apt/archives is used instead), then
 * `dpkg-deb --fsys-tarfile | tar -x` of ./usr/share/doc only, and the changelog found there: changelog.Debian.gz
 * (its doc dir may be named after the source package), preceded by a binNMU's changelog.Debian.<arch>.gz, or
 * changelog.gz for native packages, whose Debian changelog has that name. Results are
 * cached by package and version through `ChangelogCache`, so a repeat assessment downloads nothing.
 */
import type { DebChangelog } from './deb-changelog-read';
import { parseDebianChangelog, type ChangelogEntry } from './debian-changelog';
import { errorMessage, run, runScript } from './exec-util';
import { rethrowIfLost, type Remote } from './remote';
import { isDebianPackageName, isDebianVersion } from './validate';

/** What is kept of a changelog: the entries' metadata (not their bodies), newest first. */
export interface ChangelogInfo {
  /** ok: parsed; absent: the package ships no changelog (a fact about that version, safe to cache). */
  status: 'ok' | 'absent';
  entries: Pick<ChangelogEntry, 'version' | 'distributions' | 'urgency' | 'date' | 'cves'>[];
  /** The package whose .deb the changelog was read from (binaries of one source share it). */
  readFrom: string;
  fetchedAt: string;
}

type MaybePromise<T> = T | Promise<T>;

/** Storage for changelog summaries, keyed by binary package name and exact version (backed by SQLite in the app). */
export interface ChangelogCache {
  get(pkg: string, version: string): MaybePromise<ChangelogInfo | undefined>;
  set(pkg: string, version: string, info: ChangelogInfo): MaybePromise<void>;
}

export function memoryChangelogCache(): ChangelogCache & { readonly size: number } {
  const map = new Map<string, ChangelogInfo>();
  return {
    get: (pkg, version) => map.get(`${pkg}\u0000${version}`),
    set: (pkg, version, info) => void map.set(`${pkg}\u0000${version}`, info),
    get size() {
      return map.size;
    },
  };
}

/** Entries kept per changelog: enough to cover any realistic installed-to-candidate gap. */
const MAX_ENTRIES = 200;
/** Characters of changelog read per package on the host (head -c): the newest entries are at the top. */
export const MAX_CHANGELOG_BYTES = 512 * 1024;

/**
 * Positional args: $1 = max bytes per changelog, then "pkg=version" specs the caller has validated (so none can
 * start with "-"). Output per spec: "@@PW-BEGIN spec", optional "@@PW-LINK target", changelog lines prefixed with
 * "|" (so no changelog line can forge a marker), "!"-prefixed error lines, then "@@PW-END status".
 */
export const CHANGELOG_SCRIPT = `# patchwell:debian-changelogs
set -u
LC_ALL=C; export LC_ALL
max=$1; shift
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/patchwell-cl.XXXXXX") || { echo '!mktemp failed'; exit 70; }
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
cd "$tmp" || exit 70
# $enc: the version as apt names its files (epoch colons as %3a), in the shell alone.
encode() { enc=; _v=$1; while :; do case $_v in *:*) enc="$enc\${_v%%:*}%3a"; _v=\${_v#*:};; *) enc="$enc$_v"; break;; esac; done; }
missing=
for spec in "$@"; do
  encode "\${spec#*=}"
  found=
  for f in /var/cache/apt/archives/"\${spec%%=*}"_"$enc"_*.deb; do [ -f "$f" ] && found=1 && break; done
  [ -n "$found" ] || missing="$missing $spec"
done
# One apt-get for every .deb the batch lacks: each apt-get run loads apt's package cache first, about 0.3 s of CPU
# on a small machine, which per package was most of an assessment's CPU. If one version cannot be fetched the run
# fails as a whole; the loop then fetches what is still missing one at a time, to say which one failed.
set -f
# shellcheck disable=SC2086
[ -n "$missing" ] && apt-get download -q $missing >dl.log 2>&1
set +f
for spec in "$@"; do
  pkg=\${spec%%=*}
  printf '@@PW-BEGIN %s\\n' "$spec"
  encode "\${spec#*=}"
  deb=
  for f in /var/cache/apt/archives/"$pkg"_"$enc"_*.deb ./"$pkg"_"$enc"_*.deb; do
    if [ -f "$f" ]; then deb=$f; break; fi
  done
  if [ -z "$deb" ]; then
    if apt-get download -q "$spec" >dl.log 2>&1; then
      for f in ./"$pkg"_"$enc"_*.deb; do
        if [ -f "$f" ]; then deb=$f; break; fi
      done
    fi
  fi
  if [ -z "$deb" ]; then
    sed 's/^/!/' dl.log 2>/dev/null | tail -n 3
    echo '@@PW-END nodeb'
    continue
  fi
  rm -rf x && mkdir x
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C x --no-same-owner --wildcards './usr/share/doc/*' 2>/dev/null
  d="x/usr/share/doc/$pkg"
  if [ -L "$d" ]; then printf '@@PW-LINK %s\\n' "$(readlink "$d")"; fi
  cl=
  for f in "$d/changelog.Debian.gz" x/usr/share/doc/*/changelog.Debian.gz "$d/changelog.gz"; do
    if [ -f "$f" ]; then cl=$f; break; fi
  done
  if [ -n "$cl" ]; then
    for f in "$d"/changelog.Debian.*.gz; do
      if [ -f "$f" ]; then gzip -dc "$f" 2>/dev/null | head -c 65536 | sed 's/^/|/'; echo '|'; fi
    done
    gzip -dc "$cl" 2>/dev/null | head -c "$max" | sed 's/^/|/'
    echo
    echo '@@PW-END ok'
  else
    echo '@@PW-END nochangelog'
  fi
  case $deb in ./*) rm -f "$deb" ;; esac
done
`;

export interface FetchedChangelog {
  spec: string;
  status: 'ok' | 'nodeb' | 'nochangelog' | 'unterminated';
  text: string;
  /** Doc-dir symlink target (another binary package of the same source). */
  link: string | null;
  errors: string[];
}

export function parseChangelogScriptOutput(output: string): FetchedChangelog[] {
  const out: FetchedChangelog[] = [];
  let cur: (FetchedChangelog & { lines: string[] }) | null = null;
  const close = (status: FetchedChangelog['status']): void => {
    if (!cur) return;
    const { lines, ...rest } = cur;
    out.push({ ...rest, status, text: lines.join('\n') });
    cur = null;
  };
  for (const line of output.split('\n')) {
    if (line.startsWith('@@PW-BEGIN ')) {
      close('unterminated');
      cur = { spec: line.slice(11), status: 'unterminated', text: '', link: null, errors: [], lines: [] };
    } else if (!cur) {
      continue;
    } else if (line.startsWith('|')) {
      cur.lines.push(line.slice(1));
    } else if (line.startsWith('!')) {
      cur.errors.push(line.slice(1));
    } else if (line.startsWith('@@PW-LINK ')) {
      cur.link = line.slice(10).replace(/\/+$/, '').split('/').pop() ?? null;
    } else if (line.startsWith('@@PW-END ')) {
      const s = line.slice(9).trim();
      close(s === 'ok' || s === 'nodeb' || s === 'nochangelog' ? s : 'unterminated');
    }
  }
  close('unterminated');
  return out;
}

export interface BinaryInfo {
  name: string;
  version: string;
  source: string;
  size: number;
  /** The record's file in its repository and the file's SHA-256, where the record has them. */
  filename?: string;
  sha256?: string;
}

/** A package file as a machine's lists name it: what the core may read itself (FleetChangelogs). */
export interface RepositoryDeb {
  name: string;
  version: string;
  filename: string;
  sha256: string;
}

/** Parses `apt-cache show pkg=ver…` stanzas for Source (defaulting to Package), Size, Filename and SHA256. */
export function parseAptCacheShow(text: string): BinaryInfo[] {
  const out: BinaryInfo[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (k: string): string | undefined => new RegExp(`^${k}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
    const name = field('Package');
    const version = field('Version');
    if (!name || !version) continue;
    const source = (field('Source') ?? name).split(' ')[0] ?? name;
    const filename = field('Filename');
    const sha256 = field('SHA256')?.toLowerCase();
    out.push({ name, version, source, size: Number(field('Size') ?? Number.MAX_SAFE_INTEGER), ...(filename ? { filename } : {}), ...(sha256 ? { sha256 } : {}) });
  }
  return out;
}

function toInfo(text: string, readFrom: string): ChangelogInfo {
  const entries = parseDebianChangelog(text, { maxEntries: MAX_ENTRIES }).map(
    ({ version, distributions, urgency, date, cves }) => ({ version, distributions, urgency, date, cves }),
  );
  return { status: 'ok', entries, readFrom, fetchedAt: new Date().toISOString() };
}

export interface FetchChangelogsOptions {
  cache?: ChangelogCache;
  /**
   * Reads a changelog in the core from the file the office cache holds (FleetChangelogs.read), or null. With it,
   * a machine the cache is lent to only downloads the .debs (through the cache) and the core reads each file once
   * for the fleet; what it cannot read, the machine reads as before.
   */
  fromRepository?: (deb: RepositoryDeb, fetch?: boolean) => Promise<DebChangelog | null>;
  /** Specs per script run; each may download a .deb, so keep runs short enough to time out sensibly. */
  batchSize?: number;
  timeoutMs?: number;
}

/**
 * Returns changelog info for each requested binary package version, from the cache where possible. Binaries built
 * from one source at one version share a changelog, so only the smallest .deb of each such group is downloaded.
 */
export async function fetchChangelogs(
  remote: Remote,
  wanted: readonly { name: string; version: string }[],
  options: FetchChangelogsOptions = {},
): Promise<{ infos: Map<string, ChangelogInfo>; warnings: string[] }> {
  const infos = new Map<string, ChangelogInfo>();
  const warnings: string[] = [];
  const key = (n: string, v: string): string => `${n}=${v}`;
  const misses: { name: string; version: string }[] = [];
  for (const w of wanted) {
    if (!isDebianPackageName(w.name) || !isDebianVersion(w.version)) {
      warnings.push(`skipped changelog for invalid package/version ${JSON.stringify(key(w.name, w.version))}`);
      continue;
    }
    const hit = await options.cache?.get(w.name, w.version);
    if (hit) infos.set(key(w.name, w.version), hit);
    else misses.push(w);
  }
  if (misses.length === 0) return { infos, warnings };

  // Group by (source, version) so e.g. the eight openjdk-17 binaries cost one small download.
  const groups = new Map<string, { members: string[]; pick: BinaryInfo | null }>();
  let binaries: BinaryInfo[] = [];
  try {
    const show = await run(remote, ['apt-cache', 'show', ...misses.map((m) => key(m.name, m.version))], { okCodes: [0, 100] });
    binaries = parseAptCacheShow(show.stdout);
  } catch (e) {
    rethrowIfLost(e);
    warnings.push(`apt-cache show failed, downloading each package: ${errorMessage(e)}`);
  }
  for (const m of misses) {
    const b = binaries.find((x) => x.name === m.name && x.version === m.version) ??
      { name: m.name, version: m.version, source: m.name, size: Number.MAX_SAFE_INTEGER };
    const g = groups.get(key(b.source, b.version)) ?? { members: [], pick: null };
    g.members.push(b.name);
    if (!g.pick || b.size < g.pick.size) g.pick = b;
    groups.set(key(b.source, b.version), g);
  }

  const picks = [...groups.values()].flatMap((g) => (g.pick ? [g.pick] : []));
  const fetched = options.fromRepository ? await readInCore(remote, picks, options.fromRepository, warnings) : [];
  const done = new Set(fetched.map((f) => f.spec));
  const specs = picks.map((p) => key(p.name, p.version)).filter((s) => !done.has(s));
  fetched.push(...(specs.length ? await runBatches(remote, specs, options, warnings) : []));
  // A doc dir that is a symlink (libfoo-dev -> libfoo) has no changelog of its own: read the target's instead.
  const retry = new Map<string, FetchedChangelog>();
  for (const f of fetched) {
    if (f.status === 'nochangelog' && f.link && isDebianPackageName(f.link)) {
      retry.set(key(f.link, f.spec.slice(f.spec.indexOf('=') + 1)), f);
    }
  }
  if (retry.size > 0) {
    for (const a of await runBatches(remote, [...retry.keys()], options, warnings)) {
      const orig = retry.get(a.spec);
      if (orig && a.status === 'ok') {
        orig.status = 'ok';
        orig.text = a.text;
      }
    }
  }

  for (const g of groups.values()) {
    if (!g.pick) continue;
    const f = fetched.find((x) => x.spec === key(g.pick?.name ?? '', g.pick?.version ?? ''));
    if (!f || f.status === 'nodeb' || f.status === 'unterminated') {
      warnings.push(`no changelog for ${g.pick.name} ${g.pick.version}: ${f?.errors.join(' / ') || f?.status || 'not fetched'}`);
      continue; // transient (network, mirror) — not cached
    }
    const info: ChangelogInfo = f.status === 'ok'
      ? toInfo(f.text, g.pick.name)
      : { status: 'absent', entries: [], readFrom: g.pick.name, fetchedAt: new Date().toISOString() };
    for (const member of g.members) {
      infos.set(key(member, g.pick.version), info);
      await options.cache?.set(member, g.pick.version, info);
    }
  }
  return { infos, warnings };
}

/**
 * Downloads the .debs only (through the office cache lent to the machine), each into a private temp dir that is
 * removed: the cache keeps a copy, which is what the core reads. One apt-get for all; a failure is left to the
 * machine's own changelog run that follows for whatever the core could not read.
 */
export const PREFETCH_SCRIPT = `# patchwell:debian-prefetch-debs
set -u
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/patchwell-pf.XXXXXX") || exit 70
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
cd "$tmp" || exit 70
apt-get download -q "$@" >/dev/null 2>&1
`;

/**
 * Changelogs the core reads from the files the office cache holds: first what it holds, then what the cache fetches
 * for the core from the repositories it serves (the machine does nothing), then after the machine downloaded the
 * rest through the cache.
 */
async function readInCore(
  remote: Remote,
  picks: readonly BinaryInfo[],
  fromRepository: (deb: RepositoryDeb, fetch?: boolean) => Promise<DebChangelog | null>,
  warnings: string[],
): Promise<FetchedChangelog[]> {
  const out: FetchedChangelog[] = [];
  const readable = picks.filter((p): p is BinaryInfo & { filename: string; sha256: string } => Boolean(p.filename && p.sha256));
  const tryAll = async (list: typeof readable, fetch = false): Promise<typeof readable> => {
    const results = await Promise.all(list.map((p) => fromRepository(p, fetch)));
    const left: typeof readable = [];
    list.forEach((p, i) => {
      const r = results[i];
      if (r) out.push({ spec: `${p.name}=${p.version}`, status: r.status, text: r.text, link: r.link, errors: [] });
      else left.push(p);
    });
    return left;
  };
  let left = await tryAll(readable);
  if (left.length > 0) left = await tryAll(left, true);
  if (left.length > 0 && remote.proxyUrl !== undefined) {
    try {
      await runScript(remote, 'debian-prefetch-debs', PREFETCH_SCRIPT, left.map((p) => `${p.name}=${p.version}`), {
        timeoutMs: 10 * 60_000, proxy: true, okCodes: [0, 100],
      });
      left = await tryAll(left);
    } catch (e) {
      rethrowIfLost(e);
      warnings.push(`downloading .debs through the office cache failed, the machine reads their changelogs: ${errorMessage(e)}`);
    }
  }
  return out;
}

async function runBatches(
  remote: Remote,
  specs: readonly string[],
  options: FetchChangelogsOptions,
  warnings: string[],
): Promise<FetchedChangelog[]> {
  const size = options.batchSize ?? 20;
  const out: FetchedChangelog[] = [];
  for (let i = 0; i < specs.length; i += size) {
    const batch = specs.slice(i, i + size);
    try {
      const r = await runScript(remote, 'debian-changelogs', CHANGELOG_SCRIPT, [String(MAX_CHANGELOG_BYTES), ...batch], {
        timeoutMs: options.timeoutMs ?? 10 * 60_000,
        proxy: true,
      });
      out.push(...parseChangelogScriptOutput(r.stdout));
    } catch (e) {
      // A machine that went away fails every later batch the same way: one error for the caller, not one per batch.
      rethrowIfLost(e);
      warnings.push(`changelog download failed for ${batch.length} package(s): ${errorMessage(e)}`);
    }
  }
  return out;
}
