/**
 * Channel binding for NTLM over HTTPS (Extended Protection for Authentication): the "tls-server-end-point"
 * binding of RFC 5929 section 4 (a hash of the server certificate, with the certificate's signature hash, but
 * SHA-256 when that is MD5 or SHA-1) in a gss_channel_bindings_struct with no addresses (RFC 2744 3.11), whose
 * MD5 goes into the AUTHENTICATE message as the MsvAvChannelBindings AV pair (MS-NLMP 2.2.2.1).
 */
import crypto from 'node:crypto';

export class ChannelBindingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelBindingError';
  }
}

type Hash = 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Signature algorithm OID → the hash RFC 5929 says to use (MD5 and SHA-1 are raised to SHA-256). */
const SIGNATURE_HASH: Readonly<Record<string, Hash>> = {
  '1.2.840.113549.1.1.4': 'sha256', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5': 'sha256', // sha1WithRSAEncryption
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha256', // ecdsa-with-SHA1
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
/** Hash OIDs inside RSASSA-PSS parameters (RFC 4055); PSS without parameters means SHA-1. */
const DIGEST: Readonly<Record<string, Hash>> = {
  '1.3.14.3.2.26': 'sha256',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

interface Tlv { tag: number; start: number; end: number }

/** One DER element at `at` inside `[at, limit)`. */
function tlv(der: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new ChannelBindingError('The certificate is truncated');
  const tag = der[at]!;
  let len = der[at + 1]!, start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new ChannelBindingError('The certificate has a bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > limit) throw new ChannelBindingError('The certificate is truncated');
  return { tag, start, end: start + len };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end;) {
    const c = tlv(der, p, parent.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

function oid(der: Buffer, t: Tlv): string {
  if (t.tag !== 0x06 || t.end === t.start) throw new ChannelBindingError('Expected an object identifier in the certificate');
  const b = der.subarray(t.start, t.end);
  const parts = [Math.min(2, Math.floor(b[0]! / 40)), b[0]! - 40 * Math.min(2, Math.floor(b[0]! / 40))];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** The hash RFC 5929 picks for this DER certificate, from its outer signatureAlgorithm. */
export function certificateBindingHash(der: Buffer): Hash {
  const cert = tlv(der, 0, der.length);
  const [, sigAlg] = children(der, cert);
  if (cert.tag !== 0x30 || sigAlg?.tag !== 0x30) throw new ChannelBindingError('Not a DER X.509 certificate');
  const [algId, params] = children(der, sigAlg);
  const id = oid(der, algId!);
  if (id === RSASSA_PSS) {
    const explicit = params?.tag === 0x30 ? children(der, params).find((c) => c.tag === 0xa0) : undefined;
    if (!explicit) return 'sha256';
    const hashAlg = children(der, explicit)[0];
    const hashId = hashAlg?.tag === 0x30 ? oid(der, children(der, hashAlg)[0]!) : '';
    const h = DIGEST[hashId];
    if (!h) throw new ChannelBindingError(`The certificate's RSASSA-PSS hash ${hashId || '(unreadable)'} is not supported for channel binding`);
    return h;
  }
  const h = SIGNATURE_HASH[id];
  if (!h) throw new ChannelBindingError(`The certificate's signature algorithm ${id} has no hash defined for channel binding (RFC 5929)`);
  return h;
}

/** RFC 5929 tls-server-end-point: the certificate hashed with the hash its signature uses (at least SHA-256). */
export function tlsServerEndPoint(der: Buffer): Buffer {
  return crypto.createHash(certificateBindingHash(der)).update(der).digest();
}

/** gss_channel_bindings_struct with zero address types and empty addresses: 4-byte little-endian fields. */
export function gssChannelBindings(applicationData: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(applicationData.length, 16);
  return Buffer.concat([head, applicationData]);
}

/** The 16-byte MsvAvChannelBindings value from a tls-server-end-point hash. */
export function channelBindingsFromEndPoint(endPointHash: Buffer): Buffer {
  const app = Buffer.concat([Buffer.from('tls-server-end-point:', 'latin1'), endPointHash]);
  return crypto.createHash('md5').update(gssChannelBindings(app)).digest();
}

/** The 16-byte MsvAvChannelBindings value for an HTTPS server with this DER certificate. */
export function channelBindingsHash(certDer: Buffer): Buffer {
  return channelBindingsFromEndPoint(tlsServerEndPoint(certDer));
}
