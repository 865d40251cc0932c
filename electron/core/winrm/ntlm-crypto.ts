/**
 * NTLMv2 key computations (MS-NLMP 3.3.2 and 3.4.5): NTOWFv2, the NTProofStr over the client's blob, the
 * session base key, and the sign and seal keys derived from the exported session key.
 */
import crypto from 'node:crypto';
import { md4 } from './md4';

const hmacMd5 = (key: Uint8Array, ...data: Uint8Array[]): Buffer => {
  const h = crypto.createHmac('md5', key);
  for (const d of data) h.update(d);
  return h.digest();
};
const utf16 = (s: string): Buffer => Buffer.from(s, 'utf16le');

export function ntowfV2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain));
}

/** The NTLMv2_CLIENT_CHALLENGE ("temp" in the spec): versions, timestamp, client challenge, AV pairs. */
export function clientBlob(timestamp: Buffer, clientChallenge: Buffer, avPairs: Buffer): Buffer {
  if (timestamp.length !== 8 || clientChallenge.length !== 8) throw new Error('NTLM timestamp and client challenge must be 8 bytes each');
  return Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), timestamp, clientChallenge, Buffer.alloc(4), avPairs, Buffer.alloc(4)]);
}

export interface NtlmV2Response {
  ntProofStr: Buffer;
  ntChallengeResponse: Buffer;
  lmChallengeResponse: Buffer;
  sessionBaseKey: Buffer;
}

export function ntlmV2Response(responseKeyNt: Buffer, serverChallenge: Buffer, clientChallenge: Buffer, blob: Buffer): NtlmV2Response {
  if (serverChallenge.length !== 8) throw new Error('NTLM server challenge must be 8 bytes');
  const ntProofStr = hmacMd5(responseKeyNt, serverChallenge, blob);
  return {
    ntProofStr,
    ntChallengeResponse: Buffer.concat([ntProofStr, blob]),
    lmChallengeResponse: Buffer.concat([hmacMd5(responseKeyNt, serverChallenge, clientChallenge), clientChallenge]),
    sessionBaseKey: hmacMd5(responseKeyNt, ntProofStr),
  };
}

const magic = (s: string): Buffer => Buffer.from(`session key to ${s} key magic constant\0`, 'latin1');

export interface SessionKeys {
  clientSign: Buffer;
  clientSeal: Buffer;
  serverSign: Buffer;
  serverSeal: Buffer;
}

/** SIGNKEY and SEALKEY with extended session security and 128-bit keys. */
export function sessionKeys(exportedSessionKey: Buffer): SessionKeys {
  const md5 = (b: Buffer): Buffer => crypto.createHash('md5').update(exportedSessionKey).update(b).digest();
  return {
    clientSign: md5(magic('client-to-server signing')),
    clientSeal: md5(magic('client-to-server sealing')),
    serverSign: md5(magic('server-to-client signing')),
    serverSeal: md5(magic('server-to-client sealing')),
  };
}
