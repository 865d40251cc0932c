/**
 * CISA Known Exploited Vulnerabilities catalogue, JSON and CSV editions
 * (https://www.cisa.gov/known-exploited-vulnerabilities-catalog).
 */
import { z } from 'zod';
import { CsvSyntaxError, readCsvRows } from './csv-reader';
import { CVE_ID_RE, decodeFeedText, formatZodError, isIsoDate, parseJsonText, toIsoTimestamp } from './feed-text';
import type { FeedParseOptions, FeedResult, KevRecord } from './feed-types';

/** Column order of CISA's `known_exploited_vulnerabilities.csv`. */
export const KEV_CSV_HEADER = [
  'cveID',
  'vendorProject',
  'product',
  'vulnerabilityName',
  'dateAdded',
  'shortDescription',
  'requiredAction',
  'dueDate',
  'knownRansomwareCampaignUse',
  'notes',
  'cwes',
] as const;

const isoDate = z.string().refine(isIsoDate, { message: 'expected a real date written YYYY-MM-DD' });

// Fields common to both editions. Unknown extra keys are tolerated (CISA added `cwes` in 2024 without notice);
// missing or mistyped known keys are not.
const kevEntryFields = {
  cveID: z.string().regex(CVE_ID_RE, { message: 'expected a CVE id like CVE-2024-12345' }),
  vendorProject: z.string().min(1),
  product: z.string().min(1),
  vulnerabilityName: z.string().min(1),
  dateAdded: isoDate,
  shortDescription: z.string(),
  requiredAction: z.string(),
  dueDate: isoDate,
  knownRansomwareCampaignUse: z.enum(['Known', 'Unknown']),
  notes: z.string(),
};

const kevJsonEntry = z.object({ ...kevEntryFields, cwes: z.array(z.string()).optional() });
const kevCsvEntry = z.object({ ...kevEntryFields, cwes: z.string() });

const kevJsonDocument = z.object({
  title: z.string(),
  catalogVersion: z.string().min(1),
  dateReleased: z.string().refine((s) => toIsoTimestamp(s) !== null, { message: 'expected an ISO timestamp' }),
  count: z.number().int().nonnegative(),
  vulnerabilities: z.array(kevJsonEntry),
});

type KevEntry = z.infer<typeof kevJsonEntry>;

function toRecord(e: KevEntry): KevRecord {
  return {
    cveId: e.cveID,
    vendor: e.vendorProject,
    product: e.product,
    name: e.vulnerabilityName,
    dateAdded: e.dateAdded,
    dueDate: e.dueDate,
    ransomware: e.knownRansomwareCampaignUse === 'Known',
    shortDescription: e.shortDescription,
  };
}

// A repeated CVE means a botched export; importing it would make the row count lie.
function findDuplicate(records: readonly KevRecord[]): string | null {
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.cveId)) return r.cveId;
    seen.add(r.cveId);
  }
  return null;
}

/** Parses `known_exploited_vulnerabilities.json` (optionally gzipped). Date: `dateReleased`. */
export function parseKevJson(bytes: Uint8Array, opts: FeedParseOptions = {}): FeedResult<'kev-json', KevRecord> {
  const decoded = decodeFeedText(bytes, opts.maxBytes);
  if (!decoded.ok) return { ok: false, error: `KEV JSON: ${decoded.error}` };
  const json = parseJsonText(decoded.text);
  if (!json.ok) return { ok: false, error: `KEV JSON: ${json.error}` };
  const doc = kevJsonDocument.safeParse(json.value);
  if (!doc.success) return { ok: false, error: formatZodError(doc.error, 'KEV JSON: ') };
  const { count, vulnerabilities, dateReleased } = doc.data;
  if (count !== vulnerabilities.length) {
    return {
      ok: false,
      error: `KEV JSON: count says ${count} but vulnerabilities has ${vulnerabilities.length} entries (truncated or edited file)`,
    };
  }
  const records = vulnerabilities.map(toRecord);
  const dup = findDuplicate(records);
  if (dup) return { ok: false, error: `KEV JSON: ${dup} appears more than once in vulnerabilities` };
  return {
    ok: true,
    feed: {
      kind: 'kev-json',
      date: toIsoTimestamp(dateReleased) ?? dateReleased,
      dateSource: 'file-header',
      records,
      count: records.length,
    },
  };
}

/**
 * Parses `known_exploited_vulnerabilities.csv` (optionally gzipped). The CSV has no release stamp, so the
 * date is the newest `dateAdded` (dateSource `file-records`).
 */
export function parseKevCsv(bytes: Uint8Array, opts: FeedParseOptions = {}): FeedResult<'kev-csv', KevRecord> {
  const decoded = decodeFeedText(bytes, opts.maxBytes);
  if (!decoded.ok) return { ok: false, error: `KEV CSV: ${decoded.error}` };
  const records: KevRecord[] = [];
  let headerSeen = false;
  let newest = '';
  try {
    for (const row of readCsvRows(decoded.text)) {
      if (!headerSeen) {
        const got = row.fields.join(',');
        if (got !== KEV_CSV_HEADER.join(',')) {
          return { ok: false, error: `KEV CSV: line 1: expected header "${KEV_CSV_HEADER.join(',')}", got "${got.slice(0, 200)}"` };
        }
        headerSeen = true;
        continue;
      }
      if (row.fields.length !== KEV_CSV_HEADER.length) {
        return {
          ok: false,
          error: `KEV CSV: line ${row.line}: expected ${KEV_CSV_HEADER.length} fields, found ${row.fields.length}`,
        };
      }
      const raw: Record<string, string> = {};
      KEV_CSV_HEADER.forEach((name, i) => {
        raw[name] = row.fields[i] ?? '';
      });
      const entry = kevCsvEntry.safeParse(raw);
      if (!entry.success) return { ok: false, error: formatZodError(entry.error, `KEV CSV: line ${row.line}: `) };
      const rec = toRecord({ ...entry.data, cwes: undefined });
      if (rec.dateAdded > newest) newest = rec.dateAdded;
      records.push(rec);
    }
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { ok: false, error: `KEV CSV: ${err.message}` };
    throw err;
  }
  if (!headerSeen) return { ok: false, error: 'KEV CSV: file has no header line' };
  if (records.length === 0) return { ok: false, error: 'KEV CSV: header only, no vulnerabilities' };
  const dup = findDuplicate(records);
  if (dup) return { ok: false, error: `KEV CSV: ${dup} appears on more than one row` };
  return {
    ok: true,
    feed: { kind: 'kev-csv', date: `${newest}T00:00:00.000Z`, dateSource: 'file-records', records, count: records.length },
  };
}
