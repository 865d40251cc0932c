/** Framing of WinRM HTTP message encryption, and refusal of truncated, resized and re-signed replies. */
import { describe, expect, it } from 'vitest';
import { NtlmSession, NtlmSignatureError } from './ntlm-session';
import { decryptBody, encryptBody, EncryptionFormatError, ENCRYPTED_CONTENT_TYPE, isEncryptedContentType } from './http-encryption';

const key = Buffer.alloc(16, 0x55);
const soap = Buffer.from('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>');
const pair = (): { client: NtlmSession; server: NtlmSession } => ({ client: new NtlmSession(key, true), server: new NtlmSession(key, false) });

describe('http-encryption', () => {
  it('frames a body the way WinRM expects', () => {
    const body = encryptBody(pair().client, soap);
    const text = body.toString('latin1');
    expect(text.startsWith('--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n')).toBe(true);
    expect(text).toContain(`\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${soap.length}\r\n`);
    expect(text.endsWith('--Encrypted Boundary--\r\n')).toBe(true);
    const at = text.indexOf('application/octet-stream\r\n') + 'application/octet-stream\r\n'.length;
    expect(body.readUInt32LE(at)).toBe(16);
    expect(body.length).toBe(at + 4 + 16 + soap.length + '--Encrypted Boundary--\r\n'.length);
    expect(text).not.toContain('Envelope');
    expect(isEncryptedContentType(ENCRYPTED_CONTENT_TYPE)).toBe(true);
    expect(isEncryptedContentType('application/soap+xml;charset=UTF-8')).toBe(false);
  });
  it('round-trips several messages in sequence', () => {
    const { client, server } = pair();
    for (let n = 0; n < 3; n++) expect(decryptBody(server, encryptBody(client, soap)).equals(soap)).toBe(true);
  });
  it('accepts the closing boundary with or without its final "--", and Exchange\'s "-- Encrypted Boundary"', () => {
    // The forms pywinrm's and pypsrp's tests accept from real hosts (see fixtures/SOURCES.md).
    const { client, server } = pair();
    const noHyphens = Buffer.from(encryptBody(client, soap).toString('latin1').replace(/--Encrypted Boundary--\r\n$/, '--Encrypted Boundary\r\n'), 'latin1');
    expect(decryptBody(server, noHyphens).equals(soap)).toBe(true);
    const spaced = Buffer.from(encryptBody(client, soap).toString('latin1').replace(/--Encrypted Boundary/g, '-- Encrypted Boundary'), 'latin1');
    expect(decryptBody(server, spaced).equals(soap)).toBe(true);
    const cut = noHyphens.subarray(0, noHyphens.length - '--Encrypted Boundary\r\n'.length - 3);
    expect(() => decryptBody(pair().server, Buffer.concat([cut, Buffer.from('--Encrypted Boundary\r\n')]))).toThrow(/says \d+ bytes but carries/);
  });
  it('refuses a truncated body', () => {
    const body = encryptBody(pair().client, soap);
    expect(() => decryptBody(pair().server, body.subarray(0, body.length - 30))).toThrow(EncryptionFormatError);
    expect(() => decryptBody(pair().server, body.subarray(0, 40))).toThrow(/expected multipart headers|truncated/);
  });
  it('refuses a wrong length and a wrong signature', () => {
    const body = encryptBody(pair().client, soap);
    const resized = Buffer.from(body.toString('latin1').replace(`Length=${soap.length}`, `Length=${soap.length + 1}`), 'latin1');
    expect(() => decryptBody(pair().server, resized)).toThrow(/says \d+ bytes but carries/);
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('octet-stream\r\n') + 14 + 4 + 6]! ^= 0xff;
    expect(() => decryptBody(pair().server, tampered)).toThrow(NtlmSignatureError);
  });
});
