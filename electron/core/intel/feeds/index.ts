/** Public surface of the offline feed parsers (issue 6). */
export type * from './feed-types';
export { MAX_FEED_BYTES } from './feed-types';
export { parseKevJson, parseKevCsv, KEV_CSV_HEADER } from './kev-feed';
export { parseEpssCsv } from './epss-feed';
export { parseOsvJson } from './osv-feed';
export { parseDebianTrackerJson } from './debian-tracker-feed';
export { parseCvrfJson } from './cvrf-feed';
export { detectFeedKind } from './detect-feed-kind';
export { parseFeedFile, parseFeedAuto, FEED_KINDS } from './parse-feed-file';
export type { FeedRecordMap, AnyFeedResult } from './parse-feed-file';
