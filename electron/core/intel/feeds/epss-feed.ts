/**
 * FIRST EPSS daily scores (https://www.first.org/epss/data_stats), `epss_scores-YYYY-MM-DD.csv.gz`:
 *
 *   #model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000
 *   cve,epss,percentile
 *   CVE-1999-0001,0.01297,0.79239
 *
 * ~300,000 rows a day, so this walks the text with indexOf instead of split('\n') / the general CSV reader:
 * no array of 300k line strings, and no per-character state machine for a format that never quotes.
 */
import { CVE_ID_RE, decodeFeedText, toIsoTimestamp } from './feed-text';
import type { EpssRecord, FeedParseOptions, FeedResult } from './feed-types';

const HEADER = 'cve,epss,percentile';
const NUMBER_RE = /^\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

function parseUnit(s: string): number | null {
  if (!NUMBER_RE.test(s)) return null;
  const n = Number(s);
  return n >= 0 && n <= 1 ? n : null;
}

/** Reads `key:value` pairs from the leading comment line. */
function parseMeta(comment: string): Map<string, string> {
  const meta = new Map<string, string>();
  for (const part of comment.slice(1).split(',')) {
    const colon = part.indexOf(':');
    if (colon > 0) meta.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
  }
  return meta;
}

/**
 * Parses an EPSS daily CSV (gzipped or not). Date: `score_date` from the comment line, which is required.
 * Limitation: a plain (non-gzip) file cut exactly at a line end cannot be told from a complete one; gzip
 * files are protected by their CRC.
 */
export function parseEpssCsv(bytes: Uint8Array, opts: FeedParseOptions = {}): FeedResult<'epss-csv', EpssRecord> {
  const decoded = decodeFeedText(bytes, opts.maxBytes);
  if (!decoded.ok) return { ok: false, error: `EPSS CSV: ${decoded.error}` };
  const text = decoded.text;
  const n = text.length;
  let pos = 0;
  let lineNo = 0;

  // Returns the next line without its terminator, or null at end of text.
  const nextLine = (): string | null => {
    if (pos >= n) return null;
    let end = text.indexOf('\n', pos);
    if (end === -1) end = n;
    let stop = end;
    if (stop > pos && text.charCodeAt(stop - 1) === 13) stop--;
    const line = text.slice(pos, stop);
    pos = end + 1;
    lineNo++;
    return line;
  };

  const comment = nextLine();
  if (comment === null || !comment.startsWith('#')) {
    return { ok: false, error: 'EPSS CSV: line 1: expected "#model_version:…,score_date:…" comment line' };
  }
  const scoreDate = parseMeta(comment).get('score_date');
  if (scoreDate === undefined) return { ok: false, error: 'EPSS CSV: line 1: comment line has no score_date' };
  const date = toIsoTimestamp(scoreDate);
  if (date === null) return { ok: false, error: `EPSS CSV: line 1: score_date "${scoreDate}" is not an ISO timestamp` };

  const header = nextLine();
  if (header !== HEADER) {
    return { ok: false, error: `EPSS CSV: line 2: expected header "${HEADER}", got "${(header ?? '').slice(0, 100)}"` };
  }

  const records: EpssRecord[] = [];
  const seen = new Set<string>();
  for (let line = nextLine(); line !== null; line = nextLine()) {
    // A final empty line is just the file's trailing newline; an empty line anywhere else is damage.
    if (line === '' && pos >= n) break;
    const c1 = line.indexOf(',');
    const c2 = c1 === -1 ? -1 : line.indexOf(',', c1 + 1);
    if (c2 === -1 || line.indexOf(',', c2 + 1) !== -1) {
      return { ok: false, error: `EPSS CSV: line ${lineNo}: expected 3 fields (cve,epss,percentile), got "${line.slice(0, 100)}"` };
    }
    const cveId = line.slice(0, c1);
    if (!CVE_ID_RE.test(cveId)) return { ok: false, error: `EPSS CSV: line ${lineNo}: cve "${cveId}" is not a CVE id` };
    const epss = parseUnit(line.slice(c1 + 1, c2));
    if (epss === null) return { ok: false, error: `EPSS CSV: line ${lineNo}: epss "${line.slice(c1 + 1, c2)}" is not a number in 0..1` };
    const percentile = parseUnit(line.slice(c2 + 1));
    if (percentile === null) {
      return { ok: false, error: `EPSS CSV: line ${lineNo}: percentile "${line.slice(c2 + 1)}" is not a number in 0..1` };
    }
    if (seen.has(cveId)) return { ok: false, error: `EPSS CSV: line ${lineNo}: ${cveId} is scored twice` };
    seen.add(cveId);
    records.push({ cveId, epss, percentile });
  }
  if (records.length === 0) return { ok: false, error: 'EPSS CSV: no score rows after the header' };
  return { ok: true, feed: { kind: 'epss-csv', date, dateSource: 'file-header', records, count: records.length } };
}
