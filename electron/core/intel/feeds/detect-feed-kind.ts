/**
 * Recognises a feed file by its shape, looking only at its first 64 KiB so a 70 MB dump is not parsed
 * twice. It is a hint for the UI ("this looks like an EPSS file"); the parser still validates everything.
 */
import { constants, gunzipSync } from 'node:zlib';
import { isGzip } from './feed-text';
import type { FeedKind } from './feed-types';
import { isZip } from './zip-stream';

const HEAD_BYTES = 64 * 1024;
// Deflate expands at most ~1032:1, so 8 KiB of compressed input yields at most ~8.3 MB: bounded work even
// for a gzip bomb, and plenty (tens of KB for real feeds) to see the top-level keys.
const GZIP_HEAD_BYTES = 8 * 1024;

function headText(bytes: Uint8Array): string | null {
  let head = bytes.subarray(0, HEAD_BYTES);
  if (isGzip(bytes)) {
    try {
      // Z_SYNC_FLUSH lets zlib hand back what it has decoded so far instead of failing on the cut stream.
      const inflated = gunzipSync(bytes.subarray(0, GZIP_HEAD_BYTES), { finishFlush: constants.Z_SYNC_FLUSH });
      head = inflated.subarray(0, HEAD_BYTES);
    } catch {
      return null;
    }
  }
  // Not fatal: the cut may fall inside a multi-byte character.
  return new TextDecoder('utf-8').decode(head).trimStart();
}

/** Returns the format the bytes look like, or null when none matches. Gzip is looked through. */
export function detectFeedKind(bytes: Uint8Array): FeedKind | null {
  if (isZip(bytes)) return 'osv-zip';
  const text = headText(bytes);
  if (!text) return null;
  if (text.startsWith('#model_version') || text.startsWith('cve,epss,percentile')) return 'epss-csv';
  if (text.startsWith('cveID,vendorProject,product,')) return 'kev-csv';
  if (text.startsWith('{')) {
    if (/"catalogVersion"\s*:/.test(text) && /"vulnerabilities"\s*:/.test(text)) return 'kev-json';
    if (/"DocumentTracking"\s*:/.test(text) || /"ProductTree"\s*:/.test(text)) return 'msrc-cvrf-json';
    if (/^\{\s*"[a-z0-9][a-z0-9+.-]*"\s*:\s*\{\s*"(?:CVE-\d{4}-\d{4,}|TEMP-\d{7}-[0-9A-F]{6})"\s*:/.test(text)) {
      return 'debian-tracker-json';
    }
  }
  if (/^[[{]/.test(text) && /"id"\s*:\s*"/.test(text) && /"(?:modified|schema_version|affected)"\s*:/.test(text)) {
    return 'osv-json';
  }
  return null;
}
