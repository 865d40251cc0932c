/**
 * NTLM (MS-NLMP) pieces needed to learn who a Windows host is without credentials: a NEGOTIATE
 * message to send, and a bounds-checked parser for the CHALLENGE (type 2) that comes back. Used by
 * the SMB2 probe and, later, the WinRM client (same bytes, base64 in an HTTP header).
 */

/** MS-NLMP 2.2.2.5 flags we set or read. */
export const NTLM_FLAGS = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  TARGET_TYPE_SERVER: 0x00020000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const MAX_AV_PAIRS = 64;

/** MS-NLMP 2.2.2.10 VERSION. */
export interface NtlmVersion {
  major: number;
  minor: number;
  build: number;
  ntlmRevision: number;
}

/** Decoded MsvAv* pairs (MS-NLMP 2.2.2.1) that identify the host. */
export interface NtlmTargetInfo {
  nbComputerName?: string;
  nbDomainName?: string;
  dnsComputerName?: string;
  dnsDomainName?: string;
  dnsTreeName?: string;
  /** MsvAvTimestamp as ISO-8601; the server's clock, useful to spot skew. */
  timestamp?: string;
  /** MsvAvFlags. */
  avFlags?: number;
}

/** A parsed CHALLENGE_MESSAGE. */
export interface NtlmChallenge {
  flags: number;
  /** 8-byte ServerChallenge as hex (never secret, but never reused either). */
  serverChallenge: string;
  targetName?: string;
  targetInfo: NtlmTargetInfo;
  /** AvIds seen, in order, for the evidence trail. */
  avIds: number[];
  version?: NtlmVersion;
}

export type NtlmParseResult = { ok: true; challenge: NtlmChallenge } | { ok: false; error: string };

/**
 * NEGOTIATE_MESSAGE asking for Unicode, a target name and NTLMv2-era security. The VERSION flag is set
 * so the server includes its own VERSION in the challenge; ours is zeros (MS-NLMP says it is for
 * debugging only) with NTLMSSP_REVISION_W2K3.
 */
export function buildNtlmNegotiate(): Buffer {
  const f = NTLM_FLAGS;
  const flags = f.UNICODE | f.OEM | f.REQUEST_TARGET | f.SIGN | f.NTLM | f.ALWAYS_SIGN |
    f.EXTENDED_SESSIONSECURITY | f.VERSION | f.N128 | f.KEY_EXCH | f.N56;
  const b = Buffer.alloc(40);
  SIGNATURE.copy(b, 0);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(flags >>> 0, 12);
  // Domain and workstation fields: empty, offset at end of the fixed part.
  b.writeUInt32LE(40, 20);
  b.writeUInt32LE(40, 28);
  b[39] = 0x0f;
  return b;
}

function utf16(buf: Uint8Array, off: number, len: number): string | null {
  if (len % 2 !== 0) return null;
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf16le');
}

/** FILETIME (100 ns ticks since 1601) to ISO string, or undefined when outside JS Date range. */
export function filetimeToIso(low: number, high: number): string | undefined {
  const ticks = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  const ms = Number(ticks / 10_000n) - 11_644_473_600_000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) || ms < 0 ? undefined : d.toISOString();
}

/** Parse a CHALLENGE_MESSAGE; every offset is checked against the buffer, nothing throws. */
export function parseNtlmChallenge(input: Uint8Array): NtlmParseResult {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < 32) return { ok: false, error: `NTLM message too short (${buf.length} bytes)` };
  if (!buf.subarray(0, 8).equals(SIGNATURE)) return { ok: false, error: 'missing NTLMSSP signature' };
  const type = buf.readUInt32LE(8);
  if (type !== 2) return { ok: false, error: `expected CHALLENGE (type 2), got type ${type}` };
  const flags = buf.readUInt32LE(20);
  const field = (at: number): { len: number; off: number } | 'absent' | 'bad' => {
    if (at + 8 > buf.length) return 'absent';
    const len = buf.readUInt16LE(at);
    const off = buf.readUInt32LE(at + 4);
    if (len === 0) return 'absent';
    if (off + len > buf.length || off < 32) return 'bad';
    return { len, off };
  };
  const out: NtlmChallenge = {
    flags,
    serverChallenge: buf.subarray(24, 32).toString('hex'),
    targetInfo: {},
    avIds: [],
  };
  const tn = field(12);
  if (tn === 'bad') return { ok: false, error: 'TargetName points outside the message' };
  if (tn !== 'absent') {
    const name = flags & NTLM_FLAGS.UNICODE ? utf16(buf, tn.off, tn.len) : buf.toString('latin1', tn.off, tn.off + tn.len);
    if (name === null) return { ok: false, error: 'TargetName has odd length for UTF-16' };
    out.targetName = name;
  }
  let payloadStart = buf.length;
  const ti = field(40);
  if (ti === 'bad') return { ok: false, error: 'TargetInfo points outside the message' };
  if (tn !== 'absent') payloadStart = Math.min(payloadStart, tn.off);
  if (ti !== 'absent') {
    payloadStart = Math.min(payloadStart, ti.off);
    const r = parseAvPairs(buf.subarray(ti.off, ti.off + ti.len), out);
    if (r) return { ok: false, error: r };
  }
  // VERSION sits at 48..56 only when flagged and when the payload does not start earlier.
  if (flags & NTLM_FLAGS.VERSION && buf.length >= 56 && payloadStart >= 56) {
    out.version = { major: buf[48] as number, minor: buf[49] as number, build: buf.readUInt16LE(50), ntlmRevision: buf[55] as number };
  }
  return { ok: true, challenge: out };
}

function parseAvPairs(ti: Buffer, out: NtlmChallenge): string | null {
  let at = 0;
  for (let n = 0; n < MAX_AV_PAIRS; n++) {
    if (at + 4 > ti.length) return 'TargetInfo ends without MsvAvEOL';
    const id = ti.readUInt16LE(at);
    const len = ti.readUInt16LE(at + 2);
    at += 4;
    if (id === 0) return null;
    if (at + len > ti.length) return `AV pair ${id} overruns TargetInfo`;
    out.avIds.push(id);
    const t = out.targetInfo;
    const text = (): string | undefined => utf16(ti, at, len) ?? undefined;
    switch (id) {
      case 1: t.nbComputerName = text(); break;
      case 2: t.nbDomainName = text(); break;
      case 3: t.dnsComputerName = text(); break;
      case 4: t.dnsDomainName = text(); break;
      case 5: t.dnsTreeName = text(); break;
      case 6: if (len === 4) t.avFlags = ti.readUInt32LE(at); break;
      case 7: if (len === 8) t.timestamp = filetimeToIso(ti.readUInt32LE(at), ti.readUInt32LE(at + 4)); break;
      default: break;
    }
    at += len;
  }
  return 'too many AV pairs';
}

/** Exact builds with their marketing names. Client and server share builds from Vista on. */
const WINDOWS_BUILDS: Record<string, string> = {
  '5.0.2195': 'Windows 2000',
  '5.1.2600': 'Windows XP',
  '5.2.3790': 'Windows Server 2003 / XP x64',
  '6.0.6000': 'Windows Vista',
  '6.0.6001': 'Windows Vista SP1 / Server 2008',
  '6.0.6002': 'Windows Vista SP2 / Server 2008 SP2',
  '6.0.6003': 'Windows Server 2008 SP2',
  '6.1.7600': 'Windows 7 / Server 2008 R2',
  '6.1.7601': 'Windows 7 SP1 / Server 2008 R2 SP1',
  '6.2.9200': 'Windows 8 / Server 2012',
  '6.3.9600': 'Windows 8.1 / Server 2012 R2',
  '10.0.10240': 'Windows 10 1507',
  '10.0.10586': 'Windows 10 1511',
  '10.0.14393': 'Windows 10 1607 / Server 2016',
  '10.0.15063': 'Windows 10 1703',
  '10.0.16299': 'Windows 10 1709',
  '10.0.17134': 'Windows 10 1803',
  '10.0.17763': 'Windows 10 1809 / Server 2019',
  '10.0.18362': 'Windows 10 1903',
  '10.0.18363': 'Windows 10 1909',
  '10.0.19041': 'Windows 10 2004',
  '10.0.19042': 'Windows 10 20H2',
  '10.0.19043': 'Windows 10 21H1',
  '10.0.19044': 'Windows 10 21H2',
  '10.0.19045': 'Windows 10 22H2',
  '10.0.20348': 'Windows Server 2022',
  '10.0.22000': 'Windows 11 21H2',
  '10.0.22621': 'Windows 11 22H2',
  '10.0.22631': 'Windows 11 23H2',
  '10.0.25398': 'Windows Server 23H2',
  '10.0.26100': 'Windows 11 24H2 / Server 2025',
  '10.0.26200': 'Windows 11 25H2',
};

/**
 * Name for an NTLM VERSION. Build 0 is what Samba and other non-Windows servers send, so it is not
 * called Windows. Unknown builds fall back to the nearest family rather than guessing a release.
 */
export function windowsVersionName(v: Pick<NtlmVersion, 'major' | 'minor' | 'build'>): string | null {
  if (v.build === 0) return null;
  const exact = WINDOWS_BUILDS[`${v.major}.${v.minor}.${v.build}`];
  if (exact) return exact;
  if (v.major === 10 && v.minor === 0) {
    if (v.build >= 22000) return `Windows 11 / Server (build ${v.build})`;
    if (v.build >= 10240) return `Windows 10 / Server (build ${v.build})`;
  }
  if (v.major >= 5 && v.major <= 10) return `Windows NT ${v.major}.${v.minor} (build ${v.build})`;
  return null;
}

/**
 * Find an NTLM message inside a security blob (raw, or wrapped in SPNEGO's NegTokenResp). The DER
 * OCTET STRING header in front of it, when present, bounds the message exactly.
 */
export function findNtlmMessage(blob: Uint8Array): Buffer | null {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const i = buf.indexOf(SIGNATURE);
  if (i < 0) return null;
  let end = buf.length;
  if (i >= 2 && buf[i - 2] === 0x04 && (buf[i - 1] as number) < 0x80) end = i + (buf[i - 1] as number);
  else if (i >= 3 && buf[i - 3] === 0x04 && buf[i - 2] === 0x81) end = i + (buf[i - 1] as number);
  else if (i >= 4 && buf[i - 4] === 0x04 && buf[i - 3] === 0x82) end = i + (((buf[i - 2] as number) << 8) | (buf[i - 1] as number));
  return buf.subarray(i, Math.min(end, buf.length));
}
