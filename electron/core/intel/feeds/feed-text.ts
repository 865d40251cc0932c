/**
 * Turning a feed file's bytes into text, plus the small field checks every parser shares.
 */
import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { MAX_FEED_BYTES } from './feed-types';

/** CVE ids as MITRE assigns them: four-digit year, then at least four digits. */
export const CVE_ID_RE = /^CVE-\d{4}-\d{4,}$/;

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function formatMiB(n: number): string {
  return `${(n / 1024 / 1024).toFixed(0)} MiB`;
}

/**
 * Gunzips (when the magic bytes say so), bounds the size and decodes strict UTF-8.
 * Strict decoding matters: a replacement character silently changing a package name is worse than a refusal.
 */
export function decodeFeedText(
  bytes: Uint8Array,
  maxBytes: number = MAX_FEED_BYTES,
): { ok: true; text: string } | { ok: false; error: string } {
  let raw: Uint8Array = bytes;
  if (isGzip(bytes)) {
    try {
      // maxOutputLength makes zlib stop instead of inflating a gzip bomb into memory.
      raw = gunzipSync(bytes, { maxOutputLength: maxBytes + 1 });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        return { ok: false, error: `gzip content is larger than the ${formatMiB(maxBytes)} limit` };
      }
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: `gzip data is corrupt or truncated (${message})` };
    }
  }
  if (raw.length > maxBytes) {
    return { ok: false, error: `file is ${raw.length} bytes, larger than the ${formatMiB(maxBytes)} limit` };
  }
  if (raw.length === 0) return { ok: false, error: 'file is empty' };
  try {
    // The default (ignoreBOM: false) strips a leading UTF-8 BOM, which Excel-saved CSVs carry.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(raw) };
  } catch {
    return { ok: false, error: 'file is not valid UTF-8 text' };
  }
}

/** Parses JSON, reporting the position of a syntax error (V8 puts it in the message). */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `invalid or truncated JSON: ${message}` };
  }
}

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2025-02-30). */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Normalises an RFC 3339 / ISO 8601 timestamp (or a bare date) to `toISOString()` form, or null.
 * Accepts `+0000` offsets as EPSS writes them, which `Date` alone does not parse everywhere.
 */
export function toIsoTimestamp(s: string): string | null {
  if (isIsoDate(s)) return `${s}T00:00:00.000Z`;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (!m || !isIsoDate(m[1] ?? '')) return null;
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const d = new Date(`${m[1]}T${m[2]}${zone.toUpperCase()}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** `vulnerabilities[12].cveID` from a zod issue path, so errors point at the offending field. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** First zod issue as `where: message`; one precise error beats a wall of them. */
export function formatZodError(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix}invalid data`;
  return `${prefix}${formatPath(issue.path)}: ${issue.message}`;
}
