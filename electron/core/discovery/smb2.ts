/**
 * SMB2 (MS-SMB2) fingerprint: NEGOTIATE, then SESSION_SETUP carrying an NTLM NEGOTIATE so the server
 * answers with an NTLM CHALLENGE naming itself, its domain and its Windows build. No credentials are
 * sent and the session is abandoned after the challenge.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import {
  buildNtlmNegotiate, filetimeToIso, findNtlmMessage, parseNtlmChallenge, windowsVersionName, type NtlmChallenge,
} from './ntlm-challenge';
import type { OsHint } from './os-hint';

const SMB2_MAGIC = 0x424d53fe; // "\xfeSMB" read little-endian
const SMB1_MAGIC = 0x424d53ff;
const HEADER = 64;
/** Negotiate and session-setup replies are a few hundred bytes; anything huge is not a real server. */
const MAX_FRAME = 65_536;
const STATUS_SUCCESS = 0;
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;

export const DIALECTS = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311] as const;
export const DIALECT_NAMES: Record<number, string> = {
  0x0202: '2.0.2', 0x0210: '2.1', 0x0300: '3.0', 0x0302: '3.0.2', 0x0311: '3.1.1', 0x02ff: '2.x wildcard',
};

/** Fields of the NEGOTIATE response (MS-SMB2 2.2.4) worth keeping. */
export interface Smb2Negotiate {
  dialect: number;
  dialectName: string;
  securityMode: number;
  signingRequired: boolean;
  /** GUID in its canonical text form (mixed-endian as Windows prints it). */
  serverGuid: string;
  capabilities: number;
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  systemTime?: string;
  serverStartTime?: string;
  securityBufferLength: number;
  negotiateContextCount: number;
}

export type Smb2Parse<T> = { ok: true; value: T } | { ok: false; error: string };

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

/** SPNEGO NegTokenInit (RFC 4178) offering only NTLMSSP, with the NTLM NEGOTIATE as mechToken. */
export function buildSpnegoNtlmInit(ntlm: Buffer): Buffer {
  const spnegoOid = Buffer.from([0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]);
  const ntlmOid = Buffer.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]);
  const mechTypes = der(0xa0, der(0x30, ntlmOid));
  const mechToken = der(0xa2, der(0x04, ntlm));
  return der(0x60, Buffer.concat([spnegoOid, der(0xa0, der(0x30, Buffer.concat([mechTypes, mechToken])))]));
}

function header(command: number, messageId: number, creditCharge: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt32LE(SMB2_MAGIC, 0);
  h.writeUInt16LE(HEADER, 4);
  h.writeUInt16LE(creditCharge, 6);
  h.writeUInt16LE(command, 12);
  h.writeUInt16LE(31, 14); // CreditRequest: what Windows clients ask for
  h.writeBigUInt64LE(BigInt(messageId), 24);
  h.writeUInt32LE(0xfeff, 32); // ProcessId, as Windows sends
  return h;
}

/** Direct-TCP transport framing (MS-SMB2 2.1): zero byte + 24-bit big-endian length. */
function frame(msg: Buffer): Buffer {
  const f = Buffer.alloc(4);
  f.writeUInt32BE(msg.length, 0);
  return Buffer.concat([f, msg]);
}

/**
 * NEGOTIATE request for 2.0.2 through 3.1.1. Offering 3.1.1 obliges us to send a PREAUTH_INTEGRITY
 * context (MS-SMB2 2.2.3.1.1); the ENCRYPTION context lets 3.1.1 servers pick a cipher as they expect.
 */
export function buildNegotiateRequest(clientGuid: Buffer = crypto.randomBytes(16), salt: Buffer = crypto.randomBytes(32)): Buffer {
  const body = Buffer.alloc(36 + DIALECTS.length * 2);
  body.writeUInt16LE(36, 0);
  body.writeUInt16LE(DIALECTS.length, 2);
  body.writeUInt16LE(1, 4); // SecurityMode: signing enabled
  clientGuid.copy(body, 12, 0, 16);
  DIALECTS.forEach((d, i) => body.writeUInt16LE(d, 36 + i * 2));
  const pad1 = (8 - ((HEADER + body.length) % 8)) % 8;
  const ctxOffset = HEADER + body.length + pad1;
  body.writeUInt32LE(ctxOffset, 28);
  body.writeUInt16LE(2, 32);
  const preauth = Buffer.alloc(8 + 38);
  preauth.writeUInt16LE(1, 0); // SMB2_PREAUTH_INTEGRITY_CAPABILITIES
  preauth.writeUInt16LE(38, 2);
  preauth.writeUInt16LE(1, 8); // HashAlgorithmCount
  preauth.writeUInt16LE(32, 10); // SaltLength
  preauth.writeUInt16LE(1, 12); // SHA-512
  salt.copy(preauth, 14, 0, 32);
  const pad2 = Buffer.alloc((8 - (preauth.length % 8)) % 8);
  const enc = Buffer.alloc(8 + 6);
  enc.writeUInt16LE(2, 0); // SMB2_ENCRYPTION_CAPABILITIES
  enc.writeUInt16LE(6, 2);
  enc.writeUInt16LE(2, 8); // CipherCount
  enc.writeUInt16LE(0x0002, 10); // AES-128-GCM
  enc.writeUInt16LE(0x0001, 12); // AES-128-CCM
  return frame(Buffer.concat([header(0, 0, 0), body, Buffer.alloc(pad1), preauth, pad2, enc]));
}

export function buildSessionSetupRequest(securityBlob: Buffer): Buffer {
  const body = Buffer.alloc(24);
  body.writeUInt16LE(25, 0);
  body[3] = 1; // SecurityMode: signing enabled
  body.writeUInt16LE(HEADER + 24, 12);
  body.writeUInt16LE(securityBlob.length, 14);
  return frame(Buffer.concat([header(1, 1, 1), body, securityBlob]));
}

interface Smb2Header {
  status: number;
  command: number;
  flags: number;
}

function parseHeader(msg: Buffer, command: number): Smb2Parse<Smb2Header> {
  if (msg.length >= 4 && msg.readUInt32LE(0) === SMB1_MAGIC) return { ok: false, error: 'server answered with SMB1 only' };
  if (msg.length < HEADER) return { ok: false, error: `SMB2 message too short (${msg.length} bytes)` };
  if (msg.readUInt32LE(0) !== SMB2_MAGIC) return { ok: false, error: 'not an SMB2 message' };
  if (msg.readUInt16LE(4) !== HEADER) return { ok: false, error: 'bad SMB2 header size' };
  const h = { status: msg.readUInt32LE(8), command: msg.readUInt16LE(12), flags: msg.readUInt32LE(16) };
  if (h.command !== command) return { ok: false, error: `expected SMB2 command ${command}, got ${h.command}` };
  if (!(h.flags & 1)) return { ok: false, error: 'SMB2 message is not a response' };
  return { ok: true, value: h };
}

/** Mixed-endian GUID text, as Windows shows it. */
function guidText(b: Buffer): string {
  const h = b.toString('hex');
  const sw = (s: string): string => s.match(/../g)?.reverse().join('') ?? '';
  return `${sw(h.slice(0, 8))}-${sw(h.slice(8, 12))}-${sw(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Parse a NEGOTIATE response message (SMB2 header + body, without the 4-byte transport frame). */
export function parseNegotiateResponse(msg: Buffer): Smb2Parse<Smb2Negotiate> {
  const h = parseHeader(msg, 0);
  if (!h.ok) return h;
  if (h.value.status !== STATUS_SUCCESS) return { ok: false, error: `NEGOTIATE failed with status 0x${h.value.status.toString(16).padStart(8, '0')}` };
  const b = HEADER;
  if (msg.length < b + 64) return { ok: false, error: 'NEGOTIATE response body truncated' };
  if (msg.readUInt16LE(b) !== 65) return { ok: false, error: 'NEGOTIATE response has wrong StructureSize' };
  const dialect = msg.readUInt16LE(b + 4);
  const secOff = msg.readUInt16LE(b + 56);
  const secLen = msg.readUInt16LE(b + 58);
  if (secLen > 0 && (secOff < b + 64 || secOff + secLen > msg.length)) return { ok: false, error: 'security buffer points outside the message' };
  const securityMode = msg.readUInt16LE(b + 2);
  return {
    ok: true,
    value: {
      dialect,
      dialectName: DIALECT_NAMES[dialect] ?? `0x${dialect.toString(16)}`,
      securityMode,
      signingRequired: (securityMode & 2) !== 0,
      negotiateContextCount: dialect === 0x0311 ? msg.readUInt16LE(b + 6) : 0,
      serverGuid: guidText(msg.subarray(b + 8, b + 24)),
      capabilities: msg.readUInt32LE(b + 24),
      maxTransactSize: msg.readUInt32LE(b + 28),
      maxReadSize: msg.readUInt32LE(b + 32),
      maxWriteSize: msg.readUInt32LE(b + 36),
      systemTime: filetimeToIso(msg.readUInt32LE(b + 40), msg.readUInt32LE(b + 44)),
      serverStartTime: filetimeToIso(msg.readUInt32LE(b + 48), msg.readUInt32LE(b + 52)),
      securityBufferLength: secLen,
    },
  };
}

/** Parse a SESSION_SETUP response and the NTLM CHALLENGE inside its security blob. */
export function parseSessionSetupResponse(msg: Buffer): Smb2Parse<NtlmChallenge> {
  const h = parseHeader(msg, 1);
  if (!h.ok) return h;
  if (h.value.status !== STATUS_MORE_PROCESSING_REQUIRED) {
    return { ok: false, error: `SESSION_SETUP returned status 0x${h.value.status.toString(16).padStart(8, '0')} instead of a challenge` };
  }
  const b = HEADER;
  if (msg.length < b + 8) return { ok: false, error: 'SESSION_SETUP response body truncated' };
  if (msg.readUInt16LE(b) !== 9) return { ok: false, error: 'SESSION_SETUP response has wrong StructureSize' };
  const off = msg.readUInt16LE(b + 4);
  const len = msg.readUInt16LE(b + 6);
  if (len === 0 || off < b + 8 || off + len > msg.length) return { ok: false, error: 'security buffer points outside the message' };
  const ntlm = findNtlmMessage(msg.subarray(off, off + len));
  if (!ntlm) return { ok: false, error: 'no NTLM message in the security blob' };
  const c = parseNtlmChallenge(ntlm);
  return c.ok ? { ok: true, value: c.challenge } : { ok: false, error: c.error };
}

/** Everything the SMB probe learnt. `negotiate` alone still proves an SMB2 server. */
export interface Smb2ProbeResult {
  ok: boolean;
  negotiate?: Smb2Negotiate;
  ntlm?: NtlmChallenge;
  /** Windows name derived from the NTLM VERSION, when there is one. */
  windowsVersion?: string;
  error?: string;
}

export interface Smb2ProbeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Run NEGOTIATE + SESSION_SETUP against host:port; never rejects. */
export function probeSmb2(host: string, port: number, opts: Smb2ProbeOptions): Promise<Smb2ProbeResult> {
  return new Promise((resolve) => {
    const result: Smb2ProbeResult = { ok: false };
    let pending: Buffer = Buffer.alloc(0);
    let step: 'negotiate' | 'session' = 'negotiate';
    let finished = false;
    const socket = net.connect({ host, port });
    const done = (error?: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) result.error = error;
      result.ok = result.negotiate !== undefined;
      resolve(result);
    };
    const onAbort = (): void => done('cancelled');
    const timer = setTimeout(() => done(`no complete SMB2 reply within ${opts.timeoutMs} ms`), opts.timeoutMs);
    if (opts.signal?.aborted) { done('cancelled'); return; }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => socket.write(buildNegotiateRequest()));
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    socket.on('end', () => done('server closed the connection'));
    socket.on('data', (d: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, d]) : d;
      while (!finished && pending.length >= 4) {
        if (pending[0] !== 0) { done('not a direct-TCP SMB frame'); return; }
        const len = pending.readUInt32BE(0) & 0xffffff;
        if (len > MAX_FRAME) { done(`SMB frame of ${len} bytes refused`); return; }
        if (pending.length < 4 + len) return;
        const msg = pending.subarray(4, 4 + len);
        pending = pending.subarray(4 + len);
        if (step === 'negotiate') {
          const n = parseNegotiateResponse(msg);
          if (!n.ok) { done(n.error); return; }
          result.negotiate = n.value;
          step = 'session';
          socket.write(buildSessionSetupRequest(buildSpnegoNtlmInit(buildNtlmNegotiate())));
        } else {
          const s = parseSessionSetupResponse(msg);
          if (s.ok) {
            result.ntlm = s.value;
            const name = s.value.version ? windowsVersionName(s.value.version) : null;
            if (name) result.windowsVersion = name;
            done();
          } else done(s.error);
          return;
        }
      }
    });
  });
}

/** OS hint from an SMB probe: the NTLM VERSION is authoritative, Samba's zero build is telling too. */
export function smbOsHint(r: Smb2ProbeResult): OsHint | null {
  const v = r.ntlm?.version;
  const who = r.ntlm?.targetInfo.dnsComputerName ?? r.ntlm?.targetInfo.nbComputerName;
  if (v && r.windowsVersion) {
    return {
      family: 'windows',
      distro: r.windowsVersion,
      version: `${v.major}.${v.minor}.${v.build}`,
      confidence: 0.95,
      reason: `SMB2 NTLM challenge reports Windows ${v.major}.${v.minor}.${v.build}${who ? ` for ${who}` : ''}`,
    };
  }
  if (v && v.build === 0) {
    // Samba's auth/ntlmssp hard-codes VERSION 6.1 build 0 ("what Windows returns"); real Windows never sends 0.
    return { family: 'linux', distro: 'Samba', confidence: 0.35, reason: `SMB2 NTLM challenge with VERSION ${v.major}.${v.minor} build 0, as Samba sends (Linux, BSD or a NAS)` };
  }
  if (r.ntlm) return { family: 'windows', confidence: 0.5, reason: 'SMB2 server issued an NTLM challenge without a version' };
  if (r.negotiate) return { family: 'unknown', confidence: 0.1, reason: `SMB ${r.negotiate.dialectName} server` };
  return null;
}
