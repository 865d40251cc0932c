/**
 * WinRM fingerprint: an unauthenticated POST to /wsman on 5985 (HTTP) or 5986 (HTTPS). Windows answers
 * 401 with its auth schemes and "Server: Microsoft-HTTPAPI/2.0"; a second request carrying an NTLM
 * NEGOTIATE gets the same CHALLENGE the SMB probe reads, so hosts with only WinRM open are named too.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { buildNtlmNegotiate, findNtlmMessage, parseNtlmChallenge, windowsVersionName, type NtlmChallenge } from './ntlm-challenge';
import type { OsHint } from './os-hint';

/** One challenge from WWW-Authenticate (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** As sent, e.g. "Negotiate"; compare case-insensitively. */
  scheme: string;
  /** token68 (e.g. a base64 NTLM/SPNEGO token), if any. */
  token?: string;
  /** auth-params such as realm; names lower-cased. */
  params: Record<string, string>;
}

const MAX_HEADER_CHARS = 8192;
const MAX_CHALLENGES = 16;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Split on commas outside quoted strings. */
function splitCommas(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (quoted && ch === '\\' && i + 1 < s.length) { cur += ch + (s[i + 1] as string); i++; continue; }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t;
}

function asParam(seg: string): [string, string] | null {
  const eq = seg.indexOf('=');
  if (eq <= 0) return null;
  const name = seg.slice(0, eq).trim();
  return TOKEN.test(name) ? [name.toLowerCase(), unquote(seg.slice(eq + 1))] : null;
}

/**
 * Parse WWW-Authenticate, given as one string (possibly comma-joined by a proxy or by Node) or as the
 * separate header lines. Malformed pieces are skipped; input is length-capped.
 */
export function parseWwwAuthenticate(values: string | readonly string[] | undefined): AuthChallenge[] {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  const out: AuthChallenge[] = [];
  for (const value of list.slice(0, MAX_CHALLENGES)) {
    let current: AuthChallenge | null = null;
    for (const rawSeg of splitCommas(value.slice(0, MAX_HEADER_CHARS))) {
      const seg = rawSeg.trim();
      if (!seg) continue;
      const sp = seg.search(/\s/);
      const first = sp < 0 ? seg : seg.slice(0, sp);
      const rest = sp < 0 ? '' : seg.slice(sp).trim();
      // "name=value" continues the current challenge; "Scheme [stuff]" starts a new one.
      const param = TOKEN.test(first) && !first.includes('=') ? null : asParam(seg);
      if (param) {
        if (current) current.params[param[0]] = param[1];
        continue;
      }
      if (!TOKEN.test(first)) { current = null; continue; }
      if (out.length >= MAX_CHALLENGES) return out;
      current = { scheme: first, params: {} };
      out.push(current);
      if (!rest) continue;
      if (TOKEN68.test(rest)) current.token = rest;
      else {
        const p = asParam(rest);
        if (p) current.params[p[0]] = p[1];
      }
    }
  }
  return out;
}

/** TLS certificate facts recorded from 5986; accepted unverified because we only look, never log in. */
export interface CertInfo {
  sha256: string;
  subjectCN?: string;
  issuerCN?: string;
  validTo?: string;
  selfSigned: boolean;
}

export interface WinrmProbeResult {
  ok: boolean;
  tls: boolean;
  status?: number;
  server?: string;
  challenges: AuthChallenge[];
  cert?: CertInfo;
  ntlm?: NtlmChallenge;
  windowsVersion?: string;
  error?: string;
}

export interface WinrmProbeOptions {
  tls: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Send a second request with an NTLM NEGOTIATE to learn the host name and build. Default true. */
  ntlm?: boolean;
}

interface RawResponse {
  status: number;
  headers: [string, string][];
  cert?: CertInfo;
}

function cn(v: unknown): string | undefined {
  if (typeof v === 'string') return v.slice(0, 256);
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0].slice(0, 256);
  return undefined;
}

function request(host: string, port: number, opts: WinrmProbeOptions, authorization?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      'Content-Type': 'application/soap+xml;charset=UTF-8',
      'Content-Length': '0',
      'User-Agent': 'Patchwell-Discovery',
    };
    if (authorization) headers['Authorization'] = authorization;
    const base = { host, port, path: '/wsman', method: 'POST', headers, agent: false as const, timeout: opts.timeoutMs, signal: opts.signal };
    const req = opts.tls
      ? https.request({ ...base, rejectUnauthorized: false })
      : http.request(base);
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no response within ${opts.timeoutMs} ms`)));
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.on('response', (res) => {
      clearTimeout(timer);
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.push([(res.rawHeaders[i] as string).toLowerCase(), res.rawHeaders[i + 1] as string]);
      let cert: CertInfo | undefined;
      if (opts.tls) {
        const c = (res.socket as TLSSocket).getPeerCertificate();
        if (c && c.fingerprint256) {
          const subjectCN = cn(c.subject?.CN);
          const issuerCN = cn(c.issuer?.CN);
          cert = {
            sha256: c.fingerprint256,
            subjectCN,
            issuerCN,
            validTo: c.valid_to,
            selfSigned: JSON.stringify(c.subject ?? null) === JSON.stringify(c.issuer ?? null),
          };
        }
      }
      // The body is irrelevant; drop the connection rather than read an arbitrary amount.
      res.destroy();
      resolve({ status: res.statusCode ?? 0, headers, cert });
    });
    req.end();
  });
}

/** Probe one WinRM listener; never rejects. */
export async function probeWinrm(host: string, port: number, opts: WinrmProbeOptions): Promise<WinrmProbeResult> {
  const result: WinrmProbeResult = { ok: false, tls: opts.tls, challenges: [] };
  try {
    const first = await request(host, port, opts);
    result.ok = true;
    result.status = first.status;
    result.server = first.headers.find(([k]) => k === 'server')?.[1]?.slice(0, 200);
    result.challenges = parseWwwAuthenticate(first.headers.filter(([k]) => k === 'www-authenticate').map(([, v]) => v));
    if (first.cert) result.cert = first.cert;
    const scheme = result.challenges.find((c) => /^(negotiate|ntlm)$/i.test(c.scheme))?.scheme;
    if (first.status === 401 && scheme && opts.ntlm !== false) {
      const second = await request(host, port, opts, `${scheme} ${buildNtlmNegotiate().toString('base64')}`);
      const again = parseWwwAuthenticate(second.headers.filter(([k]) => k === 'www-authenticate').map(([, v]) => v));
      const token = again.find((c) => c.token && /^(negotiate|ntlm)$/i.test(c.scheme))?.token;
      if (token) {
        const msg = findNtlmMessage(Buffer.from(token, 'base64'));
        const parsed = msg ? parseNtlmChallenge(msg) : null;
        if (parsed?.ok) {
          result.ntlm = parsed.challenge;
          const name = parsed.challenge.version ? windowsVersionName(parsed.challenge.version) : null;
          if (name) result.windowsVersion = name;
        }
      }
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    result.error = err.name === 'AbortError' ? 'cancelled' : (err.code ?? err.message);
  }
  return result;
}

/** OS hint from WinRM: HTTP.sys and Negotiate/NTLM are Windows; an NTLM VERSION names the release. */
export function winrmOsHint(r: WinrmProbeResult): OsHint | null {
  if (!r.ok) return null;
  const src = r.tls ? 'WinRM over HTTPS' : 'WinRM over HTTP';
  const v = r.ntlm?.version;
  if (v && r.windowsVersion) {
    return { family: 'windows', distro: r.windowsVersion, version: `${v.major}.${v.minor}.${v.build}`, confidence: 0.95, reason: `${src}: NTLM challenge reports Windows ${v.major}.${v.minor}.${v.build}` };
  }
  const schemes = r.challenges.map((c) => c.scheme.toLowerCase());
  const windowsAuth = r.status === 401 && schemes.some((s) => s === 'negotiate' || s === 'ntlm' || s === 'kerberos' || s === 'credssp');
  const httpSys = /^Microsoft-HTTPAPI\//i.test(r.server ?? '');
  if (windowsAuth || httpSys) {
    const parts = [windowsAuth ? `401 offering ${r.challenges.map((c) => c.scheme).join(', ')}` : '', httpSys ? `Server "${r.server}"` : ''].filter(Boolean);
    return { family: 'windows', confidence: windowsAuth && httpSys ? 0.85 : 0.7, reason: `${src}: ${parts.join('; ')}` };
  }
  return { family: 'unknown', confidence: 0.05, reason: `${src}: HTTP ${r.status ?? '?'} from "${r.server ?? 'no Server header'}"` };
}
