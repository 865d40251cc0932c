/**
 * Parser for debian/changelog text (the changelog.Debian.gz shipped in every binary package), and the CVE and
 * urgency summary of the entries newer than what a host has installed. Written for hostile or broken input: the
 * text comes from a remote machine, so it is bounded, and lines that are neither headers nor trailers are kept as
 * body or dropped, never fatal.
 */
import { compareDebianVersions } from './debian-version';

export interface ChangelogEntry {
  /** Source package name from the header line. */
  package: string;
  version: string;
  /** e.g. ["bookworm-security"], ["unstable"]. */
  distributions: string[];
  /** Lower-cased urgency (low, medium, high, emergency, critical), or null when the header has none. */
  urgency: string | null;
  /** The change lines between header and trailer, as written. */
  body: string;
  /** "Name <email>" from the trailer, or null when the trailer is missing. */
  maintainer: string | null;
  /** The trailer date as an ISO-8601 timestamp, or null when missing or unparseable. */
  date: string | null;
  /** CVE IDs mentioned in the body, upper-cased, first-seen order, no duplicates. */
  cves: string[];
}

export interface ParseChangelogOptions {
  /** Stop reading after this many characters (default 4 MB): a changelog can be huge and comes from a remote. */
  maxChars?: number;
  /** Stop after this many entries (default 5000). */
  maxEntries?: number;
  /** Stop once an entry at or below this version has been read: older entries cannot matter to an assessment. */
  stopAtOrBelow?: string;
}

// Same shape dpkg-parsechangelog accepts: "name (version) dist1 dist2; key=value, key=value".
const HEADER = /^(\w[-+0-9a-z.]*) \(([^() \t]+)\)((?:\s+[-+0-9a-z./]+)+)\s*;(.*)$/i;
const TRAILER = /^ -- (.*?) <([^>]*)> {1,2}(\S.*?)\s*$/;
// Some hand-written changelogs drop the address; dpkg warns but still reads the date after two spaces.
const TRAILER_NO_EMAIL = /^ -- (.*?) {2}(\S.*?)\s*$/;
const CVE = /\bCVE-(\d{4})-(\d{4,7})\b/gi;

const URGENCY_RANK: Readonly<Record<string, number>> = { low: 1, medium: 2, high: 3, emergency: 4, critical: 4 };

/** Extracts CVE IDs, normalised to upper case, deduplicated in first-seen order. */
export function extractCves(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(CVE)) seen.add(`CVE-${m[1]}-${m[2]}`);
  return [...seen];
}

/** Ranks an urgency so the highest of several can be chosen; unknown words rank 0. */
export function urgencyRank(urgency: string | null): number {
  return urgency ? (URGENCY_RANK[urgency] ?? 0) : 0;
}

function parseDate(text: string): string | null {
  const ms = Date.parse(text.replace(/\s+\([^()]*\)\s*$/, ''));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

function parseUrgency(fields: string): string | null {
  for (const part of fields.split(',')) {
    const m = /^\s*urgency\s*=\s*([A-Za-z]+)/i.exec(part);
    if (m?.[1]) return m[1].toLowerCase();
  }
  return null;
}

export function parseDebianChangelog(text: string, options: ParseChangelogOptions = {}): ChangelogEntry[] {
  const maxChars = options.maxChars ?? 4_000_000;
  const maxEntries = options.maxEntries ?? 5000;
  const input = text.length > maxChars ? text.slice(0, maxChars) : text;
  const entries: ChangelogEntry[] = [];
  let current: ChangelogEntry | null = null;
  let body: string[] = [];

  const finish = (): boolean => {
    if (!current) return false;
    current.body = body.join('\n').replace(/^\n+|\s+$/g, '');
    current.cves = extractCves(current.body);
    entries.push(current);
    const stop = options.stopAtOrBelow !== undefined &&
      compareDebianVersions(current.version, options.stopAtOrBelow) <= 0;
    current = null;
    body = [];
    return stop || entries.length >= maxEntries;
  };

  for (const raw of input.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const header = HEADER.exec(line);
    if (header) {
      if (finish()) return entries;
      const [, pkg = '', version = '', dists = '', fields = ''] = header;
      current = {
        package: pkg,
        version,
        distributions: dists.trim().split(/\s+/).filter(Boolean),
        urgency: parseUrgency(fields),
        body: '',
        maintainer: null,
        date: null,
        cves: [],
      };
      continue;
    }
    if (!current) continue; // text before the first header (or after a stop) is not part of any entry
    if (line.startsWith(' -- ')) {
      const withEmail = TRAILER.exec(line);
      const bare = withEmail ? null : TRAILER_NO_EMAIL.exec(line);
      if (withEmail) {
        current.maintainer = `${withEmail[1] ?? ''} <${withEmail[2] ?? ''}>`.trim();
        current.date = parseDate(withEmail[3] ?? '');
      } else {
        current.maintainer = (bare?.[1] ?? line.slice(4)).trim() || null;
        current.date = bare ? parseDate(bare[2] ?? '') : null;
      }
      if (finish()) return entries;
      continue;
    }
    body.push(line);
  }
  finish(); // the last entry may lack its trailer (truncated input)
  return entries;
}

/** Entries whose version is strictly newer than the installed one (all of them when nothing is installed). */
export function entriesNewerThan<T extends Pick<ChangelogEntry, 'version'>>(
  entries: readonly T[],
  installedVersion: string | null,
): T[] {
  if (installedVersion === null) return [...entries];
  return entries.filter((e) => compareDebianVersions(e.version, installedVersion) > 0);
}

export interface ChangelogSummary {
  cves: string[];
  /** Highest urgency among the entries, or null when none states one. */
  urgency: string | null;
  /** Trailer date of the newest entry, ISO-8601. */
  newestDate: string | null;
  entryCount: number;
}

/** What a pending update fixes, from the entries newer than the installed version. */
export function summarizeEntries(entries: readonly Pick<ChangelogEntry, 'cves' | 'urgency' | 'date'>[]): ChangelogSummary {
  const cves = new Set<string>();
  let urgency: string | null = null;
  let newest: string | null = null;
  for (const e of entries) {
    for (const c of e.cves) cves.add(c);
    if (urgencyRank(e.urgency) > urgencyRank(urgency)) urgency = e.urgency;
    if (e.date && (newest === null || e.date > newest)) newest = e.date;
  }
  return { cves: [...cves], urgency, newestDate: newest, entryCount: entries.length };
}
