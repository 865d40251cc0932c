/**
 * OSV advisories (https://ossf.github.io/osv-schema/) as Debian (DSA/DLA/DTSA) and Ubuntu (USN, UBUNTU-CVE)
 * publish them: one advisory object per file, or a JSON array of them.
 *
 * osv.dev's `all.zip` ecosystem bundles are read entry by entry by ../osv-zip-import.ts, each entry through
 * parseOsvJson; `database_specific` / `ecosystem_specific` blobs are ignored.
 */
import { z } from 'zod';
import { CVE_ID_RE, decodeFeedText, formatZodError, parseJsonText, toIsoTimestamp } from './feed-text';
import { type FeedParseOptions, type FeedResult, type OsvPackage, type OsvRecord } from './feed-types';

const timestamp = z.string().refine((s) => toIsoTimestamp(s) !== null, { message: 'expected an RFC 3339 timestamp' });

// The schema says each event object holds exactly one of these keys.
const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
const osvEvent = z.record(z.string(), z.string()).refine(
  (e) => {
    const keys = Object.keys(e);
    return keys.length === 1 && (EVENT_KEYS as readonly string[]).includes(keys[0] ?? '');
  },
  { message: 'an event must have exactly one of introduced, fixed, last_affected, limit' },
);

const osvRange = z.object({
  type: z.enum(['ECOSYSTEM', 'SEMVER', 'GIT']),
  repo: z.string().optional(),
  events: z.array(osvEvent).min(1),
});

const osvAffected = z.object({
  package: z.object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() }),
  ranges: z.array(osvRange).optional(),
  versions: z.array(z.string()).optional(),
});

const osvSeverity = z.object({ type: z.string().min(1), score: z.string().min(1) });

const osvAdvisory = z.object({
  schema_version: z.string().optional(),
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: 'expected an advisory id like DSA-5678-1' }),
  modified: timestamp,
  published: timestamp.optional(),
  withdrawn: timestamp.optional(),
  aliases: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(osvSeverity).optional(),
  affected: z.array(osvAffected).optional(),
});

type OsvAdvisory = z.infer<typeof osvAdvisory>;

const CVSS_PREFERENCE = ['CVSS_V3', 'CVSS_V4', 'CVSS_V2'];

function toRecord(a: OsvAdvisory): OsvRecord {
  const cves: string[] = [];
  // osv.dev's Debian (DSA/DLA) and Ubuntu (USN) records name the CVEs they fix under `related` (older form) or
  // `upstream` (schema 1.7); only CVE ids are taken from either.
  for (const candidate of [a.id, ...(a.aliases ?? []), ...(a.upstream ?? []), ...(a.related ?? [])]) {
    if (CVE_ID_RE.test(candidate) && !cves.includes(candidate)) cves.push(candidate);
  }
  // UBUNTU-CVE-2024-1234 names its CVE in the id itself.
  const embedded = /^UBUNTU-(CVE-\d{4}-\d{4,})$/.exec(a.id)?.[1];
  if (embedded && !cves.includes(embedded)) cves.unshift(embedded);

  const packages: OsvPackage[] = (a.affected ?? []).map((aff) => {
    let fixed: string | null = null;
    // Only ECOSYSTEM ranges carry distro package versions; GIT ranges carry upstream commit hashes.
    for (const range of aff.ranges ?? []) {
      if (range.type !== 'ECOSYSTEM' || fixed !== null) continue;
      const hit = range.events.find((e) => e.fixed !== undefined);
      if (hit?.fixed !== undefined) fixed = hit.fixed;
    }
    return { ecosystem: aff.package.ecosystem, name: aff.package.name, fixed };
  });

  let cvss: string | null = null;
  for (const type of CVSS_PREFERENCE) {
    const s = a.severity?.find((x) => x.type === type);
    if (s) {
      cvss = s.score;
      break;
    }
  }
  // Ubuntu's priority word; anything longer than a word is not one.
  const word = a.severity?.find((x) => x.type === 'Ubuntu')?.score.trim().toLowerCase() ?? '';
  const vendorSeverity = /^[a-z]{1,32}$/.test(word) ? word : null;
  const modified = toIsoTimestamp(a.modified) ?? a.modified;
  const published = a.published === undefined ? modified : (toIsoTimestamp(a.published) ?? a.published);
  return { id: a.id, cves, published, modified, packages, cvss, vendorSeverity };
}

/**
 * Parses one OSV advisory or an array of them (optionally gzipped). Withdrawn advisories are dropped, not
 * refused: withdrawing is the publisher's way of retracting. Date: the newest `modified` (`file-records`).
 */
export function parseOsvJson(bytes: Uint8Array, opts: FeedParseOptions = {}): FeedResult<'osv-json', OsvRecord> {
  const decoded = decodeFeedText(bytes, opts.maxBytes);
  if (!decoded.ok) return { ok: false, error: `OSV JSON: ${decoded.error}` };
  const json = parseJsonText(decoded.text);
  if (!json.ok) return { ok: false, error: `OSV JSON: ${json.error}` };
  const isArray = Array.isArray(json.value);
  const items: unknown[] = isArray ? (json.value as unknown[]) : [json.value];
  if (items.length === 0) return { ok: false, error: 'OSV JSON: empty array, no advisories' };

  const records: OsvRecord[] = [];
  const ids = new Set<string>();
  let newest = '';
  for (const [i, item] of items.entries()) {
    const where = isArray ? `OSV JSON: [${i}].` : 'OSV JSON: ';
    const parsed = osvAdvisory.safeParse(item);
    if (!parsed.success) return { ok: false, error: formatZodError(parsed.error, where) };
    if (ids.has(parsed.data.id)) return { ok: false, error: `${where}id: ${parsed.data.id} appears more than once` };
    ids.add(parsed.data.id);
    const rec = toRecord(parsed.data);
    if (rec.modified > newest) newest = rec.modified;
    if (parsed.data.withdrawn === undefined) records.push(rec);
  }
  return { ok: true, feed: { kind: 'osv-json', date: newest, dateSource: 'file-records', records, count: records.length } };
}

/** osv.dev's Ubuntu bundle holds tens of thousands of entries; this only bounds a hostile archive's work. */
export const MAX_ZIP_ENTRIES = 2_000_000;

/** One advisory file; real ones are a few KB (the largest Ubuntu records well under 1 MiB). */
export const MAX_ZIP_ENTRY_BYTES = 16 * 1024 * 1024;
