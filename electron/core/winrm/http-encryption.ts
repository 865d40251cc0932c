/**
 * WinRM's HTTP message encryption (MS-WSMV 2.2.9.1): the SOAP body sealed with the NTLM session and framed as
 * multipart/encrypted with the original length, so a 5985 endpoint with AllowUnencrypted=false accepts it.
 */
import type { NtlmSession } from './ntlm-session';

const BOUNDARY = '--Encrypted Boundary';
const PROTOCOL = 'application/HTTP-SPNEGO-session-encrypted';
export const ENCRYPTED_CONTENT_TYPE = `multipart/encrypted;protocol="${PROTOCOL}";boundary="Encrypted Boundary"`;

export class EncryptionFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionFormatError';
  }
}

export function encryptBody(session: NtlmSession, soap: Buffer): Buffer {
  const { signature, sealed } = session.seal(soap);
  const sigLength = Buffer.alloc(4);
  sigLength.writeUInt32LE(signature.length);
  const head =
    `${BOUNDARY}\r\n\tContent-Type: ${PROTOCOL}\r\n` +
    `\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${soap.length}\r\n` +
    `${BOUNDARY}\r\n\tContent-Type: application/octet-stream\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), sigLength, signature, sealed, Buffer.from(`${BOUNDARY}--\r\n`, 'latin1')]);
}

export function isEncryptedContentType(contentType: string | undefined): boolean {
  return !!contentType && /^multipart\/encrypted\s*;/i.test(contentType) && contentType.includes(PROTOCOL);
}

/** Checks the framing, the stated length and the signature; returns the SOAP bytes. */
export function decryptBody(session: NtlmSession, body: Buffer): Buffer {
  const text = body.toString('latin1');
  // Exchange's endpoints put a space after the leading "--" (noted by pypsrp); Windows does not.
  const header = /^-- ?Encrypted Boundary\r\n\tContent-Type: application\/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=[^;\r\n]+;charset=[^;\r\n]+;Length=(\d{1,9})\r\n-- ?Encrypted Boundary\r\n\tContent-Type: application\/octet-stream\r\n/i.exec(text);
  if (!header) throw new EncryptionFormatError('The encrypted reply does not start with the expected multipart headers');
  // The closing boundary comes with or without its final "--": pywinrm and pypsrp, which talk to real hosts,
  // accept both. Truncation is still caught: the sealed part must have exactly the stated length.
  const trailer = /-- ?Encrypted Boundary(?:--)?\r\n$/.exec(text.slice(-32));
  const end = body.length - (trailer?.[0].length ?? 0);
  if (!trailer || end < header[0].length) {
    throw new EncryptionFormatError('The encrypted reply is truncated: its closing boundary is missing');
  }
  const part = body.subarray(header[0].length, end);
  if (part.length < 4) throw new EncryptionFormatError('The encrypted reply is truncated before its signature');
  const sigLength = part.readUInt32LE(0);
  if (sigLength !== 16) throw new EncryptionFormatError(`The encrypted reply has a ${sigLength}-byte signature, not 16`);
  if (part.length < 4 + sigLength) throw new EncryptionFormatError('The encrypted reply is truncated inside its signature');
  const sealed = part.subarray(4 + sigLength);
  const expectedLength = Number(header[1]);
  if (sealed.length !== expectedLength) {
    throw new EncryptionFormatError(`The encrypted reply says ${expectedLength} bytes but carries ${sealed.length}`);
  }
  return session.unseal(part.subarray(4, 4 + sigLength), sealed);
}
