/**
 * NTLM messages for the WinRM client (MS-NLMP 2.2.1): the CHALLENGE fields that NTLMv2 needs as raw bytes,
 * the AUTHENTICATE message with key exchange and a MIC, and the server-side check used by the test server.
 * NEGOTIATE comes from discovery's ntlm-challenge.ts (the same bytes).
 */
import crypto from 'node:crypto';
import { rc4 } from './rc4';
import { clientBlob, ntlmV2Response, ntowfV2 } from './ntlm-crypto';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const AV_EOL = 0, AV_TIMESTAMP = 7, AV_FLAGS = 6, AV_CHANNEL_BINDINGS = 10;

export class NtlmMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NtlmMessageError';
  }
}

function field(msg: Buffer, at: number, what: string): Buffer {
  if (msg.length < at + 8) throw new NtlmMessageError(`NTLM message too short for its ${what} field`);
  const len = msg.readUInt16LE(at), off = msg.readUInt32LE(at + 4);
  if (off + len > msg.length) throw new NtlmMessageError(`NTLM ${what} runs past the end of the message`);
  return msg.subarray(off, off + len);
}

export interface RawChallenge { flags: number; serverChallenge: Buffer; targetInfo: Buffer; timestamp?: Buffer }

export function readChallenge(msg: Buffer): RawChallenge {
  if (msg.length < 48 || !msg.subarray(0, 8).equals(SIGNATURE) || msg.readUInt32LE(8) !== 2) {
    throw new NtlmMessageError('Not an NTLM CHALLENGE message');
  }
  const targetInfo = field(msg, 40, 'target info');
  let timestamp: Buffer | undefined;
  for (let p = 0; p + 4 <= targetInfo.length;) {
    const id = targetInfo.readUInt16LE(p), len = targetInfo.readUInt16LE(p + 2);
    if (p + 4 + len > targetInfo.length) throw new NtlmMessageError('NTLM target info is truncated');
    if (id === AV_TIMESTAMP && len === 8) timestamp = targetInfo.subarray(p + 4, p + 12);
    if (id === AV_EOL) break;
    p += 4 + len;
  }
  return { flags: msg.readUInt32LE(20), serverChallenge: Buffer.from(msg.subarray(24, 32)), targetInfo, ...(timestamp ? { timestamp } : {}) };
}

/** MsvAvFlags bit 0x2: the AUTHENTICATE message carries a MIC (MS-NLMP 2.2.2.1). */
const AV_FLAG_MIC = 0x2;

/**
 * The client's AV pairs: the server's target info with MsvAvFlags and, over TLS, the MsvAvChannelBindings hash
 * (MS-NLMP 2.2.2.1), put in front of the EOL. MsvAvFlags is the server's value with the MIC bit added: the
 * server's bits (e.g. 0x1, the account is constrained) are its own to read back, so they are kept, as
 * pyspnego does.
 */
function clientAvPairs(targetInfo: Buffer, channelBindings?: Buffer): Buffer {
  const pairs: Buffer[] = [];
  let serverFlags = 0;
  for (let p = 0; p + 4 <= targetInfo.length;) {
    const id = targetInfo.readUInt16LE(p), len = targetInfo.readUInt16LE(p + 2);
    if (id === AV_EOL) break;
    if (id === AV_FLAGS && len === 4) serverFlags = targetInfo.readUInt32LE(p + 4);
    if (id !== AV_FLAGS && id !== AV_CHANNEL_BINDINGS) pairs.push(targetInfo.subarray(p, p + 4 + len));
    p += 4 + len;
  }
  const flags = Buffer.from([AV_FLAGS, 0, 4, 0, 0, 0, 0, 0]);
  flags.writeUInt32LE((serverFlags | AV_FLAG_MIC) >>> 0, 4);
  pairs.push(flags);
  if (channelBindings) {
    if (channelBindings.length !== 16) throw new NtlmMessageError('The channel bindings hash must be 16 bytes');
    pairs.push(Buffer.from([AV_CHANNEL_BINDINGS, 0, 16, 0]), channelBindings);
  }
  return Buffer.concat([...pairs, Buffer.alloc(4)]);
}

/** AV pairs by id, from target info or a client's NTLMv2 blob. */
function readAvPairs(info: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let p = 0; p + 4 <= info.length;) {
    const id = info.readUInt16LE(p), len = info.readUInt16LE(p + 2);
    if (p + 4 + len > info.length) throw new NtlmMessageError('NTLM AV pairs are truncated');
    if (id === AV_EOL) break;
    out.set(id, info.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return out;
}

export interface Credentials { username: string; password: string; domain: string }
export interface Authenticated { message: Buffer; exportedSessionKey: Buffer }

const FIXED = 88;

/** `channelBindings`: the 16-byte hash from channel-binding.ts, for NTLM over HTTPS (Extended Protection). */
export function buildAuthenticate(negotiate: Buffer, challengeMsg: Buffer, cred: Credentials, workstation = '', channelBindings?: Buffer): Authenticated {
  const ch = readChallenge(challengeMsg);
  const key = ntowfV2(cred.password, cred.username, cred.domain);
  const clientChallenge = crypto.randomBytes(8);
  const time = ch.timestamp ?? nowFiletime();
  const r = ntlmV2Response(key, ch.serverChallenge, clientChallenge, clientBlob(time, clientChallenge, clientAvPairs(ch.targetInfo, channelBindings)));
  const exportedSessionKey = crypto.randomBytes(16);
  const payloads = [
    ch.timestamp ? Buffer.alloc(24) : r.lmChallengeResponse, r.ntChallengeResponse,
    Buffer.from(cred.domain, 'utf16le'), Buffer.from(cred.username, 'utf16le'), Buffer.from(workstation, 'utf16le'),
    rc4(r.sessionBaseKey, exportedSessionKey),
  ];
  const head = Buffer.alloc(FIXED);
  SIGNATURE.copy(head);
  head.writeUInt32LE(3, 8);
  let off = FIXED;
  payloads.forEach((p, i) => {
    head.writeUInt16LE(p.length, 12 + i * 8); head.writeUInt16LE(p.length, 14 + i * 8); head.writeUInt32LE(off, 16 + i * 8);
    off += p.length;
  });
  head.writeUInt32LE((ch.flags & readNegotiateFlags(negotiate)) >>> 0, 60);
  head.writeUInt8(0x0f, 71); // NTLMSSP_REVISION_W2K3 in an otherwise zero VERSION
  const message = Buffer.concat([head, ...payloads]);
  crypto.createHmac('md5', exportedSessionKey).update(negotiate).update(challengeMsg).update(message).digest().copy(message, 72);
  return { message, exportedSessionKey };
}

function readNegotiateFlags(negotiate: Buffer): number {
  if (negotiate.length < 16 || !negotiate.subarray(0, 8).equals(SIGNATURE) || negotiate.readUInt32LE(8) !== 1) {
    throw new NtlmMessageError('Not an NTLM NEGOTIATE message');
  }
  return negotiate.readUInt32LE(12);
}

function nowFiletime(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(Date.now()) + 11_644_473_600_000n) * 10_000n);
  return b;
}

/**
 * What the server demands of the client's channel binding, as Windows' CbtHardeningLevel: 'relaxed' refuses a
 * wrong one but accepts none, 'strict' refuses a missing one too. `expected` is the server's own hash.
 */
export interface ChannelBindingPolicy { expected: Buffer; level: 'relaxed' | 'strict' }

/**
 * The server's side (for the test server): checks the NTProofStr against the known password, the MIC and the
 * channel binding, and returns the exported session key, or throws naming what failed.
 */
export function verifyAuthenticate(negotiate: Buffer, challengeMsg: Buffer, auth: Buffer, cred: Credentials, binding?: ChannelBindingPolicy): Buffer {
  if (auth.length < FIXED || !auth.subarray(0, 8).equals(SIGNATURE) || auth.readUInt32LE(8) !== 3) {
    throw new NtlmMessageError('Not an NTLM AUTHENTICATE message');
  }
  const ch = readChallenge(challengeMsg);
  const nt = field(auth, 20, 'NT response');
  if (nt.length < 16 + 28) throw new NtlmMessageError('NTLM NT response is too short for NTLMv2');
  const user = field(auth, 36, 'user name').toString('utf16le');
  const domain = field(auth, 28, 'domain').toString('utf16le');
  if (user.toUpperCase() !== cred.username.toUpperCase()) throw new NtlmMessageError('Unknown user');
  const blob = nt.subarray(16);
  const r = ntlmV2Response(ntowfV2(cred.password, cred.username, domain), ch.serverChallenge, blob.subarray(16, 24), blob);
  if (!crypto.timingSafeEqual(r.ntProofStr, nt.subarray(0, 16))) throw new NtlmMessageError('The NTLMv2 proof does not match: wrong password');
  const exportedSessionKey = rc4(r.sessionBaseKey, field(auth, 52, 'session key'));
  const zeroed = Buffer.from(auth);
  zeroed.fill(0, 72, 88);
  const mic = crypto.createHmac('md5', exportedSessionKey).update(negotiate).update(challengeMsg).update(zeroed).digest();
  if (!crypto.timingSafeEqual(mic, auth.subarray(72, 88))) throw new NtlmMessageError('The NTLM MIC does not match');
  if (binding) {
    // The AV pairs start after the blob's 28-byte header; the NTProofStr above already proved they are the client's.
    const sent = readAvPairs(blob.subarray(28)).get(AV_CHANNEL_BINDINGS);
    const absent = !sent || sent.equals(Buffer.alloc(16)); // all zeros is how a client says "no binding"
    if (absent && binding.level === 'strict') throw new NtlmMessageError('No channel binding, and this server requires one (Extended Protection, strict)');
    if (!absent && (sent.length !== 16 || !crypto.timingSafeEqual(sent, binding.expected))) {
      throw new NtlmMessageError('The channel binding does not match this server\'s TLS certificate');
    }
  }
  return exportedSessionKey;
}

/**
 * A CHALLENGE message (for the test server): flags, an 8-byte challenge, and target info with a timestamp and,
 * when given, MsvAvFlags.
 */
export function buildChallenge(serverChallenge: Buffer, flags: number, nbDomain: string, nbComputer: string, time: Buffer = nowFiletime(), avFlags?: number): Buffer {
  const av = (id: number, value: Buffer): Buffer => {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(id); h.writeUInt16LE(value.length, 2);
    return Buffer.concat([h, value]);
  };
  const name = Buffer.from(nbDomain, 'utf16le');
  const flagValue = Buffer.alloc(4);
  flagValue.writeUInt32LE((avFlags ?? 0) >>> 0);
  const flagPair = avFlags === undefined ? [] : [av(AV_FLAGS, flagValue)];
  const info = Buffer.concat([av(2, name), av(1, Buffer.from(nbComputer, 'utf16le')), av(AV_TIMESTAMP, time), ...flagPair, Buffer.alloc(4)]);
  const head = Buffer.alloc(56);
  SIGNATURE.copy(head);
  head.writeUInt32LE(2, 8);
  head.writeUInt16LE(name.length, 12); head.writeUInt16LE(name.length, 14); head.writeUInt32LE(56, 16);
  head.writeUInt32LE(flags >>> 0, 20);
  serverChallenge.copy(head, 24);
  head.writeUInt16LE(info.length, 40); head.writeUInt16LE(info.length, 42); head.writeUInt32LE(56 + name.length, 44);
  head.writeUInt8(0x0f, 55);
  return Buffer.concat([head, name, info]);
}
