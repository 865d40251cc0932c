/**
 * One entry point for every feed format, for callers that hold a kind chosen by the user or by
 * {@link detectFeedKind}. `kind` may arrive from IPC, so an unknown value is an error result, not a throw.
 */
import { parseCvrfJson } from './cvrf-feed';
import { parseDebianTrackerJson } from './debian-tracker-feed';
import { detectFeedKind } from './detect-feed-kind';
import { parseEpssCsv } from './epss-feed';
import type {
  CvrfRecord,
  DebianTrackerRecord,
  EpssRecord,
  FeedKind,
  FeedParseOptions,
  FeedResult,
  KevRecord,
  OsvRecord,
} from './feed-types';
import { parseKevCsv, parseKevJson } from './kev-feed';
import { parseOsvJson } from './osv-feed';

/** The record type each kind produces. */
export interface FeedRecordMap {
  'kev-json': KevRecord;
  'kev-csv': KevRecord;
  'epss-csv': EpssRecord;
  'osv-json': OsvRecord;
  'osv-zip': OsvRecord;
  'debian-tracker-json': DebianTrackerRecord;
  'msrc-cvrf-json': CvrfRecord;
}

/** A result of any kind, discriminated by `feed.kind` once `ok` is checked. */
export type AnyFeedResult = { [K in FeedKind]: FeedResult<K, FeedRecordMap[K]> }[FeedKind];

/** Kinds parsed from one buffer; an OSV bundle (zip) is read entry by entry by the importer instead. */
type WholeFileKind = Exclude<FeedKind, 'osv-zip'>;

type ParserTable = { [K in WholeFileKind]: (bytes: Uint8Array, opts: FeedParseOptions) => FeedResult<K, FeedRecordMap[K]> };

const PARSERS: ParserTable = {
  'kev-json': parseKevJson,
  'kev-csv': parseKevCsv,
  'epss-csv': parseEpssCsv,
  'osv-json': parseOsvJson,
  'debian-tracker-json': parseDebianTrackerJson,
  'msrc-cvrf-json': parseCvrfJson,
};

/** Every kind, e.g. for a zod enum at the IPC boundary. */
export const FEED_KINDS: FeedKind[] = [...(Object.keys(PARSERS) as WholeFileKind[]), 'osv-zip'];

/** Parses `bytes` as `kind`. Debian tracker files need `opts.fallbackDate` (they carry no date). */
export function parseFeedFile<K extends FeedKind>(
  kind: K,
  bytes: Uint8Array,
  opts: FeedParseOptions = {},
): FeedResult<K, FeedRecordMap[K]> {
  if (kind === 'osv-zip') {
    // Held whole, a real bundle (~1 GiB inflated) would not fit in memory; importFeed streams it.
    return { ok: false, error: 'an OSV bundle (zip) is read entry by entry by the importer, not parsed whole' };
  }
  if (!Object.hasOwn(PARSERS, kind)) return { ok: false, error: `unknown feed kind ${JSON.stringify(kind)}` };
  return (PARSERS[kind as WholeFileKind] as (b: Uint8Array, o: FeedParseOptions) => FeedResult<K, FeedRecordMap[K]>)(bytes, opts);
}

/** Detects the kind, then parses; refuses files whose shape matches no known feed. */
export function parseFeedAuto(bytes: Uint8Array, opts: FeedParseOptions = {}): AnyFeedResult {
  const kind = detectFeedKind(bytes);
  if (kind === null) {
    return { ok: false, error: 'not a recognised feed (expected KEV JSON/CSV, EPSS CSV, OSV JSON or zip, Debian tracker or MSRC CVRF)' };
  }
  return parseFeedFile(kind, bytes, opts) as AnyFeedResult;
}
