/**
 * What the office cache accepts from a machine, as pure functions: the proxy is reachable by every machine a job
 * lends it to, so anything but a plain absolute http:// URL or a CONNECT to an https port is refused here.
 */
import net from 'node:net';

/** How a URL is treated: cached and never revalidated, cached and revalidated, or passed through uncached. */
export type UrlKind = 'immutable' | 'index' | 'pass';

export interface ProxyTarget {
  url: URL;
  /** The cache key: the normalised URL (lower-case host, default port dropped, dot segments resolved). */
  key: string;
}

export interface ConnectTarget {
  host: string;
  port: number;
}

/** Longer request targets are refused: package repository paths are far shorter, and the index stores the key. */
export const MAX_TARGET_LENGTH = 4096;

// Control characters, spaces and the characters HTTP never allows unescaped in a request target.
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are refused
const UNSAFE = /[\u0000-\u0020\u007f-\uffff"<>\\^`{|}]/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/i;

/** An absolute-form `http://host[:port]/path` request target, or the reason it is refused. */
export function parseProxyTarget(raw: string): ProxyTarget | { refused: string } {
  if (raw.length > MAX_TARGET_LENGTH) return { refused: 'request target too long' };
  if (UNSAFE.test(raw)) return { refused: 'request target has characters HTTP does not allow' };
  if (!/^http:\/\//i.test(raw)) return { refused: 'only absolute http:// URLs are proxied (https goes through CONNECT)' };
  // The URL parser would read `http:///a` as host `a`; a request target names its host plainly.
  if (!/^http:\/\/[^/?#]/i.test(raw)) return { refused: 'an absolute URL names a host' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refused: 'not a URL' };
  }
  if (url.username !== '' || url.password !== '') return { refused: 'URLs with credentials are not proxied' };
  if (url.hash !== '') return { refused: 'a request target has no fragment' };
  if (!validHost(url.hostname)) return { refused: 'not a host name or address' };
  url.hash = '';
  return { url, key: url.href };
}

/** A `CONNECT host:port` target, allowed only to the given ports (https: 443). */
export function parseConnectTarget(raw: string, allowedPorts: readonly number[]): ConnectTarget | { refused: string } {
  if (raw.length > 300 || UNSAFE.test(raw)) return { refused: 'bad CONNECT target' };
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+):(\d{1,5})$/i.exec(raw);
  if (!m?.[1] || !m[2]) return { refused: 'a CONNECT target is host:port' };
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  const port = Number(m[2]);
  if (!validHost(host)) return { refused: 'not a host name or address' };
  if (!allowedPorts.includes(port)) return { refused: `CONNECT is only allowed to port ${allowedPorts.join(', ')}` };
  return { host, port };
}

function validHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return net.isIP(bare) !== 0 || HOSTNAME.test(bare);
}

const IMMUTABLE_EXT = /\.(deb|udeb|rpm|drpm)$/i;
const INDEX_NAMES = /^(InRelease|Release|Release\.gpg|repomd\.xml(\.asc|\.key)?)$/;
const INDEX_PREFIXES = /^(Packages|Sources|Translation-|Contents-|Components-|icons-|Commands-)/;

/**
 * Which files are cached how. Package files and apt's by-hash paths never change under their name, so they are
 * served from disk; repository indexes change in place, so they are revalidated upstream when online. Anything
 * with a query string, or that is neither, passes through: the cache cannot know it is safe to keep.
 */
export function classifyUrl(url: URL): UrlKind {
  if (url.search !== '') return 'pass';
  const path = url.pathname;
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === '') return 'pass';
  if (path.includes('/by-hash/')) return 'immutable';
  if (INDEX_NAMES.test(name) || INDEX_PREFIXES.test(name) || /\.xml\.gz$/i.test(name) || path.includes('/repodata/')) return 'index';
  if (IMMUTABLE_EXT.test(name) || path.includes('/pool/') || path.includes('/Packages/')) return 'immutable';
  return 'pass';
}

/** Addresses the proxy never connects to on a machine's behalf: this computer itself (its other services). */
export function isLocalAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (net.isIPv4(v4)) return v4.startsWith('127.') || v4.startsWith('0.');
  if (net.isIPv6(address)) {
    const a = address.toLowerCase();
    return a === '::1' || a === '::' || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(a) || /^0*:0*:0*:0*:0*:0*:0*:0*$/.test(a);
  }
  return false;
}
