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
