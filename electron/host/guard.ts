/**
 * Pure checks for the headless host. The host listens on 127.0.0.1, but a web page the user visits can
 * still reach it: through DNS rebinding (a foreign name resolving to 127.0.0.1: caught by the Host check)
 * or by a cross-site request or WebSocket (caught by the Origin check). The token, made fresh at each
 * start, keeps out everything that has not seen the printed URL.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost']);

/** True when the Host header names this server by a loopback name and the right port. */
export function isAllowedHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const m = /^([a-z0-9.-]+):(\d{1,5})$/i.exec(hostHeader.trim());
  if (!m) return false;
  return LOOPBACK_NAMES.has(m[1]!.toLowerCase()) && Number(m[2]) === port;
}

/**
 * True when the Origin header is this server itself. A missing Origin is accepted only for requests a
 * browser never sends cross-site without one (plain GET navigations); callers say which.
 */
export function isAllowedOrigin(origin: string | undefined, port: number, allowMissing: boolean): boolean {
  if (origin === undefined || origin === '') return allowMissing;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    LOOPBACK_NAMES.has(url.hostname.toLowerCase()) &&
    Number(url.port) === port &&
    url.username === '' &&
    url.password === '' &&
    (url.pathname === '/' || url.pathname === '') &&
    origin === url.origin
  );
}

/** Constant-time comparison, so the token cannot be guessed a character at a time from timings. */
export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * The session cookie's value: the start's token bound to this host's origin (port included). Browsers send a
 * cookie for 127.0.0.1 to every port, so the value must not be the token itself, and one set by a Patchwell
 * host on another port, or before a restart, opens nothing here.
 */
export function sessionCookieValue(token: string, port: number): string {
  return createHmac('sha256', token).update(`patchwell-session http://127.0.0.1:${port}`).digest('base64url');
}
