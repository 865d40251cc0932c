/**
 * Parsers for the two ways a host says what it is: /etc/os-release (every systemd-era Linux, Alpine included) and
 * `sw_vers` on macOS. Both are read with plain `cat`/`sw_vers`, so these parsers see the raw text.
 */
import type { OsRelease } from './platform';

/** Undoes os-release's shell-style quoting: "…" with \" \\ \$ \` escapes, '…' literal, or a bare word. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return v;
}

export function parseOsRelease(text: string): OsRelease {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) raw[m[1]] = unquote(m[2]);
  }
  return {
    id: (raw.ID ?? 'linux').toLowerCase(),
    idLike: (raw.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    name: raw.NAME ?? 'Linux',
    prettyName: raw.PRETTY_NAME ?? null,
    versionId: raw.VERSION_ID ?? null,
    versionCodename: raw.VERSION_CODENAME ?? null,
    raw,
  };
}

/**
 * `sw_vers` prints "ProductName:\tmacOS", "ProductVersion:\t14.6.1", "BuildVersion:\t23G93" (older releases say
 * "Mac OS X"; Big Sur and later may add ProductVersionExtra). Returns null when the text is not sw_vers output.
 */
export function parseSwVers(text: string): OsRelease | null {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(\w+):\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) raw[m[1]] = m[2];
  }
  const product = raw.ProductName;
  const version = raw.ProductVersion;
  if (!product || !version || !/^(macOS|Mac OS X)( Server)?$/.test(product)) return null;
  return {
    id: 'macos',
    idLike: [],
    name: product,
    prettyName: `${product} ${version}${raw.BuildVersion ? ` (${raw.BuildVersion})` : ''}`,
    versionId: version,
    versionCodename: null,
    raw,
  };
}
