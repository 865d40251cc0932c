/**
 * NTLMv2 against the worked example of MS-NLMP section 4.2.4 (see fixtures/SOURCES.md): user "User", domain
 * "Domain", password "Password", server challenge 0123456789abcdef, client challenge aa×8, time zero,
 * random session key 55×16.
 */
import { describe, expect, it } from 'vitest';
import { rc4 } from './rc4';
import { clientBlob, ntlmV2Response, ntowfV2, sessionKeys } from './ntlm-crypto';
import { NtlmSession, NtlmSignatureError } from './ntlm-session';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const serverChallenge = hex('0123456789abcdef');
const clientChallenge = hex('aaaaaaaaaaaaaaaa');
const randomSessionKey = Buffer.alloc(16, 0x55);
// MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL
const avPairs = Buffer.concat([
  hex('02000c00'), Buffer.from('Domain', 'utf16le'), hex('01000c00'), Buffer.from('Server', 'utf16le'), hex('00000000'),
]);

describe('NTLMv2 (MS-NLMP 4.2.4)', () => {
  const key = ntowfV2('Password', 'User', 'Domain');
  const blob = clientBlob(Buffer.alloc(8), clientChallenge, avPairs);
  const r = ntlmV2Response(key, serverChallenge, clientChallenge, blob);

  it('computes NTOWFv2', () => expect(key.toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f'));
  it('builds the spec temp blob', () => {
    expect(blob.toString('hex')).toBe(
      '0101000000000000' + '0000000000000000' + 'aaaaaaaaaaaaaaaa' + '00000000' +
      '02000c0044006f006d00610069006e00' + '01000c005300650072007600650072000000000000000000',
    );
  });
  it('computes NTProofStr', () => expect(r.ntProofStr.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c'));
  it('computes the LMv2 response', () => expect(r.lmChallengeResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa'));
  it('computes the session base key', () => expect(r.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3'));
  it('encrypts the random session key', () => {
    expect(rc4(r.sessionBaseKey, randomSessionKey).toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
  });
  it('derives the client sign and seal keys', () => {
    const k = sessionKeys(randomSessionKey);
    expect(k.clientSign.toString('hex')).toBe('4788dc861b4782f35d43fd98fe1a2d39');
    expect(k.clientSeal.toString('hex')).toBe('59f600973cc4960a25480a7c196e4c58');
  });
  it('seals "Plaintext" with the spec signature', () => {
    const { signature, sealed } = new NtlmSession(randomSessionKey, true).seal(Buffer.from('Plaintext', 'utf16le'));
    expect(sealed.toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
    expect(signature.toString('hex')).toBe('010000007fb38ec5c55d497600000000');
  });
  it('round-trips between client and server and refuses a changed or replayed message', () => {
    const client = new NtlmSession(randomSessionKey, true);
    const server = new NtlmSession(randomSessionKey, false);
    for (const text of ['first', 'second']) {
      const m = client.seal(Buffer.from(text));
      expect(server.unseal(m.signature, m.sealed).toString()).toBe(text);
    }
    const reply = server.seal(Buffer.from('reply'));
    expect(client.unseal(reply.signature, reply.sealed).toString()).toBe('reply');
    const bad = client.seal(Buffer.from('third'));
    bad.sealed[0]! ^= 1;
    expect(() => server.unseal(bad.signature, bad.sealed)).toThrow(NtlmSignatureError);
  });
});
