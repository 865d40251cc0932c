/** The NTLM handshake messages: AUTHENTICATE built by the client, checked by the server side with the password. */
import { describe, expect, it } from 'vitest';
import { buildNtlmNegotiate, parseNtlmChallenge } from '../discovery/ntlm-challenge';
import { buildAuthenticate, buildChallenge, NtlmMessageError, readChallenge, verifyAuthenticate } from './ntlm';
import { NtlmSession } from './ntlm-session';

const cred = { username: 'Administrator', password: 'S3cret!pass', domain: 'LAB' };
const flags = 0xe2898215;

function handshake(): { negotiate: Buffer; challenge: Buffer } {
  const negotiate = buildNtlmNegotiate();
  return { negotiate, challenge: buildChallenge(Buffer.from('0123456789abcdef', 'hex'), flags, 'LAB', 'WIN-HOST') };
}

describe('ntlm messages', () => {
  it('builds a CHALLENGE that discovery parser and ours read alike', () => {
    const { challenge } = handshake();
    const parsed = parseNtlmChallenge(challenge);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.challenge.serverChallenge).toBe('0123456789abcdef');
      expect(parsed.challenge.targetInfo.nbComputerName).toBe('WIN-HOST');
    }
    expect(readChallenge(challenge).timestamp).toHaveLength(8);
  });

  it('authenticates with the right password and both ends share the session key', () => {
    const { negotiate, challenge } = handshake();
    const auth = buildAuthenticate(negotiate, challenge, cred);
    const key = verifyAuthenticate(negotiate, challenge, auth.message, cred);
    expect(key.equals(auth.exportedSessionKey)).toBe(true);
    const m = new NtlmSession(auth.exportedSessionKey, true).seal(Buffer.from('hello'));
    expect(new NtlmSession(key, false).unseal(m.signature, m.sealed).toString()).toBe('hello');
    expect(auth.message.includes(Buffer.from(cred.password, 'utf16le'))).toBe(false);
    expect(auth.message.includes(Buffer.from(cred.password, 'latin1'))).toBe(false);
  });

  it('refuses a wrong password, a changed message and garbage', () => {
    const { negotiate, challenge } = handshake();
    const auth = buildAuthenticate(negotiate, challenge, { ...cred, password: 'wrong' });
    expect(() => verifyAuthenticate(negotiate, challenge, auth.message, cred)).toThrow(/wrong password/);
    const good = buildAuthenticate(negotiate, challenge, cred).message;
    const changed = Buffer.from(good);
    changed[60]! ^= 0x10; // flip a negotiated flag: only the MIC protects it
    expect(() => verifyAuthenticate(negotiate, challenge, changed, cred)).toThrow(/MIC/);
    expect(() => verifyAuthenticate(negotiate, challenge, Buffer.alloc(20), cred)).toThrow(NtlmMessageError);
    const truncated = Buffer.from(challenge.subarray(0, 60));
    expect(() => readChallenge(truncated)).toThrow(/past the end/);
  });
});

/** The AV pairs the client put in its NTLMv2 response (after NTProofStr and the blob's 28-byte header). */
function clientAvPairs(auth: Buffer): Map<number, Buffer> {
  const nt = auth.subarray(auth.readUInt32LE(24), auth.readUInt32LE(24) + auth.readUInt16LE(20));
  const out = new Map<number, Buffer>();
  for (let p = 16 + 28; p + 4 <= nt.length;) {
    const id = nt.readUInt16LE(p), len = nt.readUInt16LE(p + 2);
    if (id === 0) break;
    out.set(id, nt.subarray(p + 4, p + 4 + len));
    p += 4 + len;
  }
  return out;
}

describe('ntlm MsvAvFlags', () => {
  it('is the MIC bit alone when the server sends no flags', () => {
    const { negotiate, challenge } = handshake();
    expect(clientAvPairs(buildAuthenticate(negotiate, challenge, cred).message).get(6)?.readUInt32LE()).toBe(0x2);
  });

  it('keeps the server\'s flags and adds the MIC bit (MS-NLMP 2.2.2.1: 0x1 constrained account, 0x4 untrusted SPN)', () => {
    const negotiate = buildNtlmNegotiate();
    for (const [server, sent] of [[0x1, 0x3], [0x4, 0x6], [0x2, 0x2], [0x80000001, 0x80000003]] as const) {
      const challenge = buildChallenge(Buffer.from('0123456789abcdef', 'hex'), flags, 'LAB', 'WIN-HOST', undefined, server);
      expect(readChallenge(challenge).targetInfo.includes(Buffer.from([6, 0, 4, 0]))).toBe(true);
      const auth = buildAuthenticate(negotiate, challenge, cred);
      const pairs = clientAvPairs(auth.message);
      expect(pairs.get(6)?.readUInt32LE()).toBe(sent);
      expect(verifyAuthenticate(negotiate, challenge, auth.message, cred)).toEqual(auth.exportedSessionKey);
    }
  });
});

describe('ntlm channel binding (MsvAvChannelBindings)', () => {
  const expected = Buffer.from('6ea19df066da4622051f9c4f92c6df74', 'hex');
  const other = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

  it('is accepted when it matches, under both hardening levels, and the MIC still covers the message', () => {
    const { negotiate, challenge } = handshake();
    const auth = buildAuthenticate(negotiate, challenge, cred, '', expected);
    expect(auth.message.includes(Buffer.concat([Buffer.from([10, 0, 16, 0]), expected]))).toBe(true);
    expect(verifyAuthenticate(negotiate, challenge, auth.message, cred, { expected, level: 'strict' })).toEqual(auth.exportedSessionKey);
    expect(verifyAuthenticate(negotiate, challenge, auth.message, cred, { expected, level: 'relaxed' })).toEqual(auth.exportedSessionKey);
  });

  it('is refused when wrong, and when missing under strict only', () => {
    const { negotiate, challenge } = handshake();
    const wrong = buildAuthenticate(negotiate, challenge, cred, '', other).message;
    expect(() => verifyAuthenticate(negotiate, challenge, wrong, cred, { expected, level: 'relaxed' })).toThrow(/does not match this server's TLS certificate/);
    const none = buildAuthenticate(negotiate, challenge, cred).message;
    expect(() => verifyAuthenticate(negotiate, challenge, none, cred, { expected, level: 'strict' })).toThrow(/requires one/);
    expect(verifyAuthenticate(negotiate, challenge, none, cred, { expected, level: 'relaxed' })).toHaveLength(16);
    const zeros = buildAuthenticate(negotiate, challenge, cred, '', Buffer.alloc(16)).message;
    expect(() => verifyAuthenticate(negotiate, challenge, zeros, cred, { expected, level: 'strict' })).toThrow(/requires one/);
  });

  it('cannot be swapped without breaking the NTLMv2 proof', () => {
    const { negotiate, challenge } = handshake();
    const msg = Buffer.from(buildAuthenticate(negotiate, challenge, cred, '', other).message);
    msg.set(expected, msg.indexOf(other));
    expect(() => verifyAuthenticate(negotiate, challenge, msg, cred, { expected, level: 'strict' })).toThrow(/wrong password/);
  });
});
